"""Connect to 127.0.0.1:PORT in a loop for SECONDS, each attempt with the
program's own 2 s timeout.  One line per attempt: "OUTCOME MS START_MS",
START_MS on CLOCK_MONOTONIC (the test's clock)."""
import socket
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
end = time.monotonic() + seconds
while time.monotonic() < end:
    s = socket.socket()
    s.settimeout(2)
    start = time.monotonic()
    try:
        s.connect(("127.0.0.1", port))
        outcome = "ok"
    except OSError as e:
        outcome = type(e).__name__
    print(f"{outcome} {(time.monotonic() - start) * 1000:.0f} {start * 1000:.0f}", flush=True)
    s.close()
print("done", flush=True)
