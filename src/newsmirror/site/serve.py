"""`newsmirror serve`: build, serve _site/ on 127.0.0.1, and rebuild when posts or templates change.

Polling, not file-system events: a build with nothing changed only stats the posts (well under a second at
30,000 posts), so checking every few seconds is cheap and works on every file system.
"""

from __future__ import annotations

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from rich.console import Console

from newsmirror.config import Config
from newsmirror.site.build import SITE_DIR, build_site
from newsmirror.site.console import build_and_report, print_report


class _Handler(SimpleHTTPRequestHandler):
    baseurl = ""

    def log_message(self, format: str, *args) -> None:  # quiet: the terminal shows builds, not every request
        pass

    def translate_path(self, path: str) -> str:
        parts = urlsplit(path)
        local = unquote(parts.path)
        if self.baseurl and local.startswith(self.baseurl):
            local = local[len(self.baseurl) :] or "/"
        return super().translate_path(local)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def make_server(site_dir: Path, host: str, port: int, baseurl: str = "") -> ThreadingHTTPServer:
    handler = functools.partial(type("Handler", (_Handler,), {"baseurl": baseurl.rstrip("/")}), directory=str(site_dir))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_site(config: Config, out: Console, err: Console, host: str = "127.0.0.1", port: int = 4000,
               interval: float = 2.0, once: bool = False) -> None:
    build_and_report(config, out, err)
    server = make_server(config.root / SITE_DIR, host, port, config.site.baseurl)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    out.print(f"Serving {config.root / SITE_DIR} at http://{host}:{server.server_address[1]}{config.site.baseurl}/ "
              "(Ctrl-C stops)")
    try:
        while not once:
            time.sleep(interval)
            try:
                report = build_site(config)  # nothing changed: returns after a stat of each post
            except Exception as exc:  # keep serving; say what broke
                err.print(f"[red]error[/] rebuild failed: {exc}", highlight=False)
                continue
            if not report.nothing_changed:
                print_report(out, err, report, as_json=False)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
