"""The state cache's typed queries, on a real SQLite file and real posts written through Archive."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmirror.archive.identity import canonical_url
from newsmirror.archive.layout import Archive
from newsmirror.archive.state import LEGACY_URLS, DatedPost, SourceDate, State
from newsmirror.ingest.media import ImageStore
from newsmirror.models import Article, Validators

MAY_1 = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
MAY_2 = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)


def article(title: str, link: str, source: str, date: datetime) -> Article:
    return Article(title=title, date=date, author=source, link=link, source=source, content="<p>text</p>")


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path)


@pytest.fixture
def state(archive: Archive):
    opened = State.open(archive)
    yield opened
    opened.close()


def write(archive: Archive, *articles: Article) -> list[str]:
    return [archive.relative(archive.write_post(a)) for a in articles]


def unreadable(archive: Archive, relative: str) -> str:
    path = archive.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    return relative


def test_source_dates_are_those_of_the_readable_posts(archive: Archive, state: State) -> None:
    write(archive, article("一", "https://a.example/1", "甲", MAY_1), article("二", "https://b.example/2", "乙", MAY_2))
    unreadable(archive, "_posts/2024-05-03-broken.md")
    state.sync_with_disk()
    dates = state.source_dates()
    assert sorted(dates) == [("乙", MAY_2.isoformat()), ("甲", MAY_1.isoformat())]
    assert all(isinstance(d, SourceDate) for d in dates)
    assert {d.source for d in dates} == {"甲", "乙"}


def test_source_dates_of_an_empty_archive(state: State) -> None:
    state.sync_with_disk()
    assert state.source_dates() == []


def test_posts_under_a_folder_takes_its_sub_folders_and_unreadable_posts(archive: Archive, state: State) -> None:
    (written,) = write(archive, article("一", "https://a.example/1", "甲", MAY_1))
    broken = unreadable(archive, "_posts/nested/2024-05-03-broken.md")
    rotated = unreadable(archive, "archived/2024-06-01/2024-05-04-old.md")
    state.sync_with_disk()
    under_posts = sorted(state.posts_under("_posts"))
    assert under_posts == [DatedPost(written, MAY_1.isoformat()), DatedPost(broken, None)]
    assert under_posts[0].path == written and under_posts[0].date == MAY_1.isoformat()
    assert sorted(state.posts_under("_posts/")) == under_posts
    assert state.posts_under("archived") == [DatedPost(rotated, None)]
    assert state.posts_under("_posts/nested") == [DatedPost(broken, None)]
    assert state.posts_under("_post") == []  # a folder, not a prefix of names


def test_path_for_key_finds_posts_by_address_and_legacy_keys(archive: Archive, state: State) -> None:
    (written,) = write(archive, article("一", "https://a.example/1?utm_source=x", "甲", MAY_1))
    (archive.root / LEGACY_URLS).write_text("https://old.example/a\n", encoding="utf-8")
    state.sync_with_disk()
    assert state.path_for_key(canonical_url("https://a.example/1")) == written
    assert state.path_for_key(canonical_url("https://old.example/a")) == LEGACY_URLS
    assert state.path_for_key(canonical_url("https://elsewhere.example/")) is None
    assert state.path_for_key("") is None


def test_legacy_url_count_follows_allurls_dat(archive: Archive, state: State) -> None:
    legacy = archive.root / LEGACY_URLS
    legacy.write_text("https://old.example/a\n\nhttps://old.example/b\nhttps://old.example/a\n", encoding="utf-8")
    state.sync_with_disk()
    assert state.legacy_url_count() == 2
    legacy.unlink()
    state.sync_with_disk()
    assert state.legacy_url_count() == 0


def test_legacy_url_count_ignores_the_keys_of_posts(archive: Archive, state: State) -> None:
    write(archive, article("一", "https://a.example/1", "甲", MAY_1))
    state.sync_with_disk()
    assert state.legacy_url_count() == 0


def test_all_validators(state: State) -> None:
    assert state.all_validators() == {}
    state.save_validators("https://a.example/feed", Validators(etag='"v1"', last_modified=""), "hash")
    state.save_validators("https://b.example/feed", Validators(etag="", last_modified="Tue, 01 May 2024"), None)
    assert state.all_validators() == {
        "https://a.example/feed": Validators(etag='"v1"', last_modified=""),
        "https://b.example/feed": Validators(etag="", last_modified="Tue, 01 May 2024"),
    }


def test_all_validators_reads_nulls_as_empty(state: State) -> None:
    state.db.execute("INSERT INTO http VALUES ('https://a.example/feed', NULL, NULL, NULL, NULL)")
    assert state.all_validators() == {"https://a.example/feed": Validators()}


def test_images_are_remembered_across_openings(archive: Archive, state: State) -> None:
    store: ImageStore = state  # State is the image mirror's store
    assert store.image_path("https://a.example/1.png") is None
    store.remember_image("https://a.example/1.png", "assets/images/ab/abc.png")
    store.remember_image("https://a.example/1.png", "assets/images/cd/cde.png")  # the newest copy wins
    state.close()
    reopened = State.open(archive)
    try:
        assert reopened.image_path("https://a.example/1.png") == "assets/images/cd/cde.png"
        assert reopened.image_path("https://a.example/2.png") is None
    finally:
        reopened.close()


def test_a_cache_without_the_images_table_gains_it(archive: Archive) -> None:
    State.open(archive).close()
    path = archive.state_dir / "state.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE images")
    state = State.open(archive)
    try:
        assert state.image_path("https://a.example/1.png") is None
        state.remember_image("https://a.example/1.png", "assets/images/ab/abc.png")
        assert state.image_path("https://a.example/1.png") == "assets/images/ab/abc.png"
    finally:
        state.close()


def test_a_cache_whose_images_table_came_from_the_image_mirror_keeps_it(archive: Archive) -> None:
    State.open(archive).close()
    path = archive.state_dir / "state.sqlite"
    with sqlite3.connect(path) as connection:  # as the image mirror created it before the state owned it
        connection.execute("DROP TABLE images")
        connection.execute("CREATE TABLE IF NOT EXISTS images (url TEXT PRIMARY KEY, path TEXT NOT NULL)")
        connection.execute("INSERT INTO images VALUES ('https://a.example/1.png', 'assets/images/ab/abc.png')")
    state = State.open(archive)
    try:
        assert state.image_path("https://a.example/1.png") == "assets/images/ab/abc.png"
    finally:
        state.close()


def test_the_state_keeps_when_each_post_was_fetched_across_rereads_and_old_caches(tmp_path):
    from newsmirror.archive.state import WrittenPost

    archive = Archive(tmp_path)
    old = Article(title="旧文", date=datetime(2020, 1, 2, tzinfo=UTC), author="源", link="https://a.example/1", source="源",
                  content="<p>x</p>")
    path = archive.write_post(old)
    state = State.open(archive)
    before = datetime.now(UTC)
    state.record_posts([WrittenPost(path, old.link, old.title, old.date, "源", ("k1",))])
    ((source, fetched),) = state.fetch_dates()
    assert source == "源" and datetime.fromisoformat(fetched) >= before.replace(microsecond=0)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # the file changes: read again
    state.synced = False
    assert state.sync_with_disk() == 1
    assert state.fetch_dates() == [SourceDate("源", fetched)]  # the re-read keeps the time it was fetched
    state.close()
    # A cache from before the column: it gains it in place, its posts' fetch times unknown (not counted).
    with sqlite3.connect(archive.state_dir / "state.sqlite") as db:
        db.execute("ALTER TABLE posts DROP COLUMN fetched")
    state = State.open(archive)
    assert state.fetch_dates() == [] and state.source_dates() == [SourceDate("源", "2020-01-02T00:00:00+00:00")]
    state.close()


def test_how_texts_were_made_survives_rereads_old_caches_and_an_older_newsmirror(tmp_path):
    """The making of each post's text (kept across a re-read, as a fresh checkout causes), recheck's marks with the
    text to compare with, a cache from before either (nothing known: ""), a damaged text blob (unknown), and an
    older newsmirror writing its five-column marks in between (the text kept then belongs to no mark)."""
    from newsmirror.archive.state import RecheckMark, WrittenPost

    archive = Archive(tmp_path)
    post = Article(title="听证会", date=MAY_1, author="源", link="https://a.example/1", source="源", content="<p>x</p>")
    path = archive.write_post(post)
    state = State.open(archive)
    state.record_posts([WrittenPost(path, post.link, post.title, post.date, "源", ("k1",), "m1")])
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    state.synced = False
    assert state.sync_with_disk() == 1 and state.post_making(archive.relative(path)) == "m1"
    marks = [RecheckMark("a.md", MAY_1, MAY_2, "unchanged", 1, "m2", "<p>新的基线</p>"),
             RecheckMark("b.md", MAY_1, MAY_2, "edited", 2, "m2"), RecheckMark("c.md", MAY_1, None, "unchanged", 3)]
    state.record_rechecks(marks)
    assert state.recheck_marks() == {m.post: m for m in marks}
    state.db.execute("UPDATE recheck_texts SET baseline = x'00ff' WHERE post = 'b.md'")
    state.db.execute("INSERT OR REPLACE INTO rechecks VALUES ('a.md', '2024-05-02T00:00:00+00:00', NULL, 'unchanged', 2)")
    read = state.recheck_marks()
    assert (read["a.md"].checks, read["a.md"].making, read["a.md"].baseline) == (2, "", None)  # written by an older one
    assert (read["b.md"].making, read["b.md"].baseline) == ("", None)
    state.close()
    with sqlite3.connect(archive.state_dir / "state.sqlite") as db:  # a cache from before both
        db.execute("ALTER TABLE posts DROP COLUMN making")
        db.execute("DROP TABLE recheck_texts")
    state = State.open(archive)
    assert state.post_making(archive.relative(path)) == "" and {m.making for m in state.recheck_marks().values()} == {""}
    state.close()
