"""Posts rendered in worker processes, written by the run alone (issue 12): the same bytes as rendering in the run,
one post per article whatever number of sources carry it, and a worker that dies in the middle of a source's items
loses and duplicates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import workerjobs
from conftest import post_files, write_config
from newsmirror.archive.postformat import parse_post, render_post
from newsmirror.config import SourceConfig, load_config
from newsmirror.ingest.articles import build_article
from newsmirror.ingest.feeds import parse_feed
from newsmirror.ingest.sanitize import sanitize_html
from newsmirror.models import Entry
from newsmirror.operations.fetch import Run, run_fetch
from newsmirror.operations.writer import render_entry
from newsmirror.workers import WorkerPool
from pagehelpers import rss

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def item(number: int) -> dict:
    return {
        "title": f"第{number}篇 文章",
        "link": f"https://news.example/a/{number}.html?utm_source=rss",
        "description": f'<p onclick="x()">正文{number}<img src="/i/{number}.png"><script>bad()</script></p>',
        "date": START + timedelta(hours=number),
    }


def serve(server, path: str, numbers: list[int]) -> str:
    return server.add(path, rss([item(n) for n in numbers]), content_type="application/rss+xml")


def links_written(root: Path) -> list[str]:
    return sorted(parse_post(path.read_text(encoding="utf-8")).front_matter["from"] for path in post_files(root))


def test_render_entry_writes_what_rendering_in_the_run_writes():
    entry = Entry(source="s", title="标题  两格", link="https://news.example/a/1.html", guid="g", author="",
                  published=START, content='<p style="x">文字<a href="/b">链接</a></p><iframe src="https://evil.example/"></iframe>')  # fmt: skip
    source = SourceConfig(name="来源", url="https://news.example/feed", convert="s2t", tags=["t"])
    rendered = render_entry(entry, source, START)
    expected = render_post(build_article(entry, source, sanitize_html(entry.content, base_url=entry.link), START))
    assert rendered.data.decode("utf-8") == expected
    assert "鏈接" in expected and 'href="https://news.example/b"' in expected  # converted; the link made absolute
    assert rendered.article.title == "標題  兩格" and rendered.article.content == ""  # the content is in the bytes
    other = render_entry(entry, source, START, html="<p>全文</p>", base_url="https://elsewhere.example/")
    assert "<p>全文</p>" in other.data.decode("utf-8")


def test_sources_sharing_articles_give_one_post_each(server, tmp_path):
    """Three sources, overlapping windows of ten articles (as a real mirror's sources overlap), rendered in
    parallel by two workers: every article once, in order of the run."""
    windows = [list(range(0, 10)), list(range(5, 15)), list(range(10, 20))]
    sources = [{"name": f"来源{i}", "url": serve(server, f"/feed{i}.xml", window)} for i, window in enumerate(windows)]
    write_config(tmp_path, sources, '[fetch]\nitem_time_limit = 60\n')
    report = run_fetch(load_config(tmp_path))
    assert report.new_posts == 20
    assert sum(s.existing for s in report.sources) == 10
    assert links_written(tmp_path) == sorted(item(n)["link"] for n in range(20))
    again = run_fetch(load_config(tmp_path))  # unchanged feeds: nothing new
    assert again.new_posts == 0 and len(post_files(tmp_path)) == 20


class DyingPool(WorkerPool):
    """Its `crash_at`-th post rendering dies in the worker (the process exits mid-call, as when killed)."""

    def __init__(self, *args, crash_at: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.crash_at, self.renders = crash_at, 0

    async def run(self, function, *args, limit=None, **kwargs):
        if function is render_entry:
            self.renders += 1
            if self.renders == self.crash_at:
                return await super().run(workerjobs.die, limit=limit)
        return await super().run(function, *args, limit=limit, **kwargs)


def dying_run(crash_at: int):
    class DyingRun(Run):
        @property
        def workers(self) -> WorkerPool:
            if self._workers is None:
                self._workers = DyingPool(limit=60, crash_at=crash_at)
            return self._workers

    return DyingRun


@pytest.mark.parametrize("crash_at", [1, 4])
def test_a_worker_dying_mid_source_loses_and_duplicates_nothing(server, tmp_path, crash_at):
    write_config(tmp_path, [{"name": "来源", "url": serve(server, "/feed.xml", list(range(8)))}])
    first = run_fetch(load_config(tmp_path), run_factory=dying_run(crash_at))
    (source,) = first.sources
    assert source.status == "error" and "worker process died" in source.errors[0]
    assert source.new == crash_at - 1  # the posts before the crash are written and recorded
    assert len(post_files(tmp_path)) == crash_at - 1
    second = run_fetch(load_config(tmp_path))  # the feed is read again: the rest comes, nothing twice
    assert second.sources[0].status == "ok" and second.new_posts == 8 - (crash_at - 1)
    assert links_written(tmp_path) == sorted(item(n)["link"] for n in range(8))
    assert not post_files(tmp_path, hidden=True)[len(post_files(tmp_path)):]  # no temporary file left


class RecordingPool(WorkerPool):
    """Keeps what each render job was sent, and whether its spill file was there when it was sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[str, str, bool]] = []  # (title, content sent, its spill file existed)

    async def run(self, function, *args, limit=None, **kwargs):
        if function is render_entry:
            entry = args[0]
            on_disk = entry.spilled is not None and Path(entry.spilled.path).is_file()
            self.sent.append((entry.title, entry.content, on_disk))
        return await super().run(function, *args, limit=limit, **kwargs)


