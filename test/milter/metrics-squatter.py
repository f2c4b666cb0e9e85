#!/usr/bin/env python3
"""metrics-squatter.py - the local user metrics-listen.sh plays: something
at a daemon's metrics address before the daemon, answering with its own
numbers, and a would-be squatter's bind while the daemon runs.

  tcp HOST PORT            listen; answer every request with fake metrics
  unix PATH MODE           listen at PATH (chmod MODE); answer "owner"
  full PATH                listen at PATH (0666) with its backlog full
  stale PATH [USER]        a socket file nobody listens on (made as
                           USER, as a killed daemon leaves it), then exit
  try HOST PORT            bind HOST:PORT (SO_REUSEADDR, as any squatter
                           would): prints "bound" or the errno's name
  ask PATH                 connect to PATH, print the answer

The listeners print "holding" once ready and run until killed.
"""
import errno
import os
import pwd
import socket
import sys
import time

FAKE = (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
        b"\r\ntrustmx_milter_sessions 12345\n")


def serve(s, answer):
    """Say we are ready, then answer every connection and close it."""
    print("holding", flush=True)
    while True:
        c, _ = s.accept()
        try:
            c.settimeout(2)
            c.recv(4096)
            c.sendall(answer)
        except OSError:
            pass
        c.close()


def main(argv):
    what = argv[1]
    if what == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((argv[2], int(argv[3])))
        s.listen(16)
        serve(s, FAKE)
    elif what == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(argv[2])
        os.chmod(argv[2], int(argv[3], 8))
        s.listen(16)
        serve(s, b"owner\n")
    elif what == "full":
        # backlog 0 takes one connection that is never accepted; the next
        # one finds the queue full (EAGAIN non-blocking, waits blocking)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(argv[2])
        os.chmod(argv[2], 0o666)
        s.listen(0)
        held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        held.connect(argv[2])
        print("holding", flush=True)
        while True:
            time.sleep(60)
    elif what == "stale":
        if len(argv) > 3:
            pw = pwd.getpwnam(argv[3])
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            os.umask(0o117)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(argv[2])
    elif what == "try":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((argv[2], int(argv[3])))
            s.listen(1)
            print("bound")
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e.errno)))
    elif what == "ask":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(argv[2])
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        print(s.recv(4096).decode().strip())
    else:
        sys.exit("unknown command " + what)


if __name__ == "__main__":
    main(sys.argv)
