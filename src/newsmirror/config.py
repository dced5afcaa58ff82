"""newsmirror.toml → typed configuration; subs.json and OPML in and out.

Every problem is reported with the file, the source and the key before anything is fetched.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import tomllib
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Literal, get_args, get_origin
from urllib.parse import urlsplit
from xml.etree import ElementTree

CONFIG_NAME = "newsmirror.toml"


class ConfigError(Exception):
    """One or more problems in the configuration; str() lists every one, a line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(slots=True)
class ListConfig:
    """`[sources.list]`: how to read entries off an HTML page that has no feed (ingest/listpage.py), CSS selectors."""

    item: str  # each entry
    link: str = ""  # an <a> inside the item; default: the item itself, else its first <a href>
    title: str = ""  # default: the link's text
    date: str = ""  # an element holding the date (its datetime attribute, else its text)
    date_format: str = ""  # strptime format of that date; default: ISO, RFC 822, Chinese and relative forms
    summary: str = ""
    timezone: str = ""  # IANA name the page's dates are in when they name none, e.g. "Asia/Shanghai"; default UTC


@dataclass(slots=True)
class SourceConfig:
    name: str
    url: str  # a feed, an HTML page (with `list`), "rsshub:/route", or a Telegram channel's https://t.me/s/<name>
    enabled: bool = True
    category: str = ""  # default: the source name
    tags: list[str] = field(default_factory=list)  # default: [source name]
    comments: bool = True
    include: list[str] = field(default_factory=list)  # regular expressions on titles; any must match
    exclude: list[str] = field(default_factory=list)  # regular expressions on titles; none may match
    author: str = ""  # overrides the default author (the source name) when the feed names none
    fulltext: Literal["never", "auto", "always"] = "never"
    content_selector: str = ""
    remove_selectors: list[str] = field(default_factory=list)
    mirror_images: bool | None = None  # None: the site-wide setting
    convert: str = ""  # OpenCC conversion, one of CONVERSIONS, e.g. "t2s", "s2t"
    max_items: int = 0  # 0: [fetch] max_items
    allow_private: list[str] = field(default_factory=list)  # private hosts/networks this source's items may reach
    list_page: ListConfig | None = None  # [sources.list] in the file: the url is an HTML page read with these


RSSHUB_SCHEME = "rsshub:"
_TELEGRAM_HOSTS = ("t.me", "telegram.me")
_TELEGRAM_CHANNEL = re.compile(r"^/s/([A-Za-z][A-Za-z0-9_]{3,31})/?$")
SourceKind = Literal["feed", "list", "rsshub", "telegram"]


def source_kind(source: SourceConfig) -> SourceKind:
    """What a source's address is read as: the one rule, for fetch, `sources check` and the exports."""
    if source.url.startswith(RSSHUB_SCHEME):
        return "rsshub"
    if source.list_page is not None:
        return "list"
    if telegram_channel(source.url):
        return "telegram"
    return "feed"


def telegram_channel(url: str) -> str:
    """The channel name of a Telegram public preview address (https://t.me/s/<name>), else ""."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme != "https" or (parts.hostname or "") not in _TELEGRAM_HOSTS or parts.query:
        return ""
    match = _TELEGRAM_CHANNEL.match(parts.path)
    return match.group(1) if match else ""


def telegram_page_url(url: str, telegram: str) -> str:
    """Where a channel's preview page is read: its https://t.me/s/<channel> on [fetch] telegram."""
    return telegram.rstrip("/") + "/s/" + telegram_channel(url)


def rsshub_route(url: str) -> str:
    """"rsshub:/matters/author/x" → "/matters/author/x"."""
    return "/" + url.removeprefix(RSSHUB_SCHEME).lstrip("/")


def rsshub_url(instance: str, route: str) -> str:
    """The route's address on one RSSHub instance (an instance may sit under a path: https://host/rsshub)."""
    return instance.rstrip("/") + rsshub_route(route)


