"""asyncio clients for the epoll tests: each mode prints one result line.

  connect PORT [OWN_S]        open_connection to PORT (no timeout, or
                              asyncio.wait_for with OWN_S seconds)
  read PORT [OWN_S]           connect, write a request, await read(10)
  pool ECHO_PORT SILENT_PORT N
                              N pooled connections to the echo server (one
                              round trip each, then idle), one request to the
                              silent server; then a request on every pooled one

Result lines: "error KIND errno=E ms=T" or "ok ..." (ms: from the call that
armed the cap, the connect or the write, to the error).
"""
import asyncio
import sys
import time


def describe(exc, start):
    ms = int((time.monotonic() - start) * 1000)
    errno = getattr(exc, "errno", None)
    return f"error {type(exc).__name__} errno={errno} ms={ms}"


async def within(coro, own):
    return await (asyncio.wait_for(coro, own) if own else coro)


async def connect(port, own):
    start = time.monotonic()
    try:
        _, writer = await within(asyncio.open_connection("127.0.0.1", port), own)
    except Exception as exc:  # the error is the result
        return describe(exc, start)
    writer.close()
    return "ok connected"


async def read(port, own):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()  # the write arms the response deadline
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    await writer.drain()
    try:
        data = await within(reader.read(10), own)
    except Exception as exc:
        return describe(exc, start)
    return f"ok read {len(data)}"


async def round_trip(reader, writer, payload):
    writer.write(payload)
    await writer.drain()
    return await reader.readexactly(len(payload))


async def pool(echo_port, silent_port, n):
    conns = [await asyncio.open_connection("127.0.0.1", echo_port) for _ in range(n)]
    for i, (r, w) in enumerate(conns):
        assert await round_trip(r, w, b"warm %d\n" % i) == b"warm %d\n" % i
    active = await read(silent_port, None)
    answered = 0
    for i, (r, w) in enumerate(conns):
        if await round_trip(r, w, b"again %d\n" % i) == b"again %d\n" % i:
            answered += 1
    for _, w in conns:
        w.close()
    return f"pool answered={answered}/{n} active: {active}"


def main(argv):
    mode = argv[1]
    if mode == "pool":
        result = asyncio.run(pool(int(argv[2]), int(argv[3]), int(argv[4])))
    else:
        own = float(argv[3]) if len(argv) > 3 else None
        fn = connect if mode == "connect" else read
        result = asyncio.run(fn(int(argv[2]), own))
    print(result, flush=True)


if __name__ == "__main__":
    main(sys.argv)
