"""The three dependencies of three_deps.py from an asyncio event loop (the
waits are in epoll_wait): a connect to the full accept queue given up after
1.5 s, a request answered in 0.6 s, a request to the silent peer given up
after 1 s.

    asyncio_deps.py FULL_PORT SLOW_PORT SILENT_PORT

Prints "NAME OUTCOME SECONDS" per dependency, like three_deps.py."""
import asyncio
import sys
import time


async def connect_full(port):
    t = time.monotonic()
    try:
        _, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1.5)
        w.close()
        return "connected", time.monotonic() - t
    except asyncio.TimeoutError:
        return "timeout", time.monotonic() - t


async def ask(port, timeout):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        t = time.monotonic()
        w.write(b"GET /\n")
        await w.drain()
        try:
            data = await asyncio.wait_for(r.read(100), timeout)
            return ("answered" if data else "eof"), time.monotonic() - t
        except asyncio.TimeoutError:
            return "timeout", time.monotonic() - t
    finally:
        w.close()


async def main():
    full, slow, silent = (int(a) for a in sys.argv[1:4])
    for name, call in (("database", connect_full(full)), ("api", ask(slow, 3.0)),
                       ("cache", ask(silent, 1.0))):
        outcome, took = await call
        print(f"{name} {outcome} {took:.3f}", flush=True)


asyncio.run(main())
print("pid 0 done", flush=True)