def validators_key(source: SourceConfig, settings: FetchConfig, instance: str = "") -> str:
    """What a document's validators and body hash are kept under: the address asked (for an RSSHub route, that on
    `instance`; for a channel, its page on [fetch] telegram); a list page's, with its selectors, so that selectors
    just edited are applied to a page that did not change (an unchanged answer is not parsed)."""
    kind = source_kind(source)
    if kind == "telegram":
        return telegram_page_url(source.url, settings.telegram)
    if kind == "rsshub":
        return rsshub_url(instance, source.url)
    if source.list_page is None:
        return source.url
    digest = hashlib.sha256(repr(source.list_page).encode()).hexdigest()[:16]
    return f"{source.url}#newsmirror-selectors={digest}"


# The OpenCC conversions a source may name (OpenCC itself is loaded by ingest.convert only when one is used).
CONVERSIONS = ("hk2s", "s2hk", "s2t", "s2tw", "s2twp", "t2hk", "t2s", "t2tw", "tw2s", "tw2sp")


@dataclass(slots=True)
class SiteConfig:
    title: str = "newsmirror"
    description: str = "新闻镜像"
    url: str = ""  # e.g. https://user.github.io
    baseurl: str = ""  # e.g. /mirror
    language: str = "zh-CN"
    list_limit: int = 100  # posts per lists/<source>.md
    mirror_images: bool = False
    comments_provider: Literal["", "giscus", "utterances"] = ""
    comments_repo: str = ""  # owner/name
    comments_repo_id: str = ""  # giscus only: the ids giscus.app gives for the repository and category
    comments_category: str = ""
    comments_category_id: str = ""
    posts_per_page: int = 30
    post_folders: Literal["month", "day"] = "month"  # _posts/YYYY/MM/ or _posts/YYYY/MM/DD/ (archive/layout.py)
    # Mirrored images (mirror_images): one wider or larger than these is stored re-encoded (WebP, at most
    # image_max_width wide; ingest/media.py); 0 or "" turns that cap off.
    image_max_width: int = 1600
    image_max_size: str | int = "400KB"  # a number is bytes
    image_budget: str | int = ""  # e.g. "800MB": no new image is mirrored once assets/images/ holds this much

    def image_sizes(self) -> tuple[int, int]:
        """(image_max_size, image_budget) in bytes, 0 for none; the settings were checked when they were read."""
        return parse_size(self.image_max_size), parse_size(self.image_budget)


@dataclass(slots=True)
class FetchConfig:
    concurrency: int = 16
    per_host: int = 4
    timeout: float = 30.0  # seconds for one whole request, body included
    retries: int = 2
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    proxy: str = ""
    user_agent: str = ""
    # Third-party addresses (item links, redirects, images) may reach only public networks, the feed's own host
    # and these: host names, "*.domain", IP addresses or networks.
    allow_private: list[str] = field(default_factory=list)
    # Volume limits on what one feed may make a run do; each is reported when hit. 0: no limit.
    max_items: int = 500  # items read from one feed per run
    max_images_per_post: int = 50  # images mirrored per post; the rest keep their original address
    max_image_bytes_per_post: int = 20 * 1024 * 1024
    max_title_chars: int = 1000
    item_time_limit: float = 10.0  # seconds of sanitizing / extracting one item; over it, the item waits
    # RSSHub instances "rsshub:/route" sources are read from, in order: the operator's own first, public fallbacks.
    rsshub: list[str] = field(default_factory=lambda: ["https://rsshub.app"])
    # Where Telegram channels' preview pages are read: https://t.me, or a reverse proxy of it where t.me is blocked.
    # Posts link to https://t.me/<channel>/<id> either way.
    telegram: str = "https://t.me"


@dataclass(slots=True)
class PublishConfig:
    enabled: bool = False  # `newsmirror run` publishes after each fetch (as `fetch --publish` does)
    remotes: list[str] = field(default_factory=list)  # default: every remote of the repository
    branch: str = ""  # default: the current branch
    retries: int = 2  # a push rejected because the remote moved on: pull --rebase and push again


