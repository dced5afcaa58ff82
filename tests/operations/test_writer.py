"""The post writer fetch and add share: HTML made safe, images mirrored, the post written, recorded, the lists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from conftest import write_config
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import parse_post
from newsmirror.archive.state import State, WrittenPost
from newsmirror.config import load_config
from newsmirror.ingest.guard import AddressGuard
from newsmirror.ingest.http import Fetcher
from newsmirror.ingest.making import text_making
from newsmirror.ingest.sanitize import sanitize_html
from newsmirror.models import Entry
from newsmirror.operations.writer import PostWriter, SafeContent, write_lists
from newsmirror.workers import WorkerPool

NOW = datetime(2023, 11, 5, 9, 0, tzinfo=UTC)


def _entry(**fields) -> Entry:
    values = {"source": "德国之声", "title": "德国总理访问北京", "link": "https://www.dw.com/zh/a-1?utm_source=rss",
              "guid": "", "author": "", "published": datetime(2023, 11, 3, 8, 0, tzinfo=UTC), "content": ""}
    return Entry(**{**values, **fields})


def _with_writer(root, job):
    """Run `job(writer)` with a writer over the archive at `root`, its client and one worker process."""
    config = load_config(root)
    state = State.open(Archive(root))

    async def main():
        async with Fetcher(config.fetch) as fetcher, WorkerPool(size=1, limit=30) as workers:
            return await job(PostWriter(config, state, fetcher, workers), config, state)

    try:
        return asyncio.run(main())
    finally:
        state.close()


def test_a_post_is_written_recorded_and_listed(tmp_path):
    write_config(tmp_path, [{"name": "德国之声", "url": "https://rss.dw.com/zh"}])
    keys = ["https://www.dw.com/zh/a-1", "guid:德国之声\x1fa-1"]

    async def job(writer, config, state):
        source = config.source("德国之声")
        post = writer.write(_entry(), source, "<p>正文</p>", keys, NOW)
        state.record_posts([post])
        return post, state.known_urls(), state.known_keys(), write_lists(config, state), state.post_making("_posts/2023/11/2023-11-03-德国总理访问北京.md")

    post, urls, known_keys, lists, making = _with_writer(tmp_path, job)
    assert post == WrittenPost(
        tmp_path / "_posts" / "2023" / "11" / "2023-11-03-德国总理访问北京.md", "https://www.dw.com/zh/a-1?utm_source=rss",
        "德国总理访问北京", datetime(2023, 11, 3, 8, 0, tzinfo=UTC), "德国之声", tuple(keys),
        text_making(load_config(tmp_path).source("德国之声")),
    )
    assert making == post.making and post.making  # what recheck compares by
    written = parse_post(post.path.read_text(encoding="utf-8"))
    assert written.title == "德国总理访问北京" and written.link == post.url and written.content == "<p>正文</p>"
    assert urls == {"https://www.dw.com/zh/a-1"} and set(keys) <= known_keys
    assert "sources.md" in lists and "lists/德国之声.md" in lists
    assert "德国总理访问北京" in (tmp_path / "lists" / "德国之声.md").read_text(encoding="utf-8")


def test_a_second_post_of_the_same_name_gets_its_own_file(tmp_path):
    write_config(tmp_path, [{"name": "德国之声", "url": "https://rss.dw.com/zh"}])

    async def job(writer, config, state):
        source = config.source("德国之声")
        return [writer.write(_entry(link=f"https://www.dw.com/zh/a-{i}"), source, "<p>正文</p>", [], NOW) for i in (1, 2)]

    first, second = _with_writer(tmp_path, job)
    assert first.path.name == "2023-11-03-德国总理访问北京.md" and second.path.name == "2023-11-03-德国总理访问北京-2.md"


def test_content_is_sanitized_in_a_worker_and_empty_content_stays_empty(tmp_path):
    write_config(tmp_path, [{"name": "德国之声", "url": "https://rss.dw.com/zh"}])
    html = '<p onclick="x()">正文<script>alert(1)</script> <a href="/zh/more">更多</a></p>'

    async def job(writer, config, state):
        source, guard = config.source("德国之声"), AddressGuard()
        return (await writer.safe_content(html, "https://www.dw.com/zh/a-1", source, guard),
                await writer.safe_content("", "https://www.dw.com/zh/a-1", source, guard))  # fmt: skip

    safe, empty = _with_writer(tmp_path, job)
    assert safe == SafeContent(sanitize_html(html, base_url="https://www.dw.com/zh/a-1"))
    assert "script" not in safe.html and 'href="https://www.dw.com/zh/more"' in safe.html
    assert empty == SafeContent("")


def test_images_are_mirrored_when_the_source_says_so_and_failures_are_warnings(server, tmp_path):
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64
    photo = server.add("/photo.jpg", jpeg, content_type="image/jpeg")
    gone = server.url("/gone.jpg")
    write_config(tmp_path, [{"name": "德国之声", "url": "https://rss.dw.com/zh", "mirror_images": True}])
    html = f'<p>正文</p><img src="{photo}" alt="a"><img src="{gone}" alt="b">'

    async def job(writer, config, state):
        return await writer.safe_content(html, "https://www.dw.com/zh/a-1", config.source("德国之声"), AddressGuard(allow_all=True))

    safe = _with_writer(tmp_path, job)
    (stored,) = (tmp_path / "assets" / "images").rglob("*.jpg")
    assert stored.read_bytes() == jpeg
    assert f'src="/{stored.relative_to(tmp_path).as_posix()}"' in safe.html and f'src="{gone}"' in safe.html
    assert len(safe.warnings) == 1 and safe.warnings[0].startswith(f"image {gone} not mirrored")
