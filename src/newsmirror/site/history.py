"""What the site shows of articles edited or deleted at their source (the record: archive/revisions.py).

- a post's page: a notice under its title, with a link to each later version and its changes, or the date it
  was deleted at the source (post_history, shown by post.html);
- each later version's page (revision.html): what changed since the version before (site/diff.py) and the
  version's whole text, at the permalink its event file names (Jekyll's `revisions` collection puts it there too);
- /deleted.html, the deleted articles newest first (pages/deleted.html, its context from deleted_context), and
  its Atom feed /revisions/deleted.xml (feed.xml).
"""

from __future__ import annotations

import html
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newsmirror.archive.postformat import PostFormatError, post_content
from newsmirror.archive.revisions import History, read_histories, scan_records
from newsmirror.site.diff import diff_html
from newsmirror.site.outputs import Outputs, signature
from newsmirror.site.placement import Placement
from newsmirror.site.render import Renderer
from newsmirror.site.scan import PostRecord
from newsmirror.site.urls import DELETED_FEED, DELETED_PAGE, href, output_path

Records = dict[str, tuple[int, int]]  # event file → (mtime, size): what tells a build the record changed


@dataclass
class Histories:
    by_post: dict[str, History]  # by post file name
    records: Records
    problems: list[str]
    # version page address → the post whose page it shows, where the events of two posts name it (see shared_pages)
    owners: dict[str, str] = field(default_factory=dict)


def load_histories(root: Path, posts: Container[str]) -> Histories:
    """The record, for the site of `posts` (post file names: the others' events show nowhere)."""
    problems: list[str] = []
    by_post = read_histories(root, problems)
    owners = shared_pages({name: history for name, history in by_post.items() if name in posts}, problems)
    return Histories(by_post, scan_records(root), problems, owners)


def shared_pages(by_post: dict[str, History], problems: list[str]) -> dict[str, str]:
    """Version pages that the events of two posts name (recorded before recheck kept slug-alike posts' version
    folders apart, or written by hand): each shows the post whose event named it first, and a problem line says
    which post's version has no page of its own. `by_post`: the histories of the posts the site shows."""
    claims: dict[str, list[tuple[datetime, str]]] = {}
    for name, history in by_post.items():
        for event in history.versions:
            if event.permalink:
                claims.setdefault(event.permalink, []).append((event.date, name))
    owners: dict[str, str] = {}
    for permalink, claimed in sorted(claims.items()):
        posts = sorted(set(claimed))
        if len({name for _, name in posts}) < 2:
            continue
        owners[permalink] = posts[0][1]
        others = ", ".join(sorted({name for _, name in posts[1:]} - {posts[0][1]}))
        problems.append(f"{permalink}: the version page of {posts[0][1]}; the version of {others} recorded at the "
                        "same address has no page of its own")  # fmt: skip
    return owners


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def deletion_words(evidence: dict[str, str]) -> str:
    """How the site says what showed the deletion (the evidence of ingest/deletion.py, in the site's language)."""
    if evidence.get("notice"):
        return f"页面显示“{evidence['notice']}”"
    if evidence.get("reason", "").startswith("redirected"):
        return "原网址跳转到网站首页"
    return f"HTTP {evidence.get('http_status', '?')}"


def post_history(history: History | None, base: str) -> dict | None:
    """What post.html shows under the title (`post.history`), or None when nothing happened to the article."""
    if history is None or not (history.versions or history.deletion):
        return None
    deletion = history.deletion
    return {
        "versions": [
            {"version": e.version, "date_str": _day(e.date), "href": href(e.permalink, base)}
            for e in history.versions
        ],
        "deleted": {"date_str": _day(deletion.date), "reason": deletion_words(deletion.evidence)} if deletion else None,
    }


def history_signature(history: History | None) -> str:
    """What a post page's signature takes from the record: it is rendered again when the record changes."""
    if history is None:
        return ""
    return signature([(e.path, e.kind, e.permalink) for e in history.events])


