"""Where posts live (issue 15): _posts/YYYY/MM/ (or per day), one rule in archive/layout.py, for fetch, and every
command reading flat, foldered and archived/ layouts alike."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from archivehelpers import news, write_flat
from conftest import GOLDEN_FEED, GOLDEN_NAME, GOLDEN_POST, post_files, run_cli, write_config
from newsmirror.archive.layout import Archive, dated_folder, dated_path
from newsmirror.archive.postformat import post_filename
from newsmirror.archive.state import State


@pytest.mark.parametrize(
    ("name", "month", "day"),
    [
        ("2023-10-28-标题.md", "_posts/2023/10", "_posts/2023/10/28"),
        ("1999-01-01-a b.md", "_posts/1999/01", "_posts/1999/01/01"),
        ("2024-02-29-leap.md", "_posts/2024/02", "_posts/2024/02/29"),
        ("2023-02-29-no such day.md", None, None),  # Jekyll stops on it: doctor says so, it stays where it is
        ("2023-13-01-x.md", None, None),
        ("标题.md", None, None),
        ("2023-10-28.md", None, None),  # no "-title": not a post name to Jekyll
    ],
)
def test_the_dated_folder_of_a_name(name, month, day):
    assert dated_folder(name) == month
    assert dated_folder(name, "day") == day
    assert dated_path(name) == f"{month or '_posts'}/{name}"


def test_a_post_is_written_into_the_folder_of_its_name_in_utc(tmp_path):
    archive = Archive(tmp_path)
    late = news(0, start=datetime(2023, 10, 31, 23, 30, tzinfo=UTC))  # the 1st of November in Shanghai: still October
    path = archive.write_post(late)
    assert archive.relative(path) == f"_posts/2023/10/{post_filename(late)}"
    per_day = Archive(tmp_path / "b").write_post(late, "day")
    assert per_day.relative_to(tmp_path / "b").as_posix() == f"_posts/2023/10/31/{post_filename(late)}"


def test_a_name_taken_in_any_folder_of_posts_gets_a_suffix(tmp_path):
    """Jekyll's URL comes from the name alone, so a flat legacy post, a post in another folder (per day) and a new
    one of the same name would be one page: the new one is suffixed as before."""
    article = news(1)
    name = post_filename(article)
    write_flat(tmp_path, [article])
    elsewhere = tmp_path / "_posts" / "2024" / "01" / "01" / name.replace(".md", "-2.md")
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text("written per day", encoding="utf-8")
    path = Archive(tmp_path).write_post(article)
    assert path.name == name.replace(".md", "-3.md") and path.parent == tmp_path / "_posts" / "2024" / "01"
    assert sorted(p.name for p in post_files(tmp_path)) == sorted([name, elsewhere.name, path.name])


def _generate(root, count: int, every: timedelta, per: str) -> Counter:
    archive = Archive(root)
    folders: Counter = Counter()
    for index in range(count):
        folders[archive.relative(archive.write_post(news(index, every=every), per).parent)] += 1
    return folders


@pytest.mark.slow
@pytest.mark.parametrize(
    ("every", "per"),
    [
        (timedelta(hours=1.17), "month"),  # 30,000 posts in four years: an existing mirror's pace
        (timedelta(seconds=315), "day"),  # an hourly mirror of thirty outlets: 100,000 a year
    ],
)
def test_twenty_thousand_posts_leave_no_directory_above_3000_entries(tmp_path, every, per):
    folders = _generate(tmp_path, 20_000, every, per)
    assert sum(folders.values()) == 20_000
    entries = {folder: len(os.listdir(folder)) for folder, _dirs, _files in os.walk(tmp_path / "_posts")}
    assert max(entries.values()) <= 3_000, max(entries.items(), key=lambda item: item[1])
    assert entries[str(tmp_path / "_posts")] <= 10  # _posts/ itself holds only the years
    names = [p.name for p in post_files(tmp_path)]
    assert len(names) == len(set(names)) == 20_000
    # The state reads them all back: nothing is new to a rebuilt cache.
    state = State.open(Archive(tmp_path))
    try:
        assert state.sync_with_disk() == 20_000 and len(state.known_urls()) == 20_000
    finally:
        state.close()


def test_fetch_writes_into_the_dated_folder_and_a_second_fetch_and_a_rebuilt_cache_dedup(server, tmp_path):
    url = server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    written = tmp_path / "_posts" / "2023" / "10" / GOLDEN_NAME
    assert written.read_bytes() == GOLDEN_POST.read_bytes()
    server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes(), etag=False)  # the feed is read again, not answered 304
    again = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert json.loads(again.stdout)["new_posts"] == 0
    shutil.rmtree(tmp_path / ".newsmirror")
    rebuilt = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert json.loads(rebuilt.stdout)["new_posts"] == 0 and [p.name for p in post_files(tmp_path)] == [GOLDEN_NAME]
    lists = (tmp_path / "lists" / "大纪元.md").read_text(encoding="utf-8")
    assert "](../_posts/2023/10/" in lists


@pytest.mark.parametrize("where", ["_posts", "_posts/2023/10", "_posts/2023/10/28", "archived/2024-01-01"])
def test_an_article_already_in_any_layout_is_not_fetched_again(server, tmp_path, where):
    folder = tmp_path / where
    folder.mkdir(parents=True)
    shutil.copyfile(GOLDEN_POST, folder / GOLDEN_NAME)
    write_config(tmp_path, [{"name": "大纪元", "url": server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())}])
    result = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["new_posts"] == 0
    assert [p.relative_to(tmp_path).as_posix() for p in (tmp_path).rglob("*.md") if "lists" not in p.parts
            and p.name != "sources.md"] == [f"{where}/{GOLDEN_NAME}"]  # fmt: skip


def test_doctor_import_and_lists_read_every_layout(tmp_path):
    articles = [news(i) for i in range(4)]
    write_flat(tmp_path, articles[:1])
    archive = Archive(tmp_path)
    archive.write_post(articles[1])
    archive.write_post(articles[2], "day")
    rotated = tmp_path / "archived" / "2025-01-01" / "2024" / "01"
    rotated.mkdir(parents=True)
    (rotated / post_filename(articles[3])).write_text(
        (tmp_path / dated_path(post_filename(articles[1]))).read_text(encoding="utf-8").replace("/a/1.", "/a/3."),
        encoding="utf-8",
    )
    assert run_cli("init", str(tmp_path)).returncode == 0
    doctor = json.loads(run_cli("doctor", "-C", str(tmp_path), "--json").stdout)
    assert doctor["checked_posts"] == 4 and doctor["errors"] == 0, doctor
    imported = json.loads(run_cli("import", str(tmp_path), "--json").stdout)
    assert imported["posts"] == 4 and imported["broken"] == []


def test_rotate_moves_foldered_posts_keeping_their_folders_and_their_urls(tmp_path):
    from archivehelpers import site_urls
    from newsmirror.config import load_config
    from newsmirror.operations.rotate import rotate
    from newsmirror.site import build_site

    assert run_cli("init", str(tmp_path)).returncode == 0
    archive = Archive(tmp_path)
    paths = [archive.write_post(news(i, every=timedelta(days=20))) for i in range(10)]
    build_site(load_config(tmp_path), jobs=1, with_search=False)
    before = site_urls(tmp_path / "_site")
    report = rotate(load_config(tmp_path), timedelta(days=1), now=datetime(2024, 4, 1, tzinfo=UTC))
    assert len(report.moved) == 5  # January to March 2024
    for path in paths[:5]:
        assert not path.exists()
        assert (tmp_path / report.folder / archive.relative(path).split("/", 1)[1]).is_file()  # …/2024/01/<name>
    build_site(load_config(tmp_path), jobs=1, with_search=False)
    assert site_urls(tmp_path / "_site") == before
