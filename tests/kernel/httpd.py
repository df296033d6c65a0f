#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Loopback HTTP server for the download tests: http.server plus Range (206)
# support, on a random 127.0.0.1 port printed on stdout; requests are logged.
import http.server, os, re, sys, time

class Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        rng = self.headers.get("Range")
        path = self.translate_path(self.path)
        if not rng or os.environ.get("KTSTR_HTTPD_NO_RANGE") or not os.path.isfile(path):
            return super().send_head()
        m = re.match(r"bytes=(\d+)-$", rng)
        size = os.path.getsize(path)
        start = int(m.group(1)) if m else 0
        if start >= size:
            self.send_error(416)
            return None
        f = open(path, "rb")
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
        self.send_header("Content-Length", str(size - start))
        self.end_headers()
        return f

    def copyfile(self, src, dst):
        # KTSTR_HTTPD_RATE (bytes/s) slows transfers so a test can interrupt one
        rate = int(os.environ.get("KTSTR_HTTPD_RATE", "0"))
        if not rate:
            return super().copyfile(src, dst)
        chunk = max(rate // 10, 1)
        while True:
            buf = src.read(chunk)
            if not buf:
                break
            dst.write(buf)
            dst.flush()
            time.sleep(0.1)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s range=%s\n" % (self.requestline, self.headers.get("Range")))
        sys.stderr.flush()

os.chdir(sys.argv[1])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
