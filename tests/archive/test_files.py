"""Writing a post file: never half-written, never over another post, on Linux (O_TMPFILE) and elsewhere."""

from __future__ import annotations

import os
import stat

import pytest

import newsmirror.files as archive_module
from newsmirror.archive.layout import Archive
from newsmirror.files import create_exclusive

HAS_O_TMPFILE = bool(getattr(os, "O_TMPFILE", 0))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_named_temporary_file(monkeypatch):
    """Fails the test if the writer takes the named-temporary way."""

    def refuse(*args, **kwargs):
        raise AssertionError("a named temporary file was used")

    monkeypatch.setattr(archive_module.tempfile, "mkstemp", refuse)


@pytest.fixture
def without_o_tmpfile(monkeypatch):
    """As on macOS, the BSDs or Windows' WSL1: no O_TMPFILE."""
    monkeypatch.setattr(archive_module, "_O_TMPFILE", 0)


@pytest.mark.skipif(not HAS_O_TMPFILE, reason="no O_TMPFILE on this platform")
def test_on_linux_a_post_never_has_a_name_before_it_is_whole(tmp_path, no_named_temporary_file):
    target = tmp_path / "post.md"
    assert create_exclusive(target, "全文".encode()) is True
    assert target.read_bytes() == "全文".encode()
    assert os.listdir(tmp_path) == ["post.md"]
    assert _mode(target) == 0o644 & ~_umask()
    assert create_exclusive(target, b"again") is False  # never replaces a post
    assert target.read_bytes() == "全文".encode() and os.listdir(tmp_path) == ["post.md"]


@pytest.mark.skipif(not HAS_O_TMPFILE, reason="no O_TMPFILE on this platform")
def test_a_file_system_without_o_tmpfile_falls_back_to_a_named_temporary_file(tmp_path, monkeypatch):
    real_open = os.open

    def no_tmpfile(path, flags, *rest, **kwargs):
        if flags & archive_module._O_TMPFILE == archive_module._O_TMPFILE:
            raise OSError(95, "Operation not supported")  # as tmpfs before Linux 3.11, or NFS, answer
        return real_open(path, flags, *rest, **kwargs)

    monkeypatch.setattr(archive_module.os, "open", no_tmpfile)
    target = tmp_path / "post.md"
    assert create_exclusive(target, b"whole") is True
    assert target.read_bytes() == b"whole" and os.listdir(tmp_path) == ["post.md"]


def test_elsewhere_a_post_is_written_under_a_hidden_name_then_linked(tmp_path, without_o_tmpfile, monkeypatch):
    seen = []
    real_link = os.link

    def watching_link(source, destination, *args, **kwargs):
        with open(source, "rb") as handle:
            seen.append((os.path.dirname(source), os.path.basename(source), handle.read()))
        return real_link(source, destination, *args, **kwargs)

    monkeypatch.setattr(archive_module.os, "link", watching_link)
    target = tmp_path / "post.md"
    assert create_exclusive(target, b"whole") is True
    ((folder, name, content),) = seen
    assert folder == str(tmp_path) and name.startswith(".") and name.endswith(".tmp") and content == b"whole"
    assert target.read_bytes() == b"whole"
    assert os.listdir(tmp_path) == ["post.md"]  # the temporary name is gone
    assert _mode(target) == 0o644 & ~_umask()


def test_elsewhere_a_taken_name_is_refused_and_leaves_nothing(tmp_path, without_o_tmpfile):
    target = tmp_path / "post.md"
    target.write_bytes(b"first")
    assert create_exclusive(target, b"second") is False
    assert target.read_bytes() == b"first" and os.listdir(tmp_path) == ["post.md"]


def test_without_hard_links_the_name_is_claimed_then_the_whole_file_moved_onto_it(tmp_path, without_o_tmpfile,
                                                                                  monkeypatch):
    def no_hard_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")  # as FAT, exFAT or some network file systems answer

    monkeypatch.setattr(archive_module.os, "link", no_hard_links)
    target = tmp_path / "post.md"
    assert create_exclusive(target, b"whole") is True
    assert target.read_bytes() == b"whole" and os.listdir(tmp_path) == ["post.md"]
    assert _mode(target) == 0o644 & ~_umask()
    assert create_exclusive(target, b"second") is False
    assert target.read_bytes() == b"whole" and os.listdir(tmp_path) == ["post.md"]


def test_elsewhere_a_write_killed_before_the_link_leaves_only_what_the_next_run_removes(tmp_path, without_o_tmpfile,
                                                                                     monkeypatch):
    posts = tmp_path / "_posts"
    posts.mkdir()
    monkeypatch.setattr(archive_module.os, "link", lambda *args, **kwargs: os._exit(0))  # SIGKILL, as good as
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            create_exclusive(posts / "post.md", b"whole")
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # it was "killed" at the link
    (leftover,) = os.listdir(posts)
    assert leftover.startswith(".") and leftover.endswith(".tmp")  # hidden: Jekyll and git ignore it
    assert Archive(tmp_path).remove_stale_temporary_files() == 1
    assert os.listdir(posts) == []


def test_stale_temporary_files_are_swept_wherever_a_run_writes(tmp_path):
    leftovers = ["_posts/2024/03/.a.md.x1.tmp", "lists/.b.md.x2.tmp", "_data/.newsmirror_revisions.json.x3.tmp",
                 "_revisions/2024-03-05-t/.001-20240305T000000Z-edited.md.x4.tmp", "assets/images/ab/.c.webp.x5.tmp",
                 ".newsmirror.toml.x6.tmp"]  # fmt: skip
    kept = ["_revisions/2024-03-05-t/001-20240305T000000Z-edited.md", "_data/.keep.tmp.json", "_posts/x.tmp"]
    for name in leftovers + kept:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert Archive(tmp_path).remove_stale_temporary_files() == len(leftovers)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(kept)


def test_write_post_uses_the_exclusive_write(tmp_path, without_o_tmpfile):
    """Archive.write_post writes through create_exclusive on either path (the names test is tests/archive/test_identity.py)."""
    from datetime import UTC, datetime

    from newsmirror.models import Article

    path = Archive(tmp_path).write_post(
        Article(title="t", date=datetime(2024, 1, 2, tzinfo=UTC), author="a", link="", source="s", content="")
    )
    assert path.name == "2024-01-02-t.md" and os.listdir(path.parent) == ["2024-01-02-t.md"]
