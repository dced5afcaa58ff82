"""Post pages: rendered again when the post, a neighbour within its source, its source or tags change."""

from __future__ import annotations

from pathlib import Path

from newsmirror.site.outputs import Outputs
from newsmirror.site.placement import place_posts
from newsmirror.site.pool import Workers
from newsmirror.site.postpages import post_jobs, render_post_pages
from newsmirror.site.render import Link, Renderer
from newsmirror.site.scan import PostRecord


def records(titles: dict[str, str], source: dict[str, str] | None = None) -> dict[str, PostRecord]:
    source = source or {}
    return {
        rel: PostRecord(rel, 0, 0, "d", title, float(i), "", "", source.get(rel, "源"), ["t"], True, f"/{rel}.html")
        for i, (rel, title) in enumerate(titles.items())
    }


def test_jobs_carry_neighbours_within_the_source_and_tag_links():
    placement = place_posts(records({"a": "A", "b": "B", "c": "C"}, {"b": "别的"}), "")
    jobs = {job.rel: job for job in post_jobs(placement, Outputs(Path("."), {}))}
    assert set(jobs) == {"a", "b", "c"}
    assert jobs["a"].prev is None and jobs["a"].next == Link("C", "/c.html")
    assert jobs["c"].prev == Link("A", "/a.html") and jobs["b"].prev is None and jobs["b"].next is None
    assert jobs["a"].tags == [Link("t", "/tags/t.html")] and jobs["a"].out == "a.html"


def test_a_neighbour_s_new_title_renders_the_pages_that_link_to_it(tmp_path):
    first = Outputs(tmp_path, {})
    post_jobs(place_posts(records({"a": "A", "b": "B", "c": "C", "d": "D"}), ""), first)
    again = Outputs(tmp_path, first.current)
    jobs = post_jobs(place_posts(records({"a": "A", "b": "新B", "c": "C", "d": "D"}), ""), again)
    assert [job.rel for job in jobs] == ["a", "b", "c"]


def test_rendering_writes_pages_and_reports_posts_that_cannot_be_read(tmp_path):
    (tmp_path / "a.md").write_text("---\ntitle: A\n---\n<p>正文</p>\n", encoding="utf-8")
    placement = place_posts(records({"a.md": "A", "gone.md": "G"}), "")
    jobs = post_jobs(placement, Outputs(tmp_path / "_site", {}))
    context = {"site": {"title": "t", "baseurl": "", "url": "", "language": "zh", "comments_provider": ""}, "base": ""}
    notes: list[tuple[int, int]] = []
    with Workers(Renderer(tmp_path, tmp_path / "_site", context), 1) as workers:
        failures = render_post_pages(workers, jobs, lambda done, total: notes.append((done, total)))
    assert list(failures) == ["gone.md"] and failures["gone.md"].startswith("gone.md: ")
    assert "<p>正文</p>" in (tmp_path / "_site" / "a.md.html").read_text(encoding="utf-8")
    assert notes == [(0, 2), (2, 2)]
