"""Reading posts for the site: what changed since the last build, each post's record or why it cannot be used."""

from __future__ import annotations

from pathlib import Path

from newsmirror.site.scan import (
    UNSORTED_SOURCE,
    FileToRead,
    PostError,
    PostRecord,
    changed_files,
    read_post,
    read_posts,
)


def write(root: Path, rel: str, text: str) -> FileToRead:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    info = path.stat()
    return FileToRead(rel, info.st_mtime_ns, info.st_size)


def test_a_post_becomes_a_record_at_its_jekyll_url(tmp_path):
    item = write(tmp_path, "_posts/2024-05-01-标题.md", "---\ntitle: 标题\ndate: 2024-05-01T12:00:00Z\n---\n<p>x</p>\n")
    record = read_post(tmp_path, item)
    assert isinstance(record, PostRecord)
    assert record.base_url == "/2024/05/01/标题.html" and record.title == "标题"
    assert record.source == UNSORTED_SOURCE and record.url == "" and record.shown is None
    assert (record.mtime_ns, record.size) == (item.mtime_ns, item.size)


def test_the_file_name_gives_the_date_and_title_when_the_header_does_not(tmp_path):
    record = read_post(tmp_path, write(tmp_path, "_posts/2024-05-02-x.md", "---\nauthor: 某人\n---\nbody"))
    assert isinstance(record, PostRecord)
    assert record.title == "2024-05-02-x.md" and record.base_url == "/2024/05/02/x.html" and record.source == "某人"


def test_a_post_that_cannot_be_used_says_why(tmp_path):
    undated = read_post(tmp_path, write(tmp_path, "_posts/nodate.md", "---\ntitle: t\n---\nbody"))
    assert undated == PostError("_posts/nodate.md", "_posts/nodate.md: no date (neither a date: line nor a YYYY-MM-DD- file name)")
    broken = read_post(tmp_path, write(tmp_path, "_posts/2024-01-01-a: b.md", "---\ntitle: [x\n---\n"))
    assert isinstance(broken, PostError) and broken.message.startswith("_posts/2024-01-01-a: b.md: ")
    gone = read_post(tmp_path, FileToRead("_posts/gone.md", 0, 0))
    assert isinstance(gone, PostError) and gone.rel == "_posts/gone.md"


def test_only_new_and_changed_files_are_read_and_old_failures_are_kept(tmp_path):
    kept = write(tmp_path, "_posts/2024-05-01-a.md", "---\ntitle: a\n---\n")
    changed = write(tmp_path, "_posts/2024-05-01-b.md", "---\ntitle: b\n---\n")
    cached_a = read_post(tmp_path, kept)
    cached_b = read_post(tmp_path, changed._replace(size=changed.size + 1))
    assert isinstance(cached_a, PostRecord) and isinstance(cached_b, PostRecord)
    scanned = {f.rel: (f.mtime_ns, f.size) for f in (kept, changed)} | {"_posts/bad.md": (1, 1), "_posts/gone.md": (1, 1)}
    cached = {"_posts/2024-05-01-a.md": cached_a, "_posts/2024-05-01-b.md": cached_b}
    assert [f.rel for f in changed_files(scanned, cached)] == ["_posts/2024-05-01-b.md", "_posts/bad.md", "_posts/gone.md"]

    seen: list[list[str]] = []
    notes: list[tuple[int, int]] = []

    def read(files: list[FileToRead]):
        seen.append([f.rel for f in files])
        return [[read_post(tmp_path, f) for f in files]]

    result = read_posts(scanned, cached, {"_posts/bad.md": "_posts/bad.md: old", "_posts/away.md": "away"}, read,
                        lambda done, total: notes.append((done, total)))  # fmt: skip
    assert seen == [["_posts/2024-05-01-b.md", "_posts/bad.md", "_posts/gone.md"]] and result.parsed == 3
    assert list(result.records) == ["_posts/2024-05-01-a.md", "_posts/2024-05-01-b.md"]
    assert result.records["_posts/2024-05-01-a.md"] is cached_a
    assert result.records["_posts/2024-05-01-b.md"].size == changed.size
    assert set(result.errors) == {"_posts/bad.md", "_posts/gone.md"}  # a failure read again says so anew
    assert result.errors["_posts/bad.md"] != "_posts/bad.md: old"
    assert notes == [(0, 3), (3, 3)]


def test_a_post_that_failed_is_read_again_and_a_removed_one_forgotten(tmp_path):
    result = read_posts({"_posts/bad.md": (1, 1)}, {}, {"_posts/bad.md": "_posts/bad.md: old"},
                        lambda files: [[PostError(f.rel, "again") for f in files]], lambda done, total: None)  # fmt: skip
    assert result.errors == {"_posts/bad.md": "again"}
    result = read_posts({}, {}, {"_posts/bad.md": "_posts/bad.md: old"}, lambda files: [], lambda done, total: None)
    assert result.errors == {} and result.parsed == 0
