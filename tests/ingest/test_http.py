"""The HTTP client against a real local server: retries, limits, redirects, compression, validators, proxy."""

from __future__ import annotations

import asyncio
import select
import socket
import socketserver
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from conftest import LocalServer
from hostile import redirect_to
from newsmirror.config import FetchConfig
from newsmirror.ingest.guard import PUBLIC_ONLY, check_public_host
from newsmirror.ingest.http import (
    USER_AGENT,
    Fetcher,
    bypasses_proxy,
    proxy_from_environment,
    retry_after_seconds,
)
from newsmirror.models import FetchError, Validators


def fetch(url: str, config: FetchConfig | None = None, **kwargs):
    async def go():
        async with Fetcher(config or FetchConfig(timeout=5, retries=2), backoff=0.01) as fetcher:
            return await fetcher.get(url, **kwargs)

    return asyncio.run(go())


def test_plain_get_sends_our_user_agent(server):
    url = server.add("/feed.xml", "<rss/>")
    result = fetch(url)
    assert result.status == 200 and result.content == b"<rss/>"
    assert server.requests[-1][1]["user-agent"] == USER_AGENT
    assert "newsmirror" in USER_AGENT


def test_conditional_get_costs_a_304(server):
    url = server.add("/feed.xml", "<rss>1</rss>")
    first = fetch(url)
    assert first.validators.etag
    second = fetch(url, validators=first.validators)
    assert second.not_modified and second.content == b""
    assert server.requests[-1][1]["if-none-match"] == first.validators.etag


def test_last_modified_is_sent_back(server):
    url = server.add("/feed.xml", "<rss/>", etag=False, headers={"Last-Modified": "Sat, 28 Oct 2023 18:43:48 GMT"})
    first = fetch(url)
    fetch(url, validators=first.validators)
    assert server.requests[-1][1]["if-modified-since"] == "Sat, 28 Oct 2023 18:43:48 GMT"


def test_5xx_is_retried_then_succeeds(server):
    calls = {"n": 0}

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        status, body = (503, b"busy") if calls["n"] < 3 else (200, b"<rss/>")
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    url = server.add("/flaky", handler=flaky)
    assert fetch(url).content == b"<rss/>"
    assert calls["n"] == 3


def test_retry_after_is_waited_for(server):
    """Polite: a 429 that says when to come back is asked again no sooner (the backoff alone would be 10 ms)."""
    asked: list[float] = []

    def busy_once(handler: BaseHTTPRequestHandler) -> None:
        asked.append(time.monotonic())
        status, body = (429, b"slow down") if len(asked) == 1 else (200, b"<rss/>")
        handler.send_response(status)
        if status == 429:
            handler.send_header("Retry-After", "1")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    assert fetch(server.add("/busy", handler=busy_once)).content == b"<rss/>"
    assert len(asked) == 2 and asked[1] - asked[0] >= 0.95


def test_a_retry_after_beyond_the_run_is_one_line_and_one_request(server):
    url = server.add("/later", "come back later", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match=r"^HTTP 503 Service Unavailable \(the server asks to wait 3600 s\)$"):
        fetch(url, FetchConfig(retries=2, timeout=5))
    assert server.hits["/later"] == 1


def test_retry_after_header_values():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Thu, 26 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Thu, 26 Nov 2026 11:00:00 GMT", now) == 0  # in the past: now
    assert retry_after_seconds("soon", now) is None and retry_after_seconds("", now) is None
    assert retry_after_seconds("²", now) is None  # a digit to str.isdigit, not a number


def test_retries_are_bounded(server):
    url = server.add("/down", "oops", status=500)
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch(url, FetchConfig(retries=2, timeout=5))
    assert server.hits["/down"] == 3


def test_404_is_not_retried(server):
    url = server.add("/gone", "no", status=404)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(url)
    assert server.hits["/gone"] == 1


def test_timeout_covers_a_slow_body(server):
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        try:
            for _ in range(100):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    url = server.add("/drip", handler=drip)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1 s"):
        fetch(url, FetchConfig(timeout=1, retries=0))
    assert time.monotonic() - started < 5


