"""What a frame of an article becomes: an allowed video player, rewritten to its privacy-friendly embed, or else
the address it shows, which the sanitizer keeps as a plain link (a map, a podcast, a tweet, a Medium embed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qs, parse_qsl, urlencode

from newsmirror.urlsafety import http_link, join_url, split_url

# A YouTube video id is 11 characters of [A-Za-z0-9_-] (every one of the 582 players embedded in 5,685 real posts
# has such an id); the same rule for the players of posts and for the built page's player of a YouTube link.
_YOUTUBE_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_LIST = re.compile(r"^[A-Za-z0-9_-]{10,64}$")


def is_youtube_video_id(value: str) -> bool:
    """Whether `value` has the form of a YouTube video id."""
    return bool(_YOUTUBE_VIDEO_ID.match(value))


def privacy_embed_url(url: str) -> str | None:
    """An allowed video player's embed URL, rewritten to its privacy-friendly form; None for any other frame."""
    if url.startswith("//"):
        url = "https:" + url
    parts = split_url(url)
    if parts is None:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    path = parts.path
    if host in ("youtube.com", "youtube-nocookie.com", "youtu.be"):
        video = ""
        if host == "youtu.be":
            video = path.strip("/")
        elif path.startswith(("/embed/", "/v/", "/shorts/")):
            video = path.split("/")[2]
        elif path == "/watch":
            video = parse_qs(parts.query).get("v", [""])[0]
        if video == "videoseries":  # a playlist player: embed/videoseries?list=…
            playlist = parse_qs(parts.query).get("list", [""])[0]
            return f"https://www.youtube-nocookie.com/embed/videoseries?list={playlist}" if _YOUTUBE_LIST.match(playlist) else None
        return f"https://www.youtube-nocookie.com/embed/{video}" if is_youtube_video_id(video) else None
    if host in ("player.vimeo.com", "vimeo.com"):
        video = path.rstrip("/").split("/")[-1]
        return f"https://player.vimeo.com/video/{video}?dnt=1" if video.isdigit() else None
    if host == "player.bilibili.com" and path == "/player.html":
        # Rebuilt in a fixed form, so that sanitizing an already sanitized post keeps the frame.
        query = [(k, v) for k, v in parse_qsl(parts.query) if k in ("bvid", "aid", "cid", "page", "p")]
        if not any(k in ("bvid", "aid") for k, _ in query):  # a player with no video is an empty frame
            return None
        return "https://player.bilibili.com/player.html?" + urlencode([*sorted(query), ("autoplay", "0")])
    if host in ("dailymotion.com", "geo.dailymotion.com") and "/embed/video/" in path:
        video = path.rsplit("/", 1)[-1]
        return f"https://www.dailymotion.com/embed/video/{video}" if video.isalnum() else None
    return None


# Where a frame keeps its player's address: src, or a lazy-loading attribute (src is then about:blank).
FRAME_SOURCES = ("src", "data-src", "data-lazy-src", "data-url")


def player_embed(attributes: Mapping[str, str], base_url: str) -> str | None:
    """The privacy-friendly address of the allowed video player a frame holds, or None. Lazy players keep the
    address in data-* with about:blank as src; a frame with no address is no player (joined to the page's own
    address, it could become one)."""
    for attribute in FRAME_SOURCES:
        value = (attributes.get(attribute) or "").strip()
        embed = privacy_embed_url(join_url(base_url, value) or "") if value else None
        if embed is not None:
            return embed
    return None


def frame_address(attributes: Mapping[str, str], base_url: str) -> str:
    """The http(s) address a frame that is no player shows (its src, or a lazy frame's data-*, joined to the page's
    address), or "" when it shows none (about:blank, empty, another scheme)."""
    for attribute in FRAME_SOURCES:
        address = http_link(attributes.get(attribute) or "", base_url)
        if address:
            return address
    return ""


_LABEL_CHARS = 60


def frame_label(address: str) -> str:
    """The text of the link a frame that is no player becomes when it has no title: its address as a reader reads
    it, host and path without scheme, query or fragment (an embed's query is often hundreds of characters of state:
    6 CBS video frames on one real page), at most 60 characters."""
    parts = split_url(address)
    label = ((parts.hostname or "") + parts.path).rstrip("/") if parts is not None else address
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"
