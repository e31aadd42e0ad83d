"""A service with three dependencies, each with its own timeout, as the
plan's rollout story has them: a database whose accept queue is full
(connect timeout 1.5 s), a slow but healthy API (answers in 0.6 s, read
timeout 3 s) and a silent cache (read timeout 1 s).

    three_deps.py FULL_PORT SLOW_PORT SILENT_PORT

Prints one line per dependency, "NAME OUTCOME SECONDS" (the time from the
call that started the wait), then "pid PID done", and waits for stdin to
close so that its live counters can be read while it still runs."""
import os
import socket
import sys
import time


def connect_full(port):
    s = socket.socket()
    s.settimeout(1.5)
    t = time.monotonic()
    try:
        s.connect(("127.0.0.1", port))
        return "connected", time.monotonic() - t
    except socket.timeout:
        return "timeout", time.monotonic() - t
    finally:
        s.close()


def ask(port, timeout):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(timeout)
    try:
        t = time.monotonic()
        s.sendall(b"GET /\n")
        try:
            data = s.recv(100)
            return ("answered" if data else "eof"), time.monotonic() - t
        except socket.timeout:
            return "timeout", time.monotonic() - t
    finally:
        s.close()


full, slow, silent = (int(a) for a in sys.argv[1:4])
for name, call in (("database", lambda: connect_full(full)),
                   ("api", lambda: ask(slow, 3.0)),
                   ("cache", lambda: ask(silent, 1.0))):
    outcome, took = call()
    print(f"{name} {outcome} {took:.3f}", flush=True)
print(f"pid {os.getpid()} done", flush=True)
sys.stdin.read()