@dataclass(slots=True)
class RecheckConfig:
    """`newsmirror recheck`: which mirrored articles are revisited, and how often (operations/recheck.py)."""

    budget: int = 200  # requests a run at most (article pages and the feeds read again)
    window_days: int = 30  # articles younger than this are revisited
    schedule_hours: list[int] = field(default_factory=lambda: [1, 6, 24, 72, 168, 720])  # ages of the revisits


@dataclass(slots=True)
class Config:
    path: Path
    site: SiteConfig = field(default_factory=SiteConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    recheck: RecheckConfig = field(default_factory=RecheckConfig)
    sources: list[SourceConfig] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def mirrors_images(self, source: SourceConfig) -> bool:
        """The source's own mirror_images, else the site-wide one."""
        return bool(self.site.mirror_images if source.mirror_images is None else source.mirror_images)


@cache
def _field_types(cls: type) -> dict[str, object]:
    """The settings class's field types, resolved once (the annotations are postponed strings)."""
    return typing.get_type_hints(cls)


def _type_problem(value: object, annotation: object) -> str | None:
    """None when `value` fits `annotation`, else what was expected."""
    origin = get_origin(annotation)
    if origin is Literal:
        allowed = get_args(annotation)
        return None if value in allowed else "one of " + ", ".join(repr(a) for a in allowed)
    if origin is list:
        (item,) = get_args(annotation)
        if not isinstance(value, list) or not all(isinstance(v, item) for v in value):
            return f"a list of {item.__name__}"
        return None
    if origin in (typing.Union, types.UnionType):
        options = get_args(annotation)
        if value is None and type(None) in options:
            return None
        problems = [_type_problem(value, opt) for opt in options if opt is not type(None)]
        return None if any(p is None for p in problems) else " or ".join(p for p in problems if p)
    if annotation is float:
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "a number"
    if annotation is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "a whole number"
    if annotation is bool:
        return None if isinstance(value, bool) else "true or false"
    if annotation is str:
        return None if isinstance(value, str) else "a string"
    return None


def _build(cls, table: object, where: str, problems: list[str]):
    if not isinstance(table, dict):
        problems.append(f"{where}: expected a table")
        return None
    known = {f.name: f for f in fields(cls) if f.name != "path"}
    types_of = _field_types(cls)
    values = {}
    for key, value in table.items():
        spec = known.get(key)
        if spec is None:
            problems.append(f"{where}: unknown key {key!r}")
            continue
        expected = _type_problem(value, types_of[key])
        if expected:
            problems.append(f"{where}: {key} = {value!r} is not {expected}")
            continue
        values[key] = value
    for name, spec in known.items():
        if spec.default is MISSING and spec.default_factory is MISSING and name not in values:
            problems.append(f"{where}: missing required key {name!r}")
    if any(p.startswith(where + ":") for p in problems):
        return None
    return cls(**values)


def is_http_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # "http://[bad/feed", a port out of range
        return False


_RSSHUB_ROUTE = re.compile(r"^rsshub:/[^\s#?]*[^\s/#?][^\s]*$")


def _check_address(source: SourceConfig, where: str, problems: list[str]) -> None:
    """The url as its kind needs it: an http(s) address, an RSSHub route or a Telegram channel's preview page."""
    kind = source_kind(source)
    if kind == "rsshub":
        if not _RSSHUB_ROUTE.match(source.url):
            problems.append(f"{where}: url {source.url!r} is not an RSSHub route (e.g. \"rsshub:/matters/author/name\")")
        if source.list_page is not None:
            problems.append(f"{where}: an RSSHub route is a feed: it takes no [sources.list] selectors")
        return
    if not is_http_address(source.url):
        problems.append(f"{where}: url {source.url!r} is not an http(s) address")
        return
    host = (urlsplit(source.url).hostname or "").lower()
    if host in _TELEGRAM_HOSTS and source.list_page is None and not telegram_channel(source.url):
        problems.append(f"{where}: url {source.url!r}: a Telegram channel is read from its public preview, https://t.me/s/<channel>")
    if source.list_page is not None and telegram_channel(source.url):
        problems.append(f"{where}: a Telegram channel is read without [sources.list] selectors")


def css_problem(css: str) -> str | None:
    """Why a CSS selector cannot be used, or None (cssselect is what lxml selects with)."""
    from cssselect import HTMLTranslator, SelectorError

    try:
        HTMLTranslator().css_to_xpath(css)
    except SelectorError as exc:
        return str(exc) or type(exc).__name__
    return None


def _check_list(selectors: ListConfig, where: str, problems: list[str]) -> None:
    for key in ("item", "link", "title", "date", "summary"):
        css = getattr(selectors, key)
        if key == "item" and not css.strip():
            problems.append(f"{where} [list]: item is empty (a CSS selector for each entry)")
        elif css.strip() and (problem := css_problem(css)):
            problems.append(f"{where} [list]: {key} = {css!r} is not a CSS selector ({problem})")
    if selectors.date_format and "%" not in selectors.date_format:
        problems.append(f"{where} [list]: date_format = {selectors.date_format!r} has no strptime directive (e.g. \"%Y年%m月%d日 %H:%M\")")
    if selectors.timezone and not _known_timezone(selectors.timezone):
        problems.append(f"{where} [list]: timezone = {selectors.timezone!r} is not an IANA time zone (e.g. \"Asia/Shanghai\")")


def _known_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_source(source: SourceConfig, where: str, problems: list[str]) -> None:
    if not source.name.strip():
        problems.append(f"{where}: name is empty")
    _check_address(source, where, problems)
    if source.list_page is not None:
        _check_list(source.list_page, where, problems)
    _check_allowlist(source.allow_private, f"{where}: allow_private", problems)
    if source.max_items < 0:
        problems.append(f"{where}: max_items = {source.max_items} must be 0 (the [fetch] max_items) or more")
    for key in ("include", "exclude"):
        for pattern in getattr(source, key):
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{where}: {key} pattern {pattern!r} is not a valid regular expression ({exc})")
    if source.convert and source.convert not in CONVERSIONS:
        problems.append(f"{where}: convert = {source.convert!r} is not one of {', '.join(CONVERSIONS)}")


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


@dataclass(frozen=True, slots=True)
class AllowlistEntry:
    """One `allow_private` entry, read: an IP network (an address is a network of one), a domain whose sub-domains
    it allows (".corp.example", from "*.corp.example"), or one host name; lower case, no trailing dot."""

    network: IPNetwork | None = None
    domain: str = ""
    host: str = ""


def parse_allowlist_entry(rule: str) -> AllowlistEntry | None:
    """An `allow_private` entry (an IP address or network, a host name or a "*.domain" pattern), or None when it
    is none of these. The one reader of the syntax: the settings check and the address guard both use it."""
    rule = rule.strip()
    try:
        return AllowlistEntry(network=ipaddress.ip_network(rule.strip("[]"), strict=False))
    except ValueError:
        pass
    name = rule.removeprefix("*.").removeprefix(".").rstrip(".")
    if not name or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        return None
    if rule.startswith(("*.", ".")):
        return AllowlistEntry(domain="." + name.lower())
    return AllowlistEntry(host=name.lower())


def _check_allowlist(entries: list[str], where: str, problems: list[str]) -> None:
    for entry in entries:
        if parse_allowlist_entry(entry) is None:
            problems.append(f"{where}: {entry!r} is not a host name, *.domain, IP address or network")


# Settings that must be positive (or at least zero), checked with the file and the key in the message.
_AT_LEAST = {
    ("fetch", "concurrency"): 1, ("fetch", "per_host"): 1, ("fetch", "timeout"): 0.001, ("fetch", "retries"): 0,
    ("fetch", "max_bytes"): 1, ("fetch", "max_redirects"): 0, ("site", "list_limit"): 1, ("site", "posts_per_page"): 1,
    ("publish", "retries"): 0, ("fetch", "max_items"): 0, ("fetch", "max_images_per_post"): 0,
    ("fetch", "max_image_bytes_per_post"): 0, ("fetch", "max_title_chars"): 0, ("fetch", "item_time_limit"): 0.1, ("site", "image_max_width"): 0,
    ("recheck", "budget"): 0, ("recheck", "window_days"): 1,
}  # fmt: skip


PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def normalise_proxy(url: str) -> str:
    """A proxy given without a scheme ("proxy.corp:3128") is an HTTP proxy, as curl, requests and httpx read it."""
    url = url.strip()
    return f"http://{url}" if url and "://" not in url else url


def proxy_problem(url: str) -> str | None:
    """Why a proxy address cannot be used, or None."""
    try:
        parts = urlsplit(normalise_proxy(url))
        usable = parts.scheme.lower() in PROXY_SCHEMES and bool(parts.hostname)
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError:
        usable = False
    if not usable:
        return f"{url!r} is not a proxy address ({'://, '.join(PROXY_SCHEMES)}:// with a host and a port number)"
    return None


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str | int) -> int:
    """"800MB", "1.5GB", "400 KB", "2GiB", "5000" (bytes) → bytes; K, M, G and T are powers of 1024, as `du -h`
    counts; "" or "0" is 0 (no limit); a number is bytes. Raises ValueError saying what is wrong."""
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"{text} is not a size: it must be 0 or more bytes")
        return text
    if not text.strip():
        return 0
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size: use a number and B, KB, MB, GB or TB, e.g. \"800MB\" or \"1.5GB\"")
    return int(float(match[1]) * _SIZE_UNITS[match[2].lower()])


