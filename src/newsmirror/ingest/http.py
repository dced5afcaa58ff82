"""The one polite HTTP client: limits per host, retries, conditional GET, size caps, proxy, address guard."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import re
import ssl
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import httpx

from newsmirror import __version__
from newsmirror.config import FetchConfig, normalise_proxy, proxy_problem
from newsmirror.ingest.guard import AddressGuard, check_literal_host, check_public_host
from newsmirror.models import FetchError, Validators

USER_AGENT = f"newsmirror/{__version__} (news feed mirror; +https://pypi.org/project/newsmirror/)"
_RETRY_STATUSES = {429, 500, 502, 503, 504}
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_HOSTS_KEPT_OPEN = 32  # hosts whose idle keep-alive connections stay open during a run
_DRAIN_BYTES, _DRAIN_SECONDS = 64 * 1024, 1.0  # the most of an unwanted body read to keep a connection
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"
MAX_RETRY_AFTER = 30.0  # the longest Retry-After waited for within a run; a longer one ends the source's attempt


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """A Retry-After header as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit, not to float()
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


@dataclass(slots=True)
class FetchResult:
    url: str  # the address asked for
    final_url: str  # after redirects
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    validators: Validators = field(default_factory=Validators)
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'").lower()
        return None


def _status_line(status: int) -> str:
    """"HTTP 404 Not Found" with the standard phrase, never the server's own: its text reaches reports and issue
    comments, and a hostile server could put anything there."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


def shown_type(kind: str) -> str:
    """A response's content type as an error message may quote it: a media type, or a word saying it is none."""
    if not kind:
        return "missing"
    return kind if _MEDIA_TYPE.match(kind) else "unrecognised"


def _pinned(url: str, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The request for `url` sent to `address` itself: Host header and TLS name (SNI, certificate check) stay the
    host's, so that DNS rebinding between the check and the connection is impossible."""
    original = httpx.URL(url)
    headers = {"Host": original.netloc.decode("ascii")}
    extensions = {"sni_hostname": original.host} if original.scheme == "https" else {}
    return original.copy_with(host=address.split("%")[0]), headers, extensions


@dataclass(frozen=True, slots=True)
class _Hop:
    """One hop's request: the address connected to, its headers and httpx extensions (the TLS name)."""

    target: str | httpx.URL
    headers: dict[str, str]
    extensions: dict[str, str] = field(default_factory=dict)


def _request_headers(accept: str, validators: Validators | None) -> dict[str, str]:
    """Accept, and the conditional GET's validators from the last answer."""
    headers = {"Accept": accept}
    if validators is not None:
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
    return headers


def _fetch_result(url: str, final_url: str, response: httpx.Response, body: bytes, elapsed: float) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=final_url,
        status=response.status_code,
        content=body,
        headers={k.lower(): v for k, v in response.headers.items()},
        validators=Validators(
            etag=response.headers.get("etag", ""), last_modified=response.headers.get("last-modified", "")
        ),
        elapsed=elapsed,
    )


