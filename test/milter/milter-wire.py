#!/usr/bin/env python3
"""milter-wire.py - milter-protocol.sh's MTA: speaks the milter protocol
(version 6) to trustmx-milter's socket the way Postfix does, and checks
which steps the milter answers.

  milter-wire.py SOCKET MODE
    MODE noreply  offer every protocol flag, as Postfix 3.x does
    MODE legacy   offer none of the no-reply or skip flags (an older MTA)

Prints one line per finding; exits 1 if any check failed.
"""
import socket
import struct
import sys

# protocol flags (libmilter's mfapi.h)
NORCPT, NR_HDR, NOUNKNOWN, NODATA = 0x8, 0x80, 0x100, 0x200
NR_CONN, NR_HELO, NR_EOH, NR_BODY = 0x1000, 0x2000, 0x40000, 0x80000
HDR_LEADSPC = 0x100000
ALL_PROTO = 0x1FFFFF
ALL_ACTIONS = 0x1FF
NOREPLY = NR_CONN | NR_HELO | NR_HDR | NR_EOH | NR_BODY
SKIP = NORCPT | NODATA | NOUNKNOWN

failed = 0


def check(ok, what):
    """one finding"""
    global failed
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failed += 1


def send(sock, cmd, data=b""):
    """one command packet"""
    sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def recv_exact(sock, n):
    """n bytes or an error"""
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise EOFError("milter closed the connection")
        buf += part
    return buf


def reply(sock, timeout=15.0):
    """the next reply packet: (command, data), or None if none comes"""
    sock.settimeout(timeout)
    try:
        hdr = recv_exact(sock, 4)
    except socket.timeout:
        return None
    n = struct.unpack(">I", hdr)[0]
    data = recv_exact(sock, n)
    return data[:1], data[1:]


def z(*parts):
    """NUL-terminated strings"""
    return b"".join(p.encode() + b"\0" for p in parts)


def session(path, offered):
    """one connection, one message; returns the replies after MAIL"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    send(s, b"O", struct.pack(">III", 6, ALL_ACTIONS, offered))
    cmd, data = reply(s)
    check(cmd == b"O" and len(data) >= 12, "option negotiation answered")
    _, actions, proto = struct.unpack(">III", data[:12])
    noreply = proto & NOREPLY

    def step(cmd, data, flag):
        send(s, cmd, data)
        if not proto & flag:
            r = reply(s)
            check(r is not None and r[0] == b"c",
                  "step %s answered 'c' (not negotiated away)" % cmd.decode())

    send(s, b"D", b"C" + z("j", "mx.test.example", "{daemon_name}", "t"))
    step(b"C", z("client.example") + b"4" + struct.pack(">H", 4711) +
         z("192.0.2.10"), NR_CONN)
    step(b"H", z("client.example"), NR_HELO)
    send(s, b"D", b"M" + z("{mail_addr}", "a@pass.example"))
    send(s, b"M", z("<a@pass.example>"))
    r = reply(s)
    check(r is not None and r[0] == b"c", "MAIL answered 'c'")
    if not proto & NORCPT:
        send(s, b"R", z("<u@test.example>"))
        check(reply(s)[0] == b"c", "RCPT answered 'c'")
    if not proto & NODATA:
        send(s, b"T")
        check(reply(s)[0] == b"c", "DATA answered 'c'")
    lead = " " if proto & HDR_LEADSPC else ""
    hdrs = [("From", "Alice <a@pass.example>"), ("To", "u@test.example"),
            ("Subject", "wire test"), ("Message-ID", "<wire@pass.example>")]
    hdrs += [("X-Filler-%d" % i, "value %d" % i) for i in range(20)]
    for name, value in hdrs:
        step(b"L", z(name, lead + value), NR_HDR)
    step(b"N", b"", NR_EOH)
    step(b"B", b"Hello.\r\n" * 200, NR_BODY)
    send(s, b"D", b"E" + z("i", "WIRE1"))
    send(s, b"E")
    out = []
    while True:
        r = reply(s)
        if r is None:
            check(False, "end of message answered")
            break
        out.append(r)
        if r[0] in (b"a", b"c", b"t", b"r", b"y", b"d"):
            break
    send(s, b"Q")
    s.close()
    return noreply, proto, out


def main():
    path, mode = sys.argv[1], sys.argv[2]
    offered = ALL_PROTO if mode == "noreply" else HDR_LEADSPC
    noreply, proto, out = session(path, offered)
    if mode == "noreply":
        check(noreply == NOREPLY,
              "no reply to connect, helo, headers, eoh, body: 0x%x" % noreply)
        check(proto & SKIP == SKIP, "RCPT, DATA, unknown not sent: 0x%x" %
              (proto & SKIP))
    else:
        check(proto & (NOREPLY | NORCPT | NODATA) == 0,
              "nothing asked of an MTA that did not offer it: 0x%x" % proto)
    cmds = b"".join(c for c, _ in out)
    # the first reply after MAIL's must be the end of message's: a stray
    # "c" would mean an answer the MTA was not waiting for
    check(cmds[:1] in (b"i", b"h", b"m"), "end of message: %r" % cmds)
    check(cmds[-1:] == b"a", "accepted")
    ar = [d for c, d in out if c == b"i" and b"Authentication-Results" in d]
    check(len(ar) == 1 and b"spf=pass" in ar[0] and b"dmarc=pass" in ar[0],
          "Authentication-Results: %r" % (ar[0][:160] if ar else None))
    print("%d replies after MAIL: %s" % (len(out), cmds.decode()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
