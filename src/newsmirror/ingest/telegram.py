"""A public Telegram channel's preview page (https://t.me/s/<channel>) → one entry per message.

The page is what Telegram serves to browsers without a login: the latest ~20 messages, each a
`.tgme_widget_message` whose `data-post` is "<channel>/<id>", its text in `.tgme_widget_message_text`, its photos as
the background images of `.tgme_widget_message_photo_wrap`, its time in `.tgme_widget_message_date time[datetime]`.
A forwarded message says so in `.tgme_widget_message_forwarded_from`; a message of photos alone has no text and is
titled after the channel; service messages (a pinned message, a changed photo) are no articles and are left out.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import lxml.html

from newsmirror.ingest.articles import title_text
from newsmirror.ingest.feeds import ParsedFeed, clean_title, parse_date
from newsmirror.ingest.listpage import element_text, inner_html, read_html, select
from newsmirror.models import PAGE_CHANGED, Entry, PageChangedError
from newsmirror.urlsafety import http_link

MAX_MESSAGES = 500  # a preview page shows ~20; a page with more is not one
PAGES_BACK = 4  # earlier pages read in one run when a busy channel posted more than a page since the last one
TITLE_CHARS = 80  # a message has no title: its first line, up to this, is one
_POST = re.compile(r"^([A-Za-z][A-Za-z0-9_]{2,31})/(\d{1,12})$")
# The url of a style's background image, in the quotes Telegram writes ('…'), in others, or in none.
_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*(?:'([^']*)'|\"([^\"]*)\"|([^)'\"\s]*))\s*\)", re.IGNORECASE)
_MAX_STYLE_CHARS = 4000


def background_image(element: lxml.html.HtmlElement) -> str:
    """The http(s) address of an element's CSS background image, or ""."""
    match = _BACKGROUND.search((element.get("style") or "")[:_MAX_STYLE_CHARS])
    if match is None:
        return ""
    return http_link(html.unescape(next(group for group in match.groups() if group is not None)), "https://t.me/")


