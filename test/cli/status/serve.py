# serve.py - a canned /metrics for trustmx status tests: "serve.py FILE
# tcp PORT" (0: any free port) or "serve.py FILE unix PATH"; prints
# "ready PORT". The file is read per request, so a test can change it
# between runs. Content-Type as Prometheus wants, or the bytes of
# FILE.ctype when that exists (a hostile server).
import http.server
import os
import socketserver
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/metrics":
            self.send_error(404)
            return
        with open(sys.argv[1], "rb") as f:
            body = f.read()
        ctype = "text/plain; version=0.0.4"
        if os.path.exists(sys.argv[1] + ".ctype"):
            with open(sys.argv[1] + ".ctype", "rb") as f:
                ctype = f.read().decode("latin-1")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self):
        return "local"

    def log_message(self, *args):
        pass


class UnixServer(socketserver.UnixStreamServer):
    def get_request(self):
        sock, _ = super().get_request()
        return sock, ("local", 0)


if sys.argv[2] == "tcp":
    server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[3])), Handler)
else:
    if os.path.exists(sys.argv[3]):
        os.unlink(sys.argv[3])
    server = UnixServer(sys.argv[3], Handler)
port = server.server_address[1] if sys.argv[2] == "tcp" else 0
print("ready", port, flush=True)
server.serve_forever()