def test_size_cap_stops_large_and_compressed_bodies(server):
    big = server.add("/big", b"x" * 50_000)
    with pytest.raises(FetchError, match="too large"):
        fetch(big, FetchConfig(max_bytes=10_000))
    bomb = server.add("/bomb", b"\0" * 5_000_000, gzip=True)  # ~5 KB on the wire
    with pytest.raises(FetchError, match="too large"):
        fetch(bomb, FetchConfig(max_bytes=1_000_000))


def test_gzip_is_decoded(server):
    url = server.add("/gz", "<rss>中文</rss>", gzip=True)
    assert fetch(url).content.decode() == "<rss>中文</rss>"
    assert "gzip" in server.requests[-1][1]["accept-encoding"]
    assert "br" in server.requests[-1][1]["accept-encoding"]


def test_redirects_are_followed_within_a_limit(server):
    final = server.add("/final", "<rss/>")
    server.add("/r1", handler=redirect_to("/r2"))
    server.add("/r2", handler=redirect_to(final))
    result = fetch(server.url("/r1"))
    assert result.final_url == final and result.content == b"<rss/>"
    for i in range(10):
        server.add(f"/c{i}", handler=redirect_to(f"/c{i + 1}"))
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(server.url("/c0"), FetchConfig(max_redirects=5))


def test_redirect_loop_is_named(server):
    server.add("/a", handler=redirect_to("/b"))
    server.add("/b", handler=redirect_to("/a"))
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(server.url("/a"))


def test_connection_refused_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match=r"connection to 127\.0\.0\.1 failed") as caught:
        fetch(f"http://127.0.0.1:{port}/", FetchConfig(retries=0))
    assert "\n" not in str(caught.value)


def test_per_host_limit_is_respected(server):
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.15)
        with lock:
            active["now"] -= 1
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    server.add("/slow", handler=slow)

    async def go():
        async with Fetcher(FetchConfig(concurrency=10, per_host=2)) as fetcher:
            await asyncio.gather(*(fetcher.get(server.url(f"/slow?{i}")) for i in range(8)))

    asyncio.run(go())
    assert active["max"] == 2


@pytest.mark.parametrize("answer", [200, 304, 301])
def test_a_host_keeps_its_connection_between_requests(server, answer):
    """Unchanged feeds (304) and redirects too: an answer closed unread would close its connection."""
    peers: list[int] = []

    def remember(handler):
        peers.append(handler.client_address[1])
        if answer == 301 and "hop" not in handler.path:
            handler.send_response(301)
            handler.send_header("Location", handler.path + "&hop")
            body = b"<p>moved</p>"
        else:
            handler.send_response(200 if answer == 301 else answer)
            body = b"" if answer == 304 else b"ok"
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server.add("/feed", handler=remember)

    async def go():
        async with Fetcher(FetchConfig(per_host=2, retries=0)) as fetcher:
            for i in range(5):
                await fetcher.get(server.url(f"/feed?{i}"), validators=Validators(etag='"x"'))

    asyncio.run(go())
    assert len(peers) == (10 if answer == 301 else 5)
    assert len(set(peers)) == 1


def test_a_redirect_whose_body_never_comes_is_still_followed(server):
    """The body of a redirect is read only to keep the connection; one that promises bytes it never sends must
    not turn the redirect into a timeout."""

    def lying_redirect(handler):
        handler.send_response(301)
        handler.send_header("Location", "/target")
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.flush()
        time.sleep(3)  # the 100 bytes never come

    server.add("/moved", handler=lying_redirect)
    server.add("/target", "here")
    started = time.monotonic()
    result = fetch(server.url("/moved"), FetchConfig(timeout=2.5, retries=0))
    assert result.content == b"here" and result.final_url.endswith("/target")
    assert time.monotonic() - started < 2.5


def test_many_hosts_keep_a_bounded_number_of_connection_pools():
    from newsmirror.ingest import http as fetch_module

    hosts = [LocalServer(host=f"127.0.0.{n}").start() for n in range(1, fetch_module._HOSTS_KEPT_OPEN + 9)]
    try:
        for host in hosts:
            host.add("/feed", "ok")

        async def go():
            async with Fetcher(FetchConfig(concurrency=8, per_host=2)) as fetcher:
                results = await asyncio.gather(*(fetcher.get(h.url("/feed")) for h in hosts for _ in range(2)))
                assert len(fetcher._clients) <= fetch_module._HOSTS_KEPT_OPEN
                return results

        results = asyncio.run(go())
        assert [r.content for r in results] == [b"ok"] * (2 * len(hosts))
    finally:
        for host in hosts:
            host.stop()


