"""`newsmirror serve`: build, serve _site/ on 127.0.0.1, and rebuild when posts or templates change.

Polling, not file-system events: a build with nothing changed only stats the posts (well under a second at
30,000 posts), so checking every few seconds is cheap and works on every file system.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsmirror.config import Config
from newsmirror.site.build import SITE_DIR, BuildReport, build_site


class ServeEvents:
    """What `serve` tells its watcher; the CLI prints each (nothing in site/ draws), tests and the library ignore them."""

    def serving(self, site_dir: Path, address: str) -> None: ...

    def rebuilt(self, report: BuildReport) -> None: ...

    def rebuild_failed(self, error: Exception) -> None: ...


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


def serve_site(
    config: Config,
    events: ServeEvents | None = None,
    first_build: Callable[[Config], object] = build_site,
    host: str = "127.0.0.1",
    port: int = 4000,
    interval: float = 2.0,
    once: bool = False,
) -> None:
    """Build with `first_build` (the CLI passes one that shows bars and prints the outcome), serve, and rebuild every
    `interval` seconds until interrupted (with `once`: return once serving has started)."""
    events = events or ServeEvents()
    first_build(config)
    server = make_server(config.root / SITE_DIR, host, port, config.site.baseurl)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    events.serving(config.root / SITE_DIR, f"http://{host}:{server.server_address[1]}{config.site.baseurl}/")
    try:
        while not once:
            time.sleep(interval)
            try:
                report = build_site(config)  # nothing changed: returns after a stat of each post
            except Exception as exc:  # keep serving; say what broke
                events.rebuild_failed(exc)
                continue
            if not report.nothing_changed:
                events.rebuilt(report)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
