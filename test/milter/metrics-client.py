#!/usr/bin/env python3
"""metrics-client.py - the clients metrics-http.sh needs besides curl:
policy and socketmap requests to trustmx-policyd, PROXY v2 headers, and
hostile HTTP clients (idle, garbage) for a /metrics endpoint.

  policy HOST PORT CLIENT-ADDRESS...     one request each, one connection
  refused HOST PORT SOURCE               connect from SOURCE; closed unread?
  socketmap PATH KEY...                  "postscreen KEY" each, one connection
  proxy HOST PORT KIND...                 one header each (ok, local,
                                         garbage, none: wait 2s), then close
  idle HOST PORT N SECONDS               N connections sending nothing
  hold HOST|/PATH PORT N SECONDS MODE    N HTTP connections: idle|slow|garbage
"""
import socket
import struct
import sys
import time


def connect(host, port, source=None):
    """A TCP connection (from source), or a unix one when host is a path."""
    if host.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(host)
        return s
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        s.bind((source, 0))
    s.connect((host, int(port)))
    return s


def read_until(s, end):
    """Bytes until end (or EOF)."""
    buf = b""
    s.settimeout(5)
    while not buf.endswith(end):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def policy(host, port, clients):
    s = connect(host, port)
    for client in clients:
        s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n"
                  b"client_address=" + client.encode() + b"\n\n")
        print(read_until(s, b"\n\n").decode().strip())
    s.close()


def refused(host, port, source):
    """The daemon closes a connection from outside policy_clients."""
    s = connect(host, port, source)
    s.settimeout(5)
    s.sendall(b"request=smtpd_access_policy\nclient_address=192.0.2.1\n\n")
    try:
        data = s.recv(100)
    except ConnectionResetError:
        data = b""
    print("closed" if data == b"" else "answered")


def netstring(data):
    return str(len(data)).encode() + b":" + data + b","


def socketmap(path, keys):
    s = connect(path, 0)
    for key in keys:
        s.sendall(netstring(b"postscreen " + key.encode()))
        reply = read_until(s, b",")
        print(reply.decode())
    s.close()


def proxy_header(kind):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    if kind == "local":
        return sig + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    if kind == "ok":
        body = socket.inet_aton("127.0.0.2") + socket.inet_aton("127.0.0.1")
        body += struct.pack("!HH", 40000, 10040)
        return sig + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body
    return b"GET / HTTP/1.0\r\n\r\n"


def proxy(host, port, kinds):
    for kind in kinds:
        s = connect(host, port)
        if kind == "none":
            time.sleep(2)   # beyond proxy_timeout
        else:
            s.sendall(proxy_header(kind))
            time.sleep(0.3)
        s.close()


def idle(host, port, n, seconds):
    conns = [connect(host, port) for _ in range(int(n))]
    print("holding", len(conns), flush=True)
    time.sleep(float(seconds))
    for s in conns:
        s.close()


def hold(host, port, n, seconds, mode):
    """Hostile HTTP clients; each is open before "holding" is printed."""
    conns = []
    for i in range(int(n)):
        try:
            s = connect(host, port)
        except OSError:
            break
        if mode == "garbage":
            s.sendall(b"\x00\xff\xfe NOT HTTP \x01\x02\r\n" * 4 + b"\r\n")
        elif mode == "slow":
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        conns.append(s)
    print("holding", len(conns), flush=True)
    end = time.time() + float(seconds)
    while time.time() < end:
        if mode == "slow":
            for s in conns:
                try:
                    s.sendall(b"X-Slow: a\r\n")
                except OSError:
                    pass
        time.sleep(0.5)
    for s in conns:
        s.close()


def main(argv):
    cmd = argv[1]
    if cmd == "policy":
        policy(argv[2], argv[3], argv[4:])
    elif cmd == "refused":
        refused(argv[2], argv[3], argv[4])
    elif cmd == "socketmap":
        socketmap(argv[2], argv[3:])
    elif cmd == "proxy":
        proxy(argv[2], argv[3], argv[4:])
    elif cmd == "idle":
        idle(argv[2], argv[3], argv[4], argv[5])
    elif cmd == "hold":
        hold(argv[2], argv[3], argv[4], argv[5], argv[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
