"""Shared test parts: a real HTTP server on 127.0.0.1 and a way to run the real `newsmirror` command."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN_POST = FIXTURES / "000_48fe70f85b61edb0.txt"
GOLDEN_FEED = FIXTURES / "epochtimes-feed.xml"
GOLDEN_NAME = "2023-10-28-布林肯王毅会谈逾7小时 盘点美中冲突领域.md"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answer If-None-Match with 304
    gzip: bool = False
    delay: float = 0.0
    # Full control: called with the request handler, must write the whole response itself.
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """Clients that hang up (timeouts, killed runs) are part of the tests, not errors worth a traceback."""
        import sys as _sys

        if not isinstance(_sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class LocalServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with routes set per test; it counts every request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                path = self.path
                with server._lock:
                    server.hits[path] = server.hits.get(path, 0) + 1
                    server.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(path) or server.routes.get(path.split("?")[0])
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.handler is not None:
                    route.handler(self)
                    return
                tag = '"' + hashlib.sha1(route.body).hexdigest() + '"'
                if route.etag and self.headers.get("If-None-Match") == tag and route.status == 200:
                    self._send(304, b"", None, {"ETag": tag})
                    return
                extra = dict(route.headers)
                if route.etag:
                    extra["ETag"] = tag
                body = route.body
                if route.gzip:
                    body = gzip.compress(body)
                    extra["Content-Encoding"] = "gzip"
                self._send(route.status, body, route.content_type, extra)

            def _send(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None) -> None:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

        self.httpd = _QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **options) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def start(self) -> LocalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    local = LocalServer().start()
    yield local
    local.stop()


@pytest.fixture(autouse=True)
def _no_proxy_from_environment(monkeypatch):
    """Tests talk to 127.0.0.1 only: a proxy set on the machine must not redirect them."""
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


_MEMOISED = (("newsmirror.archive.identity", "canonical_url"), ("newsmirror.ingest.sanitize", "sanitize_html"))


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Memoised pure functions start every test empty. Mutation testing (mutmut) runs a test in a process forked
    from one that ran it before with the original code: a remembered answer would hide the mutant."""
    for module_name, function in _MEMOISED:
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, function).cache_clear()


def write_config(root: Path, sources: list[dict], extra: str = "") -> Path:
    """newsmirror.toml with the given sources (and any extra TOML text before them)."""
    import json

    root.mkdir(parents=True, exist_ok=True)
    lines = [extra.strip(), ""] if extra.strip() else []
    for source in sources:
        lines.append("[[sources]]")
        for key, value in source.items():
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        lines.append("")
    path = root / "newsmirror.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command (`python -m newsmirror`) in a child process, on the same newsmirror code the tests
    import (under mutmut, the mutated copy in mutants/)."""
    import newsmirror

    full_env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    full_env.update({"PYTHONUTF8": "1", "COLUMNS": "200", "NO_COLOR": "1"})
    code_root = str(Path(newsmirror.__file__).resolve().parent.parent)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (code_root, full_env.get("PYTHONPATH", "")) if p)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newsmirror", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def post_files(root: Path, hidden: bool = False) -> list[Path]:
    """Every file under root/_posts/, flat or in dated folders (archive/layout.py), sorted by name then path;
    `hidden` includes the hidden temporary files of a write in progress."""
    posts = root / "_posts"
    found = [
        Path(folder) / name
        for folder, _dirs, names in os.walk(posts)
        for name in names
        if hidden or not name.startswith(".")
    ]
    return sorted(found, key=lambda path: (path.name, str(path)))


def post_path(root: Path, name: str) -> Path:
    """Where fetch writes the post named `name`: its dated folder (archive/layout.py's one rule)."""
    from newsmirror.archive.layout import dated_path

    return root / dated_path(name)