def format_size(size: float) -> str:
    """Bytes as parse_size reads them back: "800 MB", "1.5 GB", "150 KB", "12 B"."""
    for unit in ("TB", "GB", "MB", "KB"):
        scale = _SIZE_UNITS[unit[0].lower()]
        if abs(size) >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(size)} B"


def _check_ranges(built: dict[str, object], path: Path, problems: list[str]) -> None:
    for (section, key), least in _AT_LEAST.items():
        table = built.get(section)
        value = getattr(table, key, None) if table is not None else None
        if value is not None and value < least:
            problems.append(f"{path} [{section}]: {key} = {value!r} must be at least {least:g}")
    fetch = built.get("fetch")
    if isinstance(fetch, FetchConfig) and fetch.proxy and (problem := proxy_problem(fetch.proxy)):
        problems.append(f"{path} [fetch]: proxy = {problem}")
    if isinstance(fetch, FetchConfig):
        _check_allowlist(fetch.allow_private, f"{path} [fetch]: allow_private", problems)
        for instance in fetch.rsshub:
            if not is_http_address(instance) or urlsplit(instance).query:
                problems.append(f"{path} [fetch]: rsshub instance {instance!r} is not an http(s) address")
        if not is_http_address(fetch.telegram):
            problems.append(f"{path} [fetch]: telegram = {fetch.telegram!r} is not an http(s) address")
    site = built.get("site")
    if isinstance(site, SiteConfig):
        for key in ("image_max_size", "image_budget"):
            try:
                parse_size(getattr(site, key))
            except ValueError as exc:
                problems.append(f"{path} [site]: {key} = {exc}")
    recheck = built.get("recheck")
    if isinstance(recheck, RecheckConfig) and (not recheck.schedule_hours or min(recheck.schedule_hours) < 1):
        problems.append(f"{path} [recheck]: schedule_hours = {recheck.schedule_hours!r} must list ages of 1 hour or more")


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    sections = {"site": SiteConfig, "fetch": FetchConfig, "publish": PublishConfig, "recheck": RecheckConfig}
    built: dict[str, object] = {}
    for key in data:
        if key not in sections and key != "sources":
            problems.append(f"{path}: unknown key {key!r}")
    for key, cls in sections.items():
        built[key] = _build(cls, data.get(key, {}), f"{path} [{key}]", problems)
    _check_ranges(built, path, problems)
    raw_sources = data.get("sources", [])
    sources: list[SourceConfig] = []
    if not isinstance(raw_sources, list):
        problems.append(f"{path}: sources must be an array of tables ([[sources]])")
        raw_sources = []
    seen_names: set[str] = set()
    for index, raw in enumerate(raw_sources, start=1):
        name = raw.get("name") if isinstance(raw, dict) else None
        label = name if isinstance(name, str) else f"#{index}"
        where = f"{path} source {label!r}" if not label.startswith("#") else f"{path} source {label}"
        source = _build_source(raw, where, problems)
        if source is None:
            continue
        _check_source(source, where, problems)
        if source.name in seen_names:
            problems.append(f"{where}: a source with this name is already defined")
        seen_names.add(source.name)
        sources.append(source)
    fetch = built.get("fetch")
    if isinstance(fetch, FetchConfig) and not fetch.rsshub:
        problems.extend(f"{path} source {s.name!r}: an RSSHub route needs instances in [fetch] rsshub"
                        for s in sources if source_kind(s) == "rsshub")  # fmt: skip
    if problems:
        raise ConfigError(problems)
    return Config(path=path, sources=sources, **built)  # type: ignore[arg-type]