def test_public_only_refuses_loopback(server):
    url = server.add("/x", "x")
    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1"):
        fetch(url, guard=PUBLIC_ONLY)
    assert server.hits.get("/x") is None
    with pytest.raises(FetchError, match="non-public"):
        asyncio.run(check_public_host("http://[::1]/"))


class _ForwardProxy(BaseHTTPRequestHandler):
    """A real HTTP forward proxy (absolute-form request lines), counting what passes through it."""

    seen: ClassVar[list[str]] = []
    upstream: ClassVar[dict[str, str]] = {}  # host name → the address the proxy connects to (its own "DNS")

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        import urllib.request

        _ForwardProxy.seen.append(self.path)
        target = self.path
        for name, address in _ForwardProxy.upstream.items():
            target = target.replace(f"//{name}:", f"//{address}:")
        with urllib.request.urlopen(target) as upstream:
            body = upstream.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_requests_go_through_the_configured_proxy(server, monkeypatch):
    url = server.add("/via-proxy", "<rss>proxied</rss>")
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
        assert fetch(url, FetchConfig(proxy=proxy_url)).content == b"<rss>proxied</rss>"
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        assert proxy_from_environment() == proxy_url
        assert fetch(url).content == b"<rss>proxied</rss>"  # taken from the environment
        monkeypatch.setenv("HTTPS_PROXY", proxy_url.removeprefix("http://"))  # no scheme: HTTP, as curl reads it
        assert fetch(url).content == b"<rss>proxied</rss>"
        assert _ForwardProxy.seen.count(url) == 3
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_no_proxy_sends_those_hosts_direct(server, monkeypatch):
    url = server.add("/direct", "<rss>direct</rss>")
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.setenv("NO_PROXY", "intranet.example, 127.0.0.0/8")
        before = len(_ForwardProxy.seen)
        assert fetch(url).content == b"<rss>direct</rss>"
        assert len(_ForwardProxy.seen) == before  # the proxy saw nothing
        monkeypatch.setenv("NO_PROXY", "intranet.example")
        assert fetch(url).content == b"<rss>direct</rss>"
        assert _ForwardProxy.seen[before:] == [url]  # not listed: through the proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_lower_case_no_proxy_is_read_first_as_curl_reads_it(monkeypatch):
    from newsmirror.ingest.http import no_proxy_rules

    monkeypatch.setenv("NO_PROXY", "127.0.0.0/8")
    monkeypatch.setenv("no_proxy", "intranet.example")
    assert no_proxy_rules() == ["intranet.example"]


def test_a_host_with_a_request_in_flight_keeps_its_connections_while_others_are_closed():
    from newsmirror.ingest import http as fetch_module

    slow = LocalServer(host="127.0.0.1").start()
    slow.add("/feed", "slow but whole", delay=1.0)
    hosts = [LocalServer(host=f"127.0.0.{n}").start() for n in range(2, fetch_module._HOSTS_KEPT_OPEN + 12)]
    try:
        for host in hosts:
            host.add("/feed", "ok")

        async def go():
            async with Fetcher(FetchConfig(concurrency=64, per_host=2, retries=0)) as fetcher:
                first = asyncio.create_task(fetcher.get(slow.url("/feed")))  # the oldest host, busy throughout
                await asyncio.sleep(0.1)
                await asyncio.gather(*(fetcher.get(h.url("/feed")) for h in hosts))
                return await first

        assert asyncio.run(go()).content == b"slow but whole"
    finally:
        for host in [slow, *hosts]:
            host.stop()


@pytest.mark.parametrize(
    ("host", "rules", "direct"),
    [
        ("news.example", ["*"], True),
        ("news.example", ["news.example"], True),
        ("www.news.example", [".news.example"], True),
        ("www.news.example", ["*.news.example"], True),
        ("www.news.example", ["news.example:443"], True),
        ("othernews.example", ["news.example"], False),
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("10.1.2.3", ["10.1.2.3"], True),
        ("11.1.2.3", ["10.0.0.0/8"], False),
        ("::1", ["[::1]:8080"], True),
        ("news.example", [], False),
    ],
)
def test_no_proxy_rules(host, rules, direct):
    assert bypasses_proxy(host, rules) is direct