def test_a_killed_runs_item_folder_goes_with_the_next_run_that_spills(server, tmp_path, monkeypatch):
    """A run killed with SIGKILL cannot remove its folder of item bodies; the next run that makes one removes it,
    and leaves alone the folder of a process still alive (another run on another archive)."""
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spill_root))
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    left = spill_root / f"newsmirror-items-{killed.pid}-abc123"
    left.mkdir()
    (left / "1.txt").write_text("正文", encoding="utf-8")
    killed.kill()
    killed.wait()
    alive = spill_root / f"newsmirror-items-{os.getpid()}-def456"
    alive.mkdir()
    other = spill_root / "newsmirror-items-notapid"
    other.mkdir()
    write_config(tmp_path / "mirror", [{"name": "来源", "url": server.add("/f.xml", rss([item(0)]), content_type="application/rss+xml")}])
    assert run_fetch(load_config(tmp_path / "mirror")).new_posts == 1
    assert sorted(p.name for p in spill_root.iterdir()) == sorted([alive.name, other.name])


def test_item_bodies_stay_out_of_the_run_and_their_files_go(server, tmp_path, monkeypatch):
    """A feed's bodies go from the worker that parses it to a file and from there to the worker that renders,
    never through the run (ingest/spill.py); an untitled item's body comes to the run, which names it from it. The
    posts are what rendering the whole entry writes, and no file is left."""
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spill_root))
    items = [item(n) for n in range(3)] + [{**item(3), "title": ""}]
    write_config(tmp_path / "mirror", [{"name": "来源", "url": server.add("/f.xml", rss(items), content_type="application/rss+xml")}])
    pools: list[RecordingPool] = []

    class RecordingRun(Run):
        @property
        def workers(self) -> WorkerPool:
            if self._workers is None:
                self._workers = RecordingPool(limit=60)
                pools.append(self._workers)
            return self._workers

    report = run_fetch(load_config(tmp_path / "mirror"), run_factory=RecordingRun)
    assert report.new_posts == 4
    sent = sorted(pools[0].sent)
    assert sent[0][0] == "" and "正文3" in sent[0][1] and not sent[0][2]  # untitled: its body in the job
    assert [(content, on_disk) for _title, content, on_disk in sent[1:]] == [("", True)] * 3
    assert list(spill_root.iterdir()) == []  # the files and their directory are gone with the run
    config = load_config(tmp_path / "mirror")
    feed = parse_feed(rss(items).encode("utf-8"), "来源", charset=None, content_type="application/rss+xml", now=datetime.now(UTC), base_url=config.sources[0].url)
    expected = {e.link: render_entry(e, config.sources[0], START).data for e in feed.entries}  # every item dated
    written = {parse_post(p.read_text(encoding="utf-8")).front_matter["from"]: p.read_bytes() for p in post_files(tmp_path / "mirror")}
    assert written == expected
