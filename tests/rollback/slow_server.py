"""A dependency that is slow but alive: on 127.0.0.1 (an ephemeral port,
printed first), each connection's request line is answered "ok" after
DELAY seconds.  Runs until SIGTERM or STOP_AFTER seconds."""
import signal
import socket
import sys
import threading
import time

delay, stop_after = float(sys.argv[1]), float(sys.argv[2])
listener = socket.create_server(("127.0.0.1", 0), backlog=64)
print(listener.getsockname()[1], flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def answer(conn):
    with conn:
        conn.settimeout(10)
        try:
            while conn.recv(4096):
                time.sleep(delay)
                conn.sendall(b"ok\n")
        except OSError:
            pass


listener.settimeout(0.5)
end = time.monotonic() + stop_after
while time.monotonic() < end:
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        continue
    threading.Thread(target=answer, args=(conn,), daemon=True).start()
