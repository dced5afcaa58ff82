"""newsmirror.toml → typed configuration; subs.json and OPML in and out.

Every problem is reported with the file, the source and the key before anything is fetched.
"""

from __future__ import annotations

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
class SourceConfig:
    name: str
    url: str
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


@dataclass(slots=True)
class PublishConfig:
    enabled: bool = False  # `newsmirror run` publishes after each fetch (as `fetch --publish` does)
    remotes: list[str] = field(default_factory=list)  # default: every remote of the repository
    branch: str = ""  # default: the current branch
    retries: int = 2  # a push rejected because the remote moved on: pull --rebase and push again


@dataclass(slots=True)
class Config:
    path: Path
    site: SiteConfig = field(default_factory=SiteConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
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


def _check_source(source: SourceConfig, where: str, problems: list[str]) -> None:
    if not source.name.strip():
        problems.append(f"{where}: name is empty")
    try:
        parts = urlsplit(source.url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # "http://[bad/feed", a port out of range
        valid = False
    if not valid:
        problems.append(f"{where}: url {source.url!r} is not an http(s) address")
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
    ("fetch", "max_image_bytes_per_post"): 0, ("fetch", "max_title_chars"): 0, ("fetch", "item_time_limit"): 0.1,
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


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    sections = {"site": SiteConfig, "fetch": FetchConfig, "publish": PublishConfig}
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
        source = _build(SourceConfig, raw, where, problems)
        if source is None:
            continue
        _check_source(source, where, problems)
        if source.name in seen_names:
            problems.append(f"{where}: a source with this name is already defined")
        seen_names.add(source.name)
        sources.append(source)
    if problems:
        raise ConfigError(problems)
    return Config(path=path, sources=sources, **built)  # type: ignore[arg-type]


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


def source_to_toml(source: SourceConfig) -> str:
    lines = ["[[sources]]"]
    for spec in fields(SourceConfig):
        value = getattr(source, spec.name)
        default = spec.default if spec.default is not MISSING else (
            spec.default_factory() if spec.default_factory is not MISSING else MISSING
        )
        if spec.name in ("name", "url") or value != default:
            if value is None:
                continue
            lines.append(f"{spec.name} = {_toml_value(value)}")
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


def sources_to_subs_json(sources: list[SourceConfig]) -> str:
    return json.dumps([{"site": s.name, "url": s.url} for s in sources], ensure_ascii=False, indent=2) + "\n"


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
        parent_category = outline.get("category", "")
        sources.append(SourceConfig(name=name.strip(), url=url.strip(), category=parent_category))
    return sources


def sources_to_opml(sources: list[SourceConfig], title: str = "newsmirror") -> str:
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(opml, "body")
    for source in sources:
        attributes = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": source.url}
        if source.category:
            attributes["category"] = source.category
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

[fetch]
concurrency = 16
per_host = 4
timeout = 30
retries = 2
proxy = ""      # e.g. "socks5://127.0.0.1:1080"; HTTPS_PROXY / ALL_PROXY when empty; NO_PROXY hosts go direct
allow_private = []  # private hosts or networks item links and images may reach, e.g. ["10.1.0.0/16"]
max_items = 500     # items read from one feed per run (0: no limit)

"""
    return head + "\n".join(source_to_toml(SourceConfig(name=n, url=u)) for n, u in DEFAULT_SOURCES)
