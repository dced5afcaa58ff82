"""The list pages: the front page and every source's, tag's and month's, each split into numbered pages.

A list's front page (url_for(0)) shows the newest `per_page` posts; older posts sit on numbered pages that count
from the oldest (url_for(1) holds the first `per_page` posts ever), so a page, once full, never changes again and
adding posts re-renders only the front page and the newest numbered one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

from newsmirror.site.outputs import Outputs
from newsmirror.site.placement import Placement
from newsmirror.site.render import Renderer
from newsmirror.site.scan import PostRecord
from newsmirror.site.urls import (
    href,
    index_page_url,
    month_page_url,
    output_path,
    source_feed_url,
    source_page_url,
    tag_page_url,
)

LIST_PER_PAGE = 100  # entries per source, tag and month page


@dataclass(frozen=True)
class ListSpec:
    """One list: its posts, oldest first, and how its pages look."""

    posts: list[PostRecord]
    url_for: Callable[[int], str]  # page number → URL (0: the front page)
    per_page: int
    heading: str
    show_source: bool
    feed_href: str | None = None


def site_lists(placement: Placement, posts_per_page: int, base: str) -> list[ListSpec]:
    """Every list of the site: the front page's, then each source's, tag's and month's."""
    lists = [ListSpec(placement.ordered, index_page_url, max(1, posts_per_page), "", True)]
    for source, posts in placement.by_source.items():
        lists.append(ListSpec(posts, partial(source_page_url, source), LIST_PER_PAGE, source, False,
                              href(source_feed_url(source), base)))  # fmt: skip
    for tag, posts in placement.by_tag.items():
        lists.append(ListSpec(posts, partial(tag_page_url, tag), LIST_PER_PAGE, f"#{tag}", True))
    for month, posts in placement.by_month.items():
        lists.append(ListSpec(posts, partial(month_page_url, month), LIST_PER_PAGE, month, True))
    return lists


NEARBY = 2  # numbered pages shown either side of the current one


def page_numbers(current: int, nearest_older: int, chunks: int) -> list[int | None]:
    """The numbered pager, newest first: 0 (the front page, "最新"), a gap (None), the pages near `current`, a
    gap, 1 (the oldest). `nearest_older` is the page just older than the current one's posts (the current page
    itself for a numbered page). No "highest page" link: pages count from the oldest so that a full page never
    changes — a new numbered page re-renders only the NEARBY pages below it, never all of them."""
    if chunks <= 0:
        return []
    top = min(chunks, current + NEARBY) if current else nearest_older
    bottom = max(1, (current or nearest_older + 1) - NEARBY)
    numbers: list[int | None] = [0]
    if top < chunks and (current or top < nearest_older):
        numbers.append(None)
    numbers += list(range(top, bottom - 1, -1))
    if bottom > 2:
        numbers.append(None)
    if bottom > 1:
        numbers.append(1)
    return numbers


class ListPages:
    """Writes the pages of lists whose shown posts or pager changed."""

    def __init__(self, renderer: Renderer, placement: Placement, outputs: Outputs) -> None:
        self.context = renderer.context
        self.base: str = renderer.context["site"]["baseurl"]
        self.template = renderer.template("list.html")
        self.entries = placement.entries
        self.outputs = outputs
        self.sources = [{"name": name, "href": link} for name, link in sorted(placement.source_hrefs.items())]

    def write_list(self, spec: ListSpec) -> None:
        posts, per_page, url_for = spec.posts, spec.per_page, spec.url_for
        n = len(posts)
        chunks = -(-n // per_page) if n > per_page else 0
        first_older = (n - per_page - 1) // per_page + 1 if chunks else None
        # Each page's href is made once: every pager of a list links the same pages.
        link: Callable[[int], str] = cache(lambda k: href(url_for(k), self.base))
        older_href = link(first_older) if first_older else None
        numbers = page_numbers(0, first_older or 0, chunks)
        self.write_page(spec, 0, posts[-per_page:][::-1], None, older_href, "", numbers, link)
        for k in range(1, chunks + 1):
            shown = posts[(k - 1) * per_page : k * per_page][::-1]
            newer = link(k + 1) if k < chunks else link(0)
            older = link(k - 1) if k > 1 else None
            numbers = page_numbers(k, k, chunks)
            self.write_page(spec, k, shown, newer, older, f"第 {k} 页", numbers, link)  # no total: see page_numbers

    def write_page(self, spec: ListSpec, number: int, shown: list[PostRecord], newer: str | None, older: str | None,
                   label: str, numbers: list[int | None], link: Callable[[int], str]) -> None:  # fmt: skip
        url = spec.url_for(number)
        links = [{"number": n, "href": link(n) if n is not None else None, "current": n == number}
                 for n in numbers]  # fmt: skip
        pager = {"newer_href": newer, "older_href": older, "label": label, "pages": links}
        keys = [self.entries[r.rel].key for r in shown]
        # The front page offers each source's list (a filter that needs no script or server) when there are several.
        sources = self.sources if spec.url_for is index_page_url and url == index_page_url(0) and len(self.sources) > 1 else []
        inputs = "\x01".join((spec.heading, str(pager), str(spec.show_source), str(spec.feed_href), str(sources), *keys))
        out = output_path(url)
        if self.outputs.needs(out, inputs):
            text = self.template.render(
                **self.context,
                heading=spec.heading,
                posts=[self.entries[r.rel] for r in shown],
                pager=pager,
                show_source=spec.show_source,
                feed_href=spec.feed_href,
                source_filter=sources,
            )
            self.outputs.write(out, text)


def write_lists(renderer: Renderer, placement: Placement, outputs: Outputs, posts_per_page: int) -> None:
    pages = ListPages(renderer, placement, outputs)
    for spec in site_lists(placement, posts_per_page, pages.base):
        pages.write_list(spec)
