"""One capped connect in the parent, a fork()ed child that makes two, and a
spawned `true` (subprocess: vfork/posix_spawn where Python can); then
"parent PID child PID" and both stay until SIGTERM (and exit normally)."""
import os
import signal
import socket
import subprocess
import sys
import time


def connects(port, n):
    for _ in range(n):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        except OSError:
            pass


def hold():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    end = time.monotonic() + 60
    while time.monotonic() < end:
        time.sleep(0.05)


port = int(sys.argv[1])
connects(port, 1)
r, w = os.pipe()
child = os.fork()
if child == 0:
    os.close(r)
    connects(port, 2)
    os.write(w, b"x")
    os.close(w)
    hold()
    sys.exit(0)
os.close(w)
os.read(r, 1)
subprocess.run(["true"], check=True)
print(f"parent {os.getpid()} child {child}", flush=True)
hold()
