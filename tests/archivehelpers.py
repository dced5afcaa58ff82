"""Generated archives for the layout tests: posts as fetch writes them (dated folders) or as legacy mirrors and older
versions of newsmirror wrote them (flat in _posts/), and the URL set of a built site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsmirror.archive.postformat import post_filename, render_post
from newsmirror.models import Article

SOURCES = ("大纪元", "美国之音", "BBC中文")


def news(index: int, start: datetime = datetime(2024, 1, 1, tzinfo=UTC), every: timedelta = timedelta(hours=7)) -> Article:
    """The index-th generated article: its own address, a title of its own, `every` after the one before."""
    source = SOURCES[index % len(SOURCES)]
    return Article(
        title=f"{source} 第{index}号新闻 关于会谈",
        date=start + every * index,
        author=source,
        link=f"https://news{index % 3}.example/a/{index}.html",
        source=source,
        content=f"<p>正文 {index}。</p><p>第二段。</p>",
        tags=[source],
        categories=[source],
    )


def write_flat(root: Path, articles: list[Article]) -> list[Path]:
    """The articles as a legacy mirror holds them: every post directly in _posts/ (names as fetch gives them)."""
    folder = root / "_posts"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles:
        path = folder / post_filename(article)
        path.write_text(render_post(article), encoding="utf-8")
        paths.append(path)
    return paths


def site_urls(site: Path) -> set[str]:
    """Every page of a built site (HTML, feeds, sitemaps), as site-relative paths; search indexes left out."""
    return {
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and p.suffix in (".html", ".xml") and "pagefind" not in p.relative_to(site).parts
    }


def tree(root: Path) -> dict[str, bytes]:
    """Every post file under _posts/ and archived/ by archive-relative path, with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for top in ("_posts", "archived")
        for p in (root / top).rglob("*")
        if p.is_file()
    }