class _Socks5Handler(socketserver.BaseRequestHandler):
    """A minimal real SOCKS5 server (no authentication, CONNECT only), relaying bytes both ways."""

    connects: ClassVar[list[tuple[str, int]]] = []

    def handle(self) -> None:
        client = self.request
        _version, methods = client.recv(2)
        client.recv(methods)
        client.sendall(b"\x05\x00")
        _ver, _cmd, _rsv, kind = client.recv(4)
        if kind == 1:
            host = socket.inet_ntoa(client.recv(4))
        elif kind == 3:
            host = client.recv(client.recv(1)[0]).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, client.recv(16))
        port = int.from_bytes(client.recv(2), "big")
        _Socks5Handler.connects.append((host, port))
        upstream = socket.create_connection((host, port))
        client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + b"\x00\x00")
        sockets = [client, upstream]
        while True:
            readable, _, _ = select.select(sockets, [], [], 5)
            if not readable:
                break
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    upstream.close()
                    return
                (upstream if sock is client else client).sendall(data)
        upstream.close()


def test_socks5_proxy_from_all_proxy(server, monkeypatch):
    url = server.add("/via-socks", "<rss>socks</rss>")
    socks = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Socks5Handler)
    socks.daemon_threads = True
    threading.Thread(target=socks.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{socks.server_address[1]}")
        assert fetch(url).content == b"<rss>socks</rss>"
        assert _Socks5Handler.connects[-1] == ("127.0.0.1", server.port)
    finally:
        socks.shutdown()
        socks.server_close()


def test_public_only_connects_to_the_address_it_checked(server, monkeypatch):
    """No second lookup between the check and the connection (DNS rebinding): the request goes to the vetted
    address with the original Host header. Here the check vouches for 127.0.0.1 and the resolver would fail."""
    import newsmirror.ingest.http

    url = server.add("/pinned", "<html>ok</html>", content_type="text/html")
    host_url = url.replace("127.0.0.1", "rebind.invalid")
    lookups: list[str] = []
    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        lookups.append(str(host))
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    async def vetted(checked_url: str, *rest) -> str:
        assert checked_url == host_url
        return "127.0.0.1"

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(newsmirror.ingest.http, "check_public_host", vetted)
    result = fetch(host_url, guard=PUBLIC_ONLY)
    assert result.content == b"<html>ok</html>" and result.final_url == host_url
    assert server.requests[-1][1]["host"] == f"rebind.invalid:{server.port}"
    assert "rebind.invalid" not in lookups


def test_through_a_proxy_the_guard_checks_addresses_and_lets_the_proxy_resolve_names(server, monkeypatch):
    """Behind a censor the local resolver lies, and the proxy resolves names itself: a guarded request through a
    proxy refuses what the address says by itself (a private IP, a local name) and looks nothing up here."""
    url = server.add("/guarded", "<rss>ok</rss>")
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    lookups: list[str] = []
    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        lookups.append(str(host))
        return real(host, *args, **kwargs)

    try:
        config = FetchConfig(proxy=f"http://127.0.0.1:{proxy.server_address[1]}", retries=0)
        before = len(_ForwardProxy.seen)
        with pytest.raises(FetchError, match=r"^refused: 127\.0\.0\.1 is the non-public address 127\.0\.0\.1 "):
            fetch(url, config, guard=PUBLIC_ONLY)
        with pytest.raises(FetchError, match=r"^refused: printer\.local is a local name"):
            fetch("http://printer.local/", config, guard=PUBLIC_ONLY)
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        by_name = url.replace("127.0.0.1", "feeds.example")  # the proxy stands in for a public host
        _ForwardProxy.upstream = {"feeds.example": "127.0.0.1"}
        assert fetch(by_name, config, guard=PUBLIC_ONLY).content == b"<rss>ok</rss>"
        assert "feeds.example" not in lookups and _ForwardProxy.seen[before:] == [by_name]
    finally:
        _ForwardProxy.upstream = {}
        proxy.shutdown()
        proxy.server_close()