def _build_source(raw: object, where: str, problems: list[str]) -> SourceConfig | None:
    """A [[sources]] table, with its [sources.list] sub-table (the field is `list_page`: `list` is a builtin)."""
    if isinstance(raw, dict) and "list_page" in raw:
        problems.append(f"{where}: unknown key 'list_page' (the selectors go in a [sources.list] table)")
        return None
    if not isinstance(raw, dict):
        return _build(SourceConfig, raw, where, problems)
    raw = dict(raw)
    table = raw.pop("list", None)
    source = _build(SourceConfig, raw, where, problems)
    if table is None:
        return source
    selectors = _build(ListConfig, table, f"{where} [list]", problems)
    if source is None or selectors is None:
        return None
    source.list_page = selectors
    return source


def load_config(root: Path) -> Config:
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: not found (run `newsmirror init` to create an archive)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read: {exc}"]) from None
    return parse_config(text, path)


# ---------------------------------------------------------------------------------------------------------------
# Writing sources back. tomllib only reads, so the [[sources]] tables are written here; the rest of the file
# (comments, site settings) is kept as the user wrote it.


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_string(str(value))


def _changed_settings(record: object, always: tuple[str, ...] = ()) -> list[str]:
    """`key = value` lines for the fields of a settings record that differ from their defaults."""
    lines = []
    for spec in fields(record):  # type: ignore[arg-type]
        value = getattr(record, spec.name)
        default = spec.default if spec.default is not MISSING else (
            spec.default_factory() if spec.default_factory is not MISSING else MISSING
        )
        if (spec.name in always or value != default) and value is not None and not isinstance(value, ListConfig):
            lines.append(f"{spec.name} = {_toml_value(value)}")
    return lines


