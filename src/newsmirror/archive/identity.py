"""Article identity: the keys under which an article is known, so that no article is archived twice.

An article is known by its canonical address, by its feed's guid (per source) and, when it has no address, by a
fingerprint of its title as the post carries it. The state cache holds these keys; fetch and add ask the same rule.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_TRACKING_PARAMETERS = re.compile(
    r"^(?:utm_\w*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc|_hsmi|mkt_tok|oly_anon_id|"
    r"oly_enc_id|vero_id|wt_mc|wt\.mc_id|at_medium|at_campaign|cmpid|ncid|ocid|sr_share|spm|share_token|"
    r"from_rss|rss|feed|ref_src|__twitter_impression)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=65_536)  # each new article's address is canonicalised for dedup and again for the state
def canonical_url(url: str) -> str:
    """The identity of an article address: https, lower-case host, no default port, fragment or tracking."""
    return _canonical_url(url)


def _canonical_url(url: str) -> str:
    # Undecorated, apart from the cache above: mutmut mutates only undecorated functions.
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not host:
        return url
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMETERS.match(k)]
    return urlunsplit(("https", netloc, path, urlencode(sorted(query), doseq=True), ""))


def guid_key(source: str, guid: str) -> str:
    return f"guid:{source}\x1f{guid}"


_WHITESPACE = re.compile(r"\s+")


def fingerprint_key(title: str) -> str:
    """For items without a link: the same title (as written in the post) is the same item. Only the written
    title is used, so that the key can be rebuilt from the post alone (the source's name is not always in it).
    Whitespace is folded first: titles were written folded before they kept the feed's spacing (issue 10), and
    a title that differs only in spacing must still find the post written then."""
    return "fp:" + hashlib.sha1(_WHITESPACE.sub(" ", title).strip().encode()).hexdigest()


def article_keys(
    link: str,
    *,
    guid: str = "",
    source: str = "",
    title: Callable[[], str] | None = None,
    redirected_from: str = "",
) -> list[str]:
    """Every key under which this article may already be known, each once: its address (and the one asked for
    before redirects), its guid (per source, and as an address when it is one) and, only when it has no address,
    the fingerprint of its title as the post carries it. `title` is called only then: making it may convert
    scripts (OpenCC), too slow to spend on every item of every feed."""
    keys = []
    if link:
        keys.append(canonical_url(link))
    if redirected_from:
        keys.append(canonical_url(redirected_from))
    if guid:
        keys.append(guid_key(source, guid))
        if guid.startswith(("http://", "https://")):
            keys.append(canonical_url(guid))
    if not link:
        if title is None:
            raise ValueError("an article without an address is known by its title: pass `title`")
        keys.append(fingerprint_key(title()))
    return list(dict.fromkeys(keys))