def _describe(exc: Exception, url: str, timeout: float) -> FetchError:
    host = urlsplit(url).hostname or url
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return FetchError(f"timed out after {timeout:g} s", retryable=True)
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "Name or service not known" in text or "nodename nor servname" in text or "Temporary failure in name" in text or "No address associated" in text:
            return FetchError(f"DNS lookup failed for {host}", retryable=False)
        return FetchError(f"connection to {host} failed: {text or type(exc).__name__}", retryable=True)
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchError("too many redirects")
    if isinstance(exc, httpx.DecodingError):
        return FetchError(f"the response could not be decompressed: {exc}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return FetchError(f"the connection to {host} broke: {exc or type(exc).__name__}", retryable=True)
    if isinstance(exc, httpx.ProxyError):
        return FetchError(f"the proxy refused or failed: {exc}", retryable=True)
    if isinstance(exc, httpx.HTTPError | OSError):
        return FetchError(f"{type(exc).__name__}: {exc}", retryable=True)
    raise exc


def proxy_from_environment() -> str:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return ""


def no_proxy_rules() -> list[str]:
    value = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""  # curl's order
    return [rule.strip().lower() for rule in value.split(",") if rule.strip()]


def bypasses_proxy(host: str, rules: list[str]) -> bool:
    """Whether NO_PROXY sends `host` direct, read as curl reads it: "*", a host name or domain (a leading dot
    optional; sub-domains match), an IP address, or an IP network (10.0.0.0/8); a port in a rule is ignored."""
    host = host.lower().strip("[]").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for rule in rules:
        if rule == "*":
            return True
        if rule.startswith("[") and "]" in rule:  # [::1]:8080
            rule = rule[1 : rule.index("]")]
        elif rule.count(":") == 1:  # host:port
            rule = rule.split(":")[0]
        rule = rule.removeprefix("*").lstrip(".").rstrip(".")  # "*.example.com" as ".example.com"
        if address is not None:
            try:
                if address in ipaddress.ip_network(rule, strict=False):
                    return True
            except ValueError:
                pass
            continue
        if rule and (host == rule or host.endswith("." + rule)):
            return True
    return False


class Fetcher:
    """Use as `async with Fetcher(config) as fetcher: await fetcher.get(url)`."""

    def __init__(self, config: FetchConfig | None = None, proxy: str | None = None, backoff: float = 0.5):
        self.config = config or FetchConfig()
        chosen = normalise_proxy(proxy if proxy is not None else (self.config.proxy or proxy_from_environment()))
        if chosen and (problem := proxy_problem(chosen)):  # now, not as every source's error at its first request
            raise FetchError(f"proxy: {problem}")
        self.proxy = chosen or None
        self._no_proxy = no_proxy_rules() if self.proxy else []
        self.backoff = backoff
        self._global = asyncio.Semaphore(max(1, self.config.concurrency))
        self._per_host: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(max(1, self.config.per_host))
        )
        # One small connection pool per host rather than one shared pool: a shared pool smaller than the number of
        # hosts closes one host's idle connection to open another's (200 feeds on 20 hosts: 200 connections for 200
        # requests, 24 with a pool per host), and httpcore looks over every connection of a pool for each request.
        # The least recently used hosts beyond _HOSTS_KEPT_OPEN are closed.
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._in_flight: Counter[str] = Counter()
        self._ssl_context: ssl.SSLContext | None = None
        self._open = False

    async def __aenter__(self) -> Fetcher:
        self._open = True
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._open = False
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()

    def _proxied(self, hostname: str) -> bool:
        return bool(self.proxy) and not (self._no_proxy and bypasses_proxy(hostname, self._no_proxy))

    def _client_for(self, host: str) -> httpx.AsyncClient:
        client = self._clients.get(host)
        if client is not None:
            self._clients.move_to_end(host)
            return client
        if self._ssl_context is None:  # loading the CA bundle costs ~15 ms: once per run, not once per host
            self._ssl_context = httpx.create_ssl_context(trust_env=False)
        per_host = max(1, self.config.per_host)
        direct = bool(self._no_proxy) and bypasses_proxy(urlsplit(f"//{host}").hostname or host, self._no_proxy)
        client = httpx.AsyncClient(
            headers={"User-Agent": self.config.user_agent or USER_AGENT},
            timeout=httpx.Timeout(self.config.timeout, connect=min(self.config.timeout, 15.0)),
            limits=httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host),
            verify=self._ssl_context,
            proxy=None if direct else self.proxy,
            trust_env=False,  # the proxy is chosen above, so that --proxy wins over the environment
            follow_redirects=False,  # followed by hand, so that every hop can be checked
        )
        self._clients[host] = client
        return client

    async def _close_idle_hosts(self) -> None:
        for host in list(self._clients):  # oldest first
            if len(self._clients) <= _HOSTS_KEPT_OPEN:
                return
            # Checked and taken out with no await in between: another task may be closing hosts at the same time.
            if host in self._clients and not self._in_flight[host]:
                await self._clients.pop(host).aclose()

    @asynccontextmanager
    async def _using(self, host: str) -> AsyncIterator[httpx.AsyncClient]:
        self._in_flight[host] += 1
        try:
            yield self._client_for(host)
        finally:
            self._in_flight[host] -= 1
            if len(self._clients) > _HOSTS_KEPT_OPEN:
                await self._close_idle_hosts()

    async def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        max_bytes: int | None = None,
        guard: AddressGuard | None = None,
        accept: str = "*/*",
        retries: int | None = None,
    ) -> FetchResult:
        """GET with retries on timeouts, broken connections, 429 and 5xx; raises FetchError with a one-line cause.
        With a `guard`, every hop whose host it does not trust must resolve to addresses it permits. `retries`:
        instead of [fetch] retries (0 where another address can be asked instead, as for RSSHub instances)."""
        attempts = 1 + max(0, self.config.retries if retries is None else retries)
        for attempt in range(1, attempts + 1):
            try:
                return await self._get_once(url, validators, max_bytes or self.config.max_bytes, guard, accept)
            except Exception as exc:
                error = _describe(exc, url, self.config.timeout)
                if not error.retryable or attempt == attempts:
                    raise error from None
                if error.retry_after is not None and error.retry_after > MAX_RETRY_AFTER:
                    # Asked to come back later than this run can wait: the next run will.
                    raise FetchError(f"{error} (the server asks to wait {error.retry_after:.0f} s)", error.status) from None
            delay = self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
            if error.retry_after is not None:  # the server's own word on when to ask again
                delay = max(delay, error.retry_after)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _get_once(
        self, url: str, validators: Validators | None, max_bytes: int, guard: AddressGuard | None, accept: str
    ) -> FetchResult:
        """One attempt: the request and each redirect hop, every hop checked by `_route`."""
        assert self._open, "use Fetcher as an async context manager"
        started = time.monotonic()
        headers = _request_headers(accept, validators)
        current = url
        seen: set[str] = set()
        for _hop in range(self.config.max_redirects + 1):
            hop = await self._route(current, headers, guard)
            seen.add(current)
            host = urlsplit(current).netloc.lower()
            # The deadline starts once a slot is ours: waiting behind other requests is not the server's fault.
            async with (
                self._global,
                self._per_host[host],
                self._using(host) as client,
                asyncio.timeout(self.config.timeout),
                client.stream("GET", hop.target, headers=hop.headers, extensions=hop.extensions) as response,
            ):
                if response.status_code in _REDIRECT_STATUSES and "location" in response.headers:
                    await self._drain(response)
                    current = urljoin(current, response.headers["location"].strip())
                    if current in seen:
                        raise FetchError(f"redirect loop at {current}")
                    continue
                body = await self._final_body(response, max_bytes)
                return _fetch_result(url, current, response, body, time.monotonic() - started)
        raise FetchError(f"too many redirects (more than {self.config.max_redirects})")

    async def _route(self, current: str, headers: dict[str, str], guard: AddressGuard | None) -> _Hop:
        """Where one hop's request goes: only to an http(s) address; with a guard that does not trust its host, to
        the address the guard checked (a second lookup might answer differently), or through the proxy."""
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"refused: {parts.scheme or 'a relative'} address {current!r}")
        hostname = parts.hostname or ""
        if guard is None or guard.trusts(hostname):
            return _Hop(current, headers)
        if self._proxied(hostname):
            # The proxy resolves the name and connects (behind a censor, local DNS lies): only what the address
            # itself says can be checked here. What the proxy can reach is the proxy's network.
            check_literal_host(hostname, guard)
            return _Hop(current, headers)
        address = await check_public_host(current, guard)
        if not address:
            return _Hop(current, headers)
        target, pinned_headers, extensions = _pinned(current, address)
        return _Hop(target, {**headers, **pinned_headers}, extensions)

    async def _final_body(self, response: httpx.Response, max_bytes: int) -> bytes:
        """The body of an answer that is no redirect: none for 304 (unchanged); an error status raises."""
        status = response.status_code
        if status == 304:
            await self._drain(response)
            return b""
        if status >= 400:
            raise FetchError(
                _status_line(status),
                status=status,
                retryable=status in _RETRY_STATUSES,
                retry_after=retry_after_seconds(response.headers.get("retry-after", "")),
            )
        return await self._read_capped(response, max_bytes)

    @staticmethod
    async def _drain(response: httpx.Response) -> None:
        """Read the rest of an answer whose body is not wanted (304, redirect): one closed unread closes its connection
        too, and then every unchanged feed costs a new connection. Only a short rest, for a short while: a slow or
        lying one is left unread (its connection closes, nothing worse)."""
        declared = response.headers.get("content-length", "")
        if response.status_code != 304 and not (declared.isdigit() and int(declared) <= _DRAIN_BYTES):
            return
        with suppress(FetchError, httpx.HTTPError, TimeoutError):
            async with asyncio.timeout(_DRAIN_SECONDS):
                await Fetcher._read_capped(response, _DRAIN_BYTES)

    @staticmethod
    async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
            raise FetchError(f"response too large ({int(declared)} bytes, the limit is {max_bytes})")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decompressed bytes: a gzip bomb stops at the cap too
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"response too large (more than {max_bytes} bytes)")
            chunks.append(chunk)
        return b"".join(chunks)