def source_to_toml(source: SourceConfig) -> str:
    lines = ["[[sources]]", *_changed_settings(source, always=("name", "url"))]
    if source.list_page is not None:
        lines += ["[sources.list]", *_changed_settings(source.list_page, always=("item",))]
    return "\n".join(lines) + "\n"


_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def write_sources(config_path: Path, sources: list[SourceConfig]) -> None:
    """Replace the [[sources]] tables, keeping every other table, comment and setting as the user wrote it."""
    from newsmirror.files import atomic_write_text

    text = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    kept: list[str] = []
    comments: list[str] = []  # comment lines inside a sources block belong to whatever table comes next
    in_sources = False
    for line in text.splitlines():
        header = _TABLE_HEADER.match(line)
        if header:
            name = header.group(1).strip()
            in_sources = name == "sources" or name.startswith("sources.")
            if not in_sources:
                kept.extend(comments)
            comments = []
        if not in_sources:
            kept.append(line)
        elif line.lstrip().startswith("#") or not line.strip():
            comments.append(line)
        else:
            comments = []
    head = "\n".join(kept).rstrip()
    body = "\n".join(source_to_toml(s) for s in sources)
    new_text = (head + "\n\n" if head else "") + body
    parse_config(new_text, config_path)  # never write a file we could not read back
    atomic_write_text(config_path, new_text)


