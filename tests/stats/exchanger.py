"""COUNT request/response exchanges with 127.0.0.1:PORT on one connection
(blocking socket), then "done", then stay until SIGTERM."""
import signal
import socket
import sys
import time

port, count = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
for _ in range(count):
    s.sendall(b"ping\n")
    if not s.recv(64):
        break
print("done", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
end = time.monotonic() + 60
while time.monotonic() < end:
    time.sleep(0.05)
