"""connect_loop.py's asyncio twin (the waits are in epoll_wait): connects to
127.0.0.1:PORT for SECONDS, each with the program's own 2 s timeout; one
line per attempt, "OUTCOME MS START_MS" (START_MS on CLOCK_MONOTONIC)."""
import asyncio
import sys
import time


async def main(port, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
            writer.close()
            outcome = "ok"
        except (OSError, asyncio.TimeoutError) as e:
            outcome = type(e).__name__
        print(f"{outcome} {(time.monotonic() - start) * 1000:.0f} {start * 1000:.0f}", flush=True)


asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
print("done", flush=True)