# ---------------------------------------------------------------------------------------------------------------
# subs.json and OPML


def sources_from_subs_json(text: str, origin: str = "subs.json") -> list[SourceConfig]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([f"{origin}: not valid JSON: {exc}"]) from None
    if not isinstance(data, list):
        raise ConfigError([f"{origin}: expected a list of {{\"site\": …, \"url\": …}}"])
    sources, problems = [], []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("site"), str) or not isinstance(item.get("url"), str):
            problems.append(f"{origin}: entry {index} lacks a string 'site' and 'url'")
            continue
        sources.append(SourceConfig(name=item["site"].strip(), url=item["url"].strip()))
    if problems:
        raise ConfigError(problems)
    return sources


def exported_url(source: SourceConfig, rsshub: list[str] | tuple[str, ...] = ()) -> str:
    """The address another reader can use: an RSSHub route on the first instance (as legacy subs.json files give
    them), any other source its own url (a list page's or a Telegram channel's page)."""
    if source_kind(source) == "rsshub" and rsshub:
        return rsshub_url(rsshub[0], source.url)
    return source.url


def sources_to_subs_json(sources: list[SourceConfig], rsshub: list[str] | tuple[str, ...] = ()) -> str:
    rows = [{"site": s.name, "url": exported_url(s, rsshub)} for s in sources]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def sources_from_opml(data: bytes, origin: str = "OPML") -> list[SourceConfig]:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ConfigError([f"{origin}: not valid XML: {exc}"]) from None
    sources = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if not url:
            continue
        name = outline.get("title") or outline.get("text") or urlsplit(url).netloc
        source = SourceConfig(name=name.strip(), url=url.strip(), category=outline.get("category", ""))
        _read_list_outline(outline, source)
        sources.append(source)
    return sources


# A list page's selectors ride along in newsmirror's own outline attributes (OPML 2.0 allows namespaced ones;
# other readers ignore them), so that an export imported again reads the page as before, not as a feed.
OPML_NAMESPACE = "urn:newsmirror:opml"
ElementTree.register_namespace("newsmirror", OPML_NAMESPACE)
_LIST_KEYS = tuple(f.name for f in fields(ListConfig))


def _list_outline_attributes(source: SourceConfig) -> dict[str, str]:
    if source.list_page is None:
        return {}
    values = {key: getattr(source.list_page, key) for key in _LIST_KEYS} | {"fulltext": source.fulltext}
    return {f"{{{OPML_NAMESPACE}}}{key}": value for key, value in values.items() if value}


def _read_list_outline(outline: ElementTree.Element, source: SourceConfig) -> None:
    """The selectors of an exported list page back on its source (checked with the rest when the file is written)."""
    given = {key: outline.get(f"{{{OPML_NAMESPACE}}}{key}", "") for key in (*_LIST_KEYS, "fulltext")}
    if not given["item"]:
        return
    source.list_page = ListConfig(**{key: given[key] for key in _LIST_KEYS})
    if given["fulltext"] in ("never", "auto", "always"):  # anything else: the source's default
        source.fulltext = given["fulltext"]  # type: ignore[assignment]


