#!/usr/bin/env python3
"""A name server for the resolve tests, on UDP and TCP port 53 of ADDR.

  nameserver.py silent ADDR           reads queries, never answers
  nameserver.py answer ADDR NAME=IP.. answers A queries from the table
                                      (NXDOMAIN for other names, no
                                      records for other types)

Prints "ready" once both sockets listen; runs until killed or until its
parent (the test) is gone.  Standard
library only: the DNS message is built by hand (RFC 1035, section 4)."""
import os
import socket
import struct
import sys
import threading
import time


def question(msg):
    """(qname in lower case, qtype, end offset of the question)."""
    labels, i = [], 12
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, _ = struct.unpack("!HH", msg[i + 1:i + 5])
    return ".".join(labels).lower(), qtype, i + 5


def answer(msg, table):
    qid, flags = struct.unpack("!HH", msg[:4])
    name, qtype, end = question(msg)
    rd = flags & 0x0100
    addrs = table.get(name.rstrip("."))
    rcode = 0 if addrs is not None else 3
    records = addrs if addrs is not None and qtype == 1 else []
    header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1,
                         len(records), 0, 0)
    body = msg[12:end]
    for ip in records:
        body += struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(ip)
    return header + body


def serve_udp(sock, table):
    while True:
        msg, peer = sock.recvfrom(4096)
        if table is not None and len(msg) > 12:
            sock.sendto(answer(msg, table), peer)


def serve_tcp_client(conn, table):
    with conn:
        while True:
            head = conn.recv(2, socket.MSG_WAITALL)
            if len(head) < 2:
                return
            msg = conn.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL)
            if table is not None:
                reply = answer(msg, table)
                conn.sendall(struct.pack("!H", len(reply)) + reply)


def serve_tcp(sock, table):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_client, args=(conn, table), daemon=True).start()


def main():
    mode, addr = sys.argv[1], sys.argv[2]
    table = None
    if mode == "answer":
        table = {}
        for pair in sys.argv[3:]:
            name, ip = pair.split("=")
            table.setdefault(name.lower(), []).append(ip)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, 53))
    tcp.listen(64)
    threading.Thread(target=serve_udp, args=(udp, table), daemon=True).start()
    threading.Thread(target=serve_tcp, args=(tcp, table), daemon=True).start()
    parent = os.getppid()
    try:
        print("ready", flush=True)
    except BrokenPipeError:
        pass  # nobody reads: the caller waits for the TCP listener instead
    while os.getppid() == parent:
        time.sleep(0.2)


if __name__ == "__main__":
    main()
