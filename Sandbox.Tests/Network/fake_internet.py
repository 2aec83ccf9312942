# The test's fake internet: an HTTP server on every address of its namespace (port 80, or the port
# given), answering GET / with the address that served it, GET /peer with the address the request
# came from (after the node's NAT: the node's uplink address), GET /bytes?n=N with N bytes, and any
# POST with the length of what it read. Prints "ready" once listening; runs until killed.
import sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/bytes":
            n = min(int(parse_qs(url.query).get("n", ["0"])[0]), 64 * 1024 * 1024)
            self.reply(b"x" * n)
        elif url.path == "/peer":
            self.reply(("peer " + self.client_address[0]).encode())
        else:
            self.reply(("served-by " + self.connection.getsockname()[0]).encode())
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        got = 0
        while got < n:
            chunk = self.rfile.read(min(65536, n - got))
            if not chunk:
                break
            got += len(chunk)
        self.reply(str(got).encode())

port = int(sys.argv[1]) if len(sys.argv) > 1 else 80
server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