def sources_to_opml(sources: list[SourceConfig], title: str = "newsmirror", rsshub: list[str] | tuple[str, ...] = ()) -> str:
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(opml, "body")
    for source in sources:
        attributes = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": exported_url(source, rsshub)}
        if source_kind(source) in ("list", "telegram"):  # a page, not a feed: said as OPML says a site
            attributes["htmlUrl"] = source.url
        if source.category:
            attributes["category"] = source.category
        attributes |= _list_outline_attributes(source)
        ElementTree.SubElement(body, "outline", attributes)
    ElementTree.indent(opml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(opml, encoding="unicode") + "\n"


DEFAULT_SOURCES: list[tuple[str, str]] = [
    ("大纪元", "https://www.epochtimes.com/gb/n24hr.xml"),
    ("美国之音", "https://www.voachinese.com/api/zm_yql-vomx-tpeybti"),
    ("BBC中文", "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml"),
    ("德国之声", "https://rss.dw.com/rdf/rss-chi-all"),
    ("法广", "https://www.rfi.fr/cn/rss"),
    ("自由亚洲电台", "https://www.rfa.org/mandarin/yataibaodao/rss2.xml"),
    ("纽约时报中文网", "https://cn.nytimes.com/rss/"),
    ("中国数字时代", "https://chinadigitaltimes.net/chinese/feed/"),
    ("FT中文网", "https://www.ftchinese.com/rss/news"),
    ("端传媒", "https://theinitium.com/feed"),
]


def default_config_text(title: str = "newsmirror") -> str:
    head = f"""# newsmirror archive settings. Every key has a default; see README.md for all of them.

[site]
title = {_toml_string(title)}
description = "新闻镜像"
url = ""        # e.g. "https://user.github.io"
baseurl = ""    # e.g. "/mirror" when the site is not at the root of its host
mirror_images = false
image_max_width = 1600   # mirrored images wider than this, or larger than image_max_size, are stored as WebP
image_max_size = "400KB"
image_budget = ""        # e.g. "800MB": no new image is mirrored once assets/images/ holds this much
post_folders = "month"   # new posts in _posts/YYYY/MM/; "day" for _posts/YYYY/MM/DD/ (very busy mirrors)

[fetch]
concurrency = 16
per_host = 4
timeout = 30
retries = 2
proxy = ""      # e.g. "socks5://127.0.0.1:1080"; HTTPS_PROXY / ALL_PROXY when empty; NO_PROXY hosts go direct
allow_private = []  # private hosts or networks item links and images may reach, e.g. ["10.1.0.0/16"]
max_items = 500     # items read from one feed per run (0: no limit)
rsshub = ["https://rsshub.app"]  # RSSHub instances for "rsshub:/…" sources, tried in order: your own first
telegram = "https://t.me"        # or a reverse proxy of t.me where it is blocked

# Sources without a feed. Uncomment and adapt; `newsmirror sources check NAME` shows the entries they give.
#
# An HTML page read with CSS selectors (a category page, a news portal's section page):
# [[sources]]
# name = "某新闻网 国际"
# url = "https://news.example.com/world/"
# fulltext = "auto"             # each entry's article is read from its page
# [sources.list]
# item = "ul.news-list li"      # each entry
# link = "a"                    # default: the item itself, else its first link
# title = ""                    # default: the link's text
# date = "span.time"            # 2024年3月5日 14:30, 3月5日, 3小时前, 昨天, ISO… or set date_format
# summary = "p.summary"
# timezone = "Asia/Shanghai"    # the zone of dates that name none (default UTC)
#
# An RSSHub route, read from the first instance of [fetch] rsshub that answers:
# [[sources]]
# name = "Matters 作者"
# url = "rsshub:/matters/author/Luterngun"
#
# A public Telegram channel, from its preview page (no login, no API key):
# [[sources]]
# name = "某频道"
# url = "https://t.me/s/channelname"

"""
    return head + "\n".join(source_to_toml(SourceConfig(name=n, url=u)) for n, u in DEFAULT_SOURCES)
