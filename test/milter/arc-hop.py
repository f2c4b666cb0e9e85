#!/usr/bin/python3
# arc-hop.py - an ARC hop written by an independent implementation
# (Debian's python3-dkim, dkimpy) for milter-arc.sh:
#   arc-hop.py seal DOMAIN SELECTOR KEY.pem AR-RESULTS [FOOTER] <in >out
#       the hop's own Authentication-Results (authserv-id DOMAIN, the
#       results it claims), the FOOTER line appended to the body the way a
#       mailing list does, then an ARC set sealed by DOMAIN
#   arc-hop.py verify <message
#       prints dkimpy's chain validation: "cv=pass", "cv=fail", "cv=none"
# Messages are read and written with CRLF line ends (a Maildir file's
# bare LFs are converted first).
import sys

import dkim


def crlf(data):
    """every line end as CRLF"""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def seal(domain, selector, keyfile, results, footer):
    """the hop: A-R, footer, ARC set on top"""
    msg = crlf(sys.stdin.buffer.read())
    head, sep, body = msg.partition(b"\r\n\r\n")
    if footer:
        body = body + footer.encode() + b"\r\n"
    ar = b"Authentication-Results: " + domain.encode() + b"; " + \
        results.encode() + b"\r\n"
    msg = ar + head + sep + body
    with open(keyfile, "rb") as f:
        key = f.read()
    # RSA only: dkimpy 1.1 seals and verifies ARC with rsa-sha256 alone
    # (Ed25519 ARC interop is covered by test/conformance/arc-interop.sh)
    hdrs = dkim.arc_sign(msg, selector.encode(), domain.encode(), key,
                         domain.encode(),
                         include_headers=[b"from", b"to", b"subject",
                                          b"date", b"message-id"])
    if not hdrs:
        sys.exit("arc-hop: dkimpy added no ARC set")
    sys.stdout.buffer.write(b"".join(hdrs) + msg)


def verify():
    """dkimpy's verdict on the chain"""
    cv, _, reason = dkim.arc_verify(crlf(sys.stdin.buffer.read()))
    print("cv=" + cv.decode() + ("" if cv == dkim.CV_Pass else
                                 " (" + str(reason) + ")"))


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "seal":
        seal(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
             sys.argv[6] if len(sys.argv) > 6 else "")
    elif len(sys.argv) == 2 and sys.argv[1] == "verify":
        verify()
    else:
        sys.exit(__doc__ or "usage: arc-hop.py seal|verify ...")