def write_history_pages(renderer: Renderer, placement: Placement, histories: Histories, outputs: Outputs) -> None:
    """Every later version's page and the deleted articles' feed, each when its inputs changed."""
    base = renderer.context["site"]["baseurl"]
    by_name = placement.by_name
    for name, history in histories.by_post.items():
        record = by_name.get(name)
        if record is None or not history.versions:
            continue
        _version_pages(renderer, record, history, placement.entries[record.rel].href, outputs, base, histories.owners)
    _deleted_feed(renderer, placement, histories, outputs)


def _version_pages(
    renderer: Renderer, record: PostRecord, history: History, post_href: str, outputs: Outputs, base: str,
    owners: dict[str, str],
) -> None:
    inputs = [(e.path, histories_stamp(e.path, renderer.root)) for e in history.versions]
    versions = post_history(history, base)
    assert versions is not None
    previous: str | None = None
    for event in history.versions:
        out = output_path(event.permalink)
        if owners.get(event.permalink, history.post) != history.post:
            previous = event.content  # the page shows another post's version (shared_pages)
            continue
        if not outputs.needs(out, signature(record.digest, post_href, inputs, event.path)):
            previous = event.content
            continue
        if previous is None:
            previous = _original(renderer.root, record)
        page = renderer.template("revision.html").render(
            **renderer.context, post={"title": record.title, "href": post_href, "source": record.source},
            version={"number": event.version, "date_str": _day(event.date), "date_iso": _iso(event.date),
                     "changes": diff_html(previous, event.content), "content": event.content,
                     "evidence": event.evidence},
            history=versions,
        )  # fmt: skip
        outputs.write(out, page)
        previous = event.content


def histories_stamp(relative: str, root: Path) -> int:
    try:
        return (root / relative).stat().st_mtime_ns
    except OSError:
        return 0


def _original(root: Path, record: PostRecord) -> str:
    try:
        return post_content((root / record.rel).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, PostFormatError):
        return ""


def deleted_entries(placement: Placement, histories: Histories, base: str) -> list[dict]:
    """The deleted articles, newest deletion first, as deleted.html and the feed show them."""
    by_name = placement.by_name
    entries = []
    for name, history in histories.by_post.items():
        deletion, record = history.deletion, by_name.get(name)
        if deletion is None or record is None:
            continue
        entries.append({
            "title": record.title, "href": placement.entries[record.rel].href, "url": record.url,
            "source": record.source, "source_href": placement.entries[record.rel].source_href,
            "published_str": datetime.fromtimestamp(record.timestamp, UTC).strftime("%Y-%m-%d"),
            "deleted_str": _day(deletion.date), "deleted_iso": _iso(deletion.date),
            "reason": deletion_words(deletion.evidence), "link": deletion.url, "name": name,
        })  # fmt: skip
    entries.sort(key=lambda e: (e["deleted_iso"], e["name"]), reverse=True)
    return entries


def deleted_context(placement: Placement, histories: Histories, base: str) -> dict:
    return {"deleted": deleted_entries(placement, histories, base), "deleted_feed_href": href("/" + DELETED_FEED, base)}


def _deleted_feed(renderer: Renderer, placement: Placement, histories: Histories, outputs: Outputs) -> None:
    site = renderer.context["site"]
    base, site_url = site["baseurl"], site["url"]
    deleted = deleted_entries(placement, histories, base)[:50]
    if not outputs.needs(DELETED_FEED, signature(site["title"], deleted)):
        return
    entries = [
        {"title": d["title"], "url": site_url + href(d["url"], base), "date_iso": d["deleted_iso"],
         "author": d["source"], "source": d["source"],
         "content": html.escape(f"{d['source']} · 发表于 {d['published_str']} · 已于 {d['deleted_str']} 在源站被删除（{d['reason']}）")}
        for d in deleted
    ]  # fmt: skip
    text = renderer.template("feed.xml").render(
        site=site, title=f"已删除的文章 · {site['title']}", self_url=site_url + href("/" + DELETED_FEED, base),
        home_url=site_url + href("/" + DELETED_PAGE, base),
        updated=entries[0]["date_iso"] if entries else "1970-01-01T00:00:00Z", entries=entries,
    )
    outputs.write(DELETED_FEED, text)
