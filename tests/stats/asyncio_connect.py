"""COUNT asyncio connects (each with its own 5 s timeout) to 127.0.0.1:PORT,
then "done", then stay alive until SIGTERM, and exit normally."""
import asyncio
import signal
import sys
import time


async def main(port, count):
    for _ in range(count):
        start = time.monotonic()
        try:
            await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
            print("connect ok", flush=True)
        except (OSError, asyncio.TimeoutError) as e:
            print(f"connect fail {e!r} ms={(time.monotonic() - start) * 1000:.0f}", flush=True)


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
print("done", flush=True)
time.sleep(60)
