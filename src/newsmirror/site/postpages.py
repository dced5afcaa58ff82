"""The post pages: which ones must be rendered again (their post, neighbours, source or tags changed), rendered
on every core (site/pool.py, render.Renderer.render_posts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from newsmirror.archive.revisions import History
from newsmirror.site.history import history_signature, post_history
from newsmirror.site.outputs import Outputs
from newsmirror.site.placement import Placement
from newsmirror.site.pool import Workers
from newsmirror.site.render import Link, PostJob, Renderer
from newsmirror.site.scan import PostRecord, page_file, post_name

CHUNK = 200  # posts per task


def post_jobs(
    placement: Placement, outputs: Outputs, histories: Mapping[str, History] | None = None, base: str = ""
) -> list[PostJob]:
    """A job for every post page whose inputs changed (its record of edits and deletions among them: `histories`,
    by post file name); every post page is marked as existing in `outputs`."""
    histories = histories or {}
    entries = placement.entries
    jobs: list[PostJob] = []
    for posts in placement.by_source.values():  # previous and next stay within a source
        for i, record in enumerate(posts):
            prev = posts[i - 1] if i > 0 else None
            nxt = posts[i + 1] if i + 1 < len(posts) else None
            entry = entries[record.rel]
            out = page_file(record)
            history = histories.get(post_name(record)) if histories else None
            inputs = "\x01".join(
                (
                    record.digest, entry.key, entries[prev.rel].key if prev else "",
                    entries[nxt.rel].key if nxt else "", entry.source_href, str(record.comments),
                    history_signature(history), *record.tags,
                )
            )  # fmt: skip
            if outputs.needs(out, inputs):
                jobs.append(_job(record, out, placement, prev, nxt, post_history(history, base)))
    return jobs


def _job(
    record: PostRecord, out: str, placement: Placement, prev: PostRecord | None, nxt: PostRecord | None, history: dict | None
) -> PostJob:
    entries = placement.entries
    entry = entries[record.rel]
    return PostJob(
        rel=record.rel,
        out=out,
        href=entry.href,
        source=record.source,
        source_href=entry.source_href,
        prev=Link(prev.title, entries[prev.rel].href) if prev else None,
        next=Link(nxt.title, entries[nxt.rel].href) if nxt else None,
        tags=[Link(t, placement.tag_hrefs[t]) for t in dict.fromkeys(record.tags)],
        title=record.title,
        timestamp=record.timestamp,
        author=record.author,
        link=record.link,
        comments=record.comments,
        history=history,
    )


def render_post_pages(workers: Workers, jobs: list[PostJob], note: Callable[[int, int], None]) -> dict[str, str]:
    """Render and write the pages; returns the report's line of each post that could not be rendered, by post."""
    failures: dict[str, str] = {}
    if not jobs:
        return failures
    note(0, len(jobs))
    done = 0
    for chunk in workers.map(Renderer.render_posts, jobs, CHUNK):
        for outcome in chunk:
            if outcome.error:
                failures[outcome.rel] = f"{outcome.rel}: {outcome.error}"
        done += len(chunk)
        note(done, len(jobs))
    return failures
