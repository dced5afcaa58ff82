"""The archive on disk: posts, atomic writes, the per-source lists and the sources table.

A post is written to a temporary file and then linked into place, so it never exists half-written and never
replaces another post; the state database is only a cache of what these files say.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step: readers see the old file or the new one, never a part."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide posts from a web server running as another user
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return True


_O_TMPFILE = getattr(os, "O_TMPFILE", 0)


def create_exclusive(path: Path, data: bytes) -> bool:
    """Write a new file at `path` unless one exists; atomic, never overwrites. False when the name is taken."""
    if _O_TMPFILE:
        created = _create_from_unnamed_file(path, data)
        if created is not None:
            return created
    return _create_through_temporary_name(path, data)


def _create_from_unnamed_file(path: Path, data: bytes) -> bool | None:
    """Linux: write an inode that has no name yet (O_TMPFILE), then give it `path` with linkat. A killed run leaves
    nothing behind and the name appears only with the whole content. None where the file system cannot."""
    try:
        fd = os.open(path.parent, _O_TMPFILE | os.O_WRONLY, 0o644)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
        try:
            # linkat(…, AT_SYMLINK_FOLLOW) through /proc; Python uses linkat (not link) only when a dir fd is
            # given, and ignores it for an absolute source path.
            os.link(f"/proc/self/fd/{fd}", path, src_dir_fd=fd, follow_symlinks=True)
        except FileExistsError:
            return False
        except OSError:  # no /proc, or linking refused: the named-temporary way
            return None
        return True
    finally:
        os.close(fd)


def _create_through_temporary_name(path: Path, data: bytes) -> bool:
    fd, temp = tempfile.mkstemp(prefix=".new.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide posts from a web server running as another user
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(temp, path)  # fails if the name exists: no window in which a post could be replaced
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: claim the name, then move the full file onto it
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:
                return False
            os.replace(temp, path)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def run_temporary_folder(prefix: str) -> str:
    """A new folder in the system's temporary directory for this run, named `<prefix><pid>-…`; first removes the
    folders of that prefix left by runs that are gone (killed with SIGKILL, or with the machine), which nothing
    else would ever remove. A folder of a process still alive is left alone: another run may be using it."""
    temporary = tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for entry in os.scandir(temporary):
            pid = entry.name[len(prefix) :].split("-", 1)[0] if entry.name.startswith(prefix) else ""
            if pid.isdigit() and entry.is_dir(follow_symlinks=False) and not _alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether it exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    return True