def _message_text(message: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The message's own text, not that of the message it replies to or of a link's preview."""
    for element in select(".tgme_widget_message_text", message):
        if not any(select_ancestor(element, ("tgme_widget_message_reply", "tgme_widget_message_link_preview"))):
            return element
    return None


def select_ancestor(element: lxml.html.HtmlElement, classes: tuple[str, ...]) -> list[lxml.html.HtmlElement]:
    return [a for a in element.iterancestors() if set((a.get("class") or "").split()) & set(classes)]


def _title(text: lxml.html.HtmlElement | None, channel_title: str, number: str) -> str:
    if text is None:
        return f"{channel_title} #{number}"
    for br in text.iter("br"):  # the first line is the headline channels write
        br.tail = "\n" + (br.tail or "")
    first = next((line.strip() for line in text.text_content().splitlines() if line.strip()), "")
    if not first:
        return f"{channel_title} #{number}"
    return title_text(first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rstrip() + "…")


def _media_html(message: lxml.html.HtmlElement, link: str) -> list[str]:
    """Photos as images; a video as its still, linking to the message (Telegram's video addresses expire)."""
    parts = []
    for photo in select(".tgme_widget_message_photo_wrap", message):
        if (source := background_image(photo)) and not select_ancestor(photo, ("tgme_widget_message_link_preview",)):
            parts.append(f'<p><img src="{html.escape(source)}" alt=""></p>')
    for thumb in select(".tgme_widget_message_video_thumb", message):
        if source := background_image(thumb):
            parts.append(f'<p><a href="{html.escape(link)}"><img src="{html.escape(source)}" alt="video"></a></p>')
    return parts


def _preview_html(message: lxml.html.HtmlElement) -> str:
    """A link's preview card as a quote: its site, title and description, linking to the page."""
    for preview in select("a.tgme_widget_message_link_preview", message):
        href = http_link(preview.get("href") or "")
        title = element_text(next(iter(select(".link_preview_title", preview)), None))
        description = element_text(next(iter(select(".link_preview_description", preview)), None))
        if href and (title or description):
            head = f'<a href="{html.escape(href)}">{html.escape(title or href, quote=False)}</a>'
            tail = f"<br>{html.escape(description, quote=False)}" if description else ""
            return f"<blockquote><p>{head}{tail}</p></blockquote>"
    return ""


def _entry(message: lxml.html.HtmlElement, channel_title: str, source: str, now: datetime) -> Entry | None:
    post = _POST.match(message.get("data-post") or "")
    if post is None or "service_message" in (message.get("class") or "").split():
        return None
    link = f"https://t.me/{post.group(1)}/{post.group(2)}"
    page = f"https://t.me/s/{post.group(1)}"  # what the page's relative links (#hashtag searches) are read against
    text = _message_text(message)
    forwarded = next(iter(select(".tgme_widget_message_forwarded_from", message)), None)
    parts = [f"<p>{inner_html(forwarded, page)}</p>"] if forwarded is not None else []
    parts += _media_html(message, link)
    if text is not None:
        for emoji in select("i.emoji", text):  # the character, not Telegram's picture of it
            emoji.drop_tag()
        parts.append(f"<p>{inner_html(text, page)}</p>")
    parts.append(_preview_html(message))
    if not any(parts[1 if forwarded is not None else 0 :]):  # a sticker, a poll, a voice note: shown in the app only
        label = element_text(next(iter(select(".message_media_not_supported_label", message)), None))
        parts.append(f'<p><a href="{link}">{html.escape(label or link, quote=False)}</a></p>')
    stamp = next((t.get("datetime") for t in select(".tgme_widget_message_date time[datetime]", message)), None)
    author = element_text(next(iter(select(".tgme_widget_message_from_author", message)), None))
    return Entry(
        source=source,
        title=_title(text, channel_title, post.group(2)),
        link=link,
        guid=link,
        author=clean_title(author),
        published=parse_date(stamp, now),
        content="".join(parts),
        has_full_content=True,  # the message is the whole article: there is no page to read more from
    )


def _channel_title(tree: lxml.html.HtmlElement, channel: str) -> str:
    heading = next(iter(select(".tgme_channel_info_header_title", tree)), None)
    title = element_text(heading)
    if not title:
        meta = next(iter(select('meta[property="og:title"]', tree)), None)
        title = (meta.get("content") or "") if meta is not None else ""
    return clean_title(title) or channel


def parse_telegram_page(
    data: bytes, source: str, *, channel: str, charset: str | None = None, now: datetime | None = None
) -> ParsedFeed:
    """Preview page bytes → ParsedFeed. Raises PageChangedError when the page shows no message at all."""
    now = now or datetime.now(UTC)
    tree = read_html(data, charset)
    messages = select(".tgme_widget_message[data-post]", tree)
    if not messages:
        raise PageChangedError(f"{PAGE_CHANGED}: no message on the channel's preview page (is its preview off?)")
    channel_title = _channel_title(tree, channel)
    entries = [e for m in messages[:MAX_MESSAGES] if (e := _entry(m, channel_title, source, now)) is not None]
    return ParsedFeed(title=channel_title, link=f"https://t.me/s/{channel}", entries=entries)


def message_number(link: str, channel: str) -> int | None:
    """The message number of an entry's link (https://t.me/<channel>/<number>), or None."""
    prefix = f"https://t.me/{channel}/"
    number = link[len(prefix) :] if link.startswith(prefix) else ""
    return int(number) if number.isdigit() and len(number) <= 12 else None


def oldest_message(entries: list[Entry], channel: str) -> int | None:
    """The lowest message number among `entries`' links, or None."""
    return min((n for e in entries if (n := message_number(e.link, channel)) is not None), default=None)


def earlier_page_url(page_url: str, before: int) -> str:
    """The preview page of the messages before number `before` (t.me's own `?before=`)."""
    return f"{page_url}?before={before}"
