"""COUNT requests to 127.0.0.1:PORT, one connection each, each waiting for
the answer with the program's own 5 s timeout.  One line per request:
"OUTCOME MS START_MS" (START_MS on CLOCK_MONOTONIC), then "done"."""
import socket
import sys
import time

port, count = int(sys.argv[1]), int(sys.argv[2])
for _ in range(count):
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"ping\n")
            outcome = "ok" if s.recv(16) == b"ok\n" else "short"
    except OSError as e:
        outcome = type(e).__name__
    print(f"{outcome} {(time.monotonic() - start) * 1000:.0f} {start * 1000:.0f}", flush=True)
print("done", flush=True)
