#!/usr/bin/python3
# mta-sts-server.py - the MTA-STS policy hosts of doctor.sh: HTTPS on
# ADDR:443 with a certificate from the test's own CA, serving
# ROOT/<Host header>/<path> as text/plain, 404 for anything else.
#
#   mta-sts-server.py ROOT ADDR CERT KEY
import http.server
import os
import ssl
import sys

root, addr, cert, key = sys.argv[1:5]


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    """GET only; the file for the virtual host named in Host:."""

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = os.path.join(root, host, self.path.lstrip("/"))
        if ".." in self.path or "/" in host or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.headers.get("Host"), fmt % args))


server = http.server.HTTPServer((addr, 443), PolicyHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
