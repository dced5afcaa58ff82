"""The SQLite cache under the archive: what posts exist and which articles they hold, HTTP validators,
source health and run history. Only a cache: deleted or corrupt, it is rebuilt from the posts on disk.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from newsmirror.archive.identity import canonical_url, fingerprint_key
from newsmirror.archive.layout import Archive, ArchiveError, PostSummary
from newsmirror.archive.lock import ArchiveLock
from newsmirror.archive.postformat import PostFormatError, as_datetime, read_front_matter, source_of
from newsmirror.models import Validators

SCHEMA_VERSION = 1
RUNS_KEPT = 168  # run reports kept in the cache: a week of hourly runs
STATE_FILE = "state.sqlite"  # under .newsmirror/, with SQLite's -wal and -shm files beside it
LEGACY_URLS = "allurls.dat"  # a legacy mirror's list of archived article URLs, one a line
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS posts (
    path TEXT PRIMARY KEY, mtime_ns INTEGER, url TEXT, title TEXT, date TEXT, source TEXT, error TEXT
);
CREATE INDEX IF NOT EXISTS posts_url ON posts(url);
CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, path TEXT);
CREATE INDEX IF NOT EXISTS keys_path ON keys(path);
CREATE TABLE IF NOT EXISTS http (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, body_hash TEXT, checked_at TEXT
);
CREATE TABLE IF NOT EXISTS health (
    source TEXT PRIMARY KEY, last_success TEXT, last_error TEXT, last_error_at TEXT,
    consecutive_failures INTEGER DEFAULT 0, last_not_modified TEXT, not_modified_count INTEGER DEFAULT 0,
    fetch_count INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT, finished TEXT, report TEXT);
CREATE TABLE IF NOT EXISTS images (url TEXT PRIMARY KEY, path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rechecks (
    post TEXT PRIMARY KEY, last_checked TEXT, next_due TEXT, outcome TEXT, checks INTEGER DEFAULT 0
);
-- The text a post's next recheck compares with (RecheckMark.making, .baseline), apart from `rechecks` so that an
-- older newsmirror, which writes that table's five columns by position, still can; `checks` says which mark it
-- goes with (an older version's later marks leave it behind).
CREATE TABLE IF NOT EXISTS recheck_texts (post TEXT PRIMARY KEY, checks INTEGER, making TEXT, baseline BLOB);
CREATE TABLE IF NOT EXISTS revisions (path TEXT PRIMARY KEY, mtime_ns INTEGER, post TEXT, kind TEXT, date TEXT);
CREATE TABLE IF NOT EXISTS rsshub (route TEXT PRIMARY KEY, instance TEXT NOT NULL, answered_at TEXT);
CREATE TABLE IF NOT EXISTS pages (
    source TEXT PRIMARY KEY, entries INTEGER, usual INTEGER, settings TEXT, changed TEXT, checked_at TEXT
);
"""


class PostsUnreadableError(ArchiveError):
    """The posts on disk (or the cache of them) cannot be read, so what is new cannot be told: the run stops."""


@dataclass(frozen=True, slots=True)
class WrittenPost:
    """A post just written to disk, as the state records it: the file, the article it holds, its dedup keys."""

    path: Path
    url: str  # the article's address as the post gives it ("" for none)
    title: str
    date: datetime
    source: str
    keys: tuple[str, ...]  # every key the article is known by (newsmirror.archive.identity.article_keys)
    making: str = ""  # which code and settings made its text (ingest/making.py); "" for unknown


# pragma: no mutate start (outside the mutation-testing scope: see [tool.mutmut] in pyproject.toml)


# pragma: no mutate end


# pragma: no mutate start (outside the mutation-testing scope: see [tool.mutmut] in pyproject.toml)
@dataclass(slots=True)
class SourceHealth:
    source: str
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    last_not_modified: str | None = None
    not_modified_count: int = 0
    fetch_count: int = 0
    failing_since: str | None = None  # when the current run of failures began


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What a list page or channel gave when last read: how many entries, how many it usually gives (the count of
    the last read that did not look broken, for the same address and selectors), and why it looks changed, if so."""

    entries: int
    usual: int
    settings: str  # a fingerprint of the address and selectors the counts are for
    changed: str = ""  # "" when the page gave what it usually gives
    checked_at: str | None = None


@dataclass(frozen=True, slots=True)
class RecheckMark:
    """A post's recheck bookkeeping: when it was last revisited, when it is due next, what was found."""

    post: str  # the post's file name
    last_checked: datetime | None
    next_due: datetime | None
    outcome: str  # unchanged | edited | deleted | failed
    checks: int = 0
    making: str = ""  # the making (ingest/making.py) of the text the next check compares with; "" for unknown
    baseline: str | None = None  # that text, when it is not the post's newest version (made by other code)


@dataclass(slots=True)
class RevisionCounts:
    """Per source: posts with later versions, the versions kept, posts deleted at the source now."""

    edited_posts: int = 0
    versions: int = 0
    deleted: int = 0


_POST_COLUMNS = "path, mtime_ns, url, title, date, source, error"
# Columns added after schema 1 shipped: an older cache gains them in place (table, column, type).
_LATER_COLUMNS = (
    ("health", "failing_since", "TEXT"),
    # when the mirror wrote the post (status counts what was fetched per day); unknown (NULL) for posts read back
    # from disk into a rebuilt cache
    ("posts", "fetched", "TEXT"),
    # which code and settings made the post's text (ingest/making.py); unknown (NULL) likewise
    ("posts", "making", "TEXT"),
)
_UPDATE_POST = "mtime_ns = excluded.mtime_ns, url = excluded.url, title = excluded.title, date = excluded.date, " \
    "source = excluded.source, error = excluded.error"
# A post read from disk: a new row, or the row brought up to date, keeping when it was fetched and how its text
# was made (a fresh clone gives every file a new mtime: the scheduled workflow's checkout does, every run).
_UPSERT_POST = f"INSERT INTO posts ({_POST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET {_UPDATE_POST}"
# A post just written: fetched now, unless the row knew an earlier fetch (a post written again in place).
_RECORD_POST = (f"INSERT INTO posts ({_POST_COLUMNS}, fetched, making) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT(path) DO UPDATE SET {_UPDATE_POST}, fetched = coalesce(posts.fetched, excluded.fetched), "
                "making = excluded.making")  # fmt: skip


class SourceDate(NamedTuple):
    """A readable post's source and ISO date (None when its date cannot be read)."""

    source: str
    date: str | None


class DatedPost(NamedTuple):
    """A post's archive-relative path and ISO date (None when the post or its date cannot be read)."""

    path: str
    date: str | None


def _packed(text: str | None) -> bytes | None:
    return None if text is None else zlib.compress(text.encode("utf-8", "surrogatepass"))


def _unpacked(data: bytes | None) -> str | None:
    """The text of a blob of _packed; None also for one that cannot be read (the cache damaged)."""
    try:
        return None if data is None else zlib.decompress(data).decode("utf-8", "surrogatepass")
    except (zlib.error, UnicodeDecodeError, TypeError):
        return None


def _iso(value: object) -> str | None:
    moment = as_datetime(value)  # timestamps, bare dates (as Jekyll reads them) and ISO strings
    return moment.astimezone(UTC).isoformat() if moment is not None else None



def state_files_signature(archive: Archive) -> tuple[tuple[str, int, int], ...]:
    """(name, mtime in ns, size) of the state database's files: changed by every fetch, even one that wrote no post
    (source health, validators), so that the site builder knows its status page is out of date."""
    try:
        entries = [e for e in os.scandir(archive.state_dir) if e.name.startswith(STATE_FILE) and e.is_file()]
    except FileNotFoundError:
        return ()
    return tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in entries))

def _add_later_columns(connection: sqlite3.Connection) -> None:
    for table, column, kind in _LATER_COLUMNS:
        if column not in {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


class State:
    """Open with `State.open(archive)`; every method commits its own work."""

    def __init__(self, archive: Archive, connection: sqlite3.Connection):
        self.archive = archive
        self.db = connection
        self.synced = False  # sync_with_disk has run since this state was opened

    @classmethod
    def open(cls, archive: Archive) -> State:
        archive.state_dir.mkdir(parents=True, exist_ok=True)
        path = archive.state_dir / STATE_FILE
        try:
            connection = cls._connect(path)
        except sqlite3.DatabaseError:
            # A corrupt cache is set aside and rebuilt from the posts; nothing in it is irreplaceable.
            for suffix in ("", "-wal", "-shm"):
                candidate = Path(str(path) + suffix)
                if candidate.exists():
                    candidate.rename(Path(f"{path}{suffix}.corrupt-{int(time.time())}"))
            connection = cls._connect(path)
        return cls(archive, connection)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            ok = connection.execute("PRAGMA quick_check").fetchone()
            if not ok or ok[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {ok}")
            connection.executescript(_SCHEMA)
            _add_later_columns(connection)
            version = connection.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if version is None:
                connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif version[0] != str(SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"schema version {version[0]}")
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        self.db.close()

    # -- the posts on disk ------------------------------------------------------------------------------------

    def ensure_synced(self) -> None:
        """Sync with the posts on disk once per opening (under the archive lock nothing else changes them).

        Raises PostsUnreadableError when the posts or the cache cannot be read: nothing may be written then, or
        articles pulled in since the last run would be written twice."""
        if self.synced:
            return
        try:
            self.sync_with_disk()
        except (OSError, sqlite3.Error) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
            raise PostsUnreadableError(f"cannot read the posts already in the archive: {detail}{where}") from None

    def sync_with_disk(self) -> int:
        """Bring the posts table in line with the files: read new or changed posts, forget removed ones.

        Returns how many files were read. Cheap when nothing changed (one directory walk, one stat a file).
        """
        known = {row[0]: row[1] for row in self.db.execute("SELECT path, mtime_ns FROM posts")}
        on_disk = self.archive.scan_posts()
        rows = [
            self._row_for(self.archive.root / relative, relative, mtime)
            for relative, (mtime, _size) in on_disk.items()
            if known.get(relative) != mtime
        ]
        gone = [p for p in known if p not in on_disk]
        self.sync_legacy_urls()
        if rows or gone:
            self.db.execute("BEGIN")
            try:
                self.db.executemany(_UPSERT_POST, rows)  # a changed file keeps the time it was fetched
                self.db.executemany("DELETE FROM posts WHERE path = ?", [(p,) for p in gone])
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        self.synced = True  # only once it all worked: a failed sync is tried again, never taken as done
        return len(rows)

    def sync_legacy_urls(self) -> int:
        """Load `allurls.dat` (a legacy mirror's archived URLs, one a line) as known keys when it changed.

        The file stays in the archive, so a fresh clone without this cache still knows those articles.
        """
        path = self.archive.root / LEGACY_URLS
        try:
            info = path.stat()
        except FileNotFoundError:
            self.db.execute("DELETE FROM keys WHERE path = ?", (LEGACY_URLS,))
            self.db.execute("DELETE FROM meta WHERE key = 'allurls'")
            return 0
        stamp = f"{info.st_mtime_ns}:{info.st_size}"
        row = self.db.execute("SELECT value FROM meta WHERE key = 'allurls'").fetchone()
        if row is not None and row[0] == stamp:
            return 0
        text = path.read_bytes().decode("utf-8", errors="replace")
        urls = {canonical_url(line) for line in text.splitlines() if line.strip()}
        urls.discard("")
        self.db.execute("BEGIN")
        try:
            self.db.execute("DELETE FROM keys WHERE path = ?", (LEGACY_URLS,))
            self.db.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)", [(u, LEGACY_URLS) for u in urls])
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('allurls', ?)", (stamp,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return len(urls)

    def _row_for(self, path: Path, relative: str, mtime: int) -> tuple:
        try:
            header = read_front_matter(path)
        except (PostFormatError, OSError) as exc:
            return (relative, mtime, None, None, None, None, str(exc))
        link = header.get("from")
        url = canonical_url(str(link)) if link else None
        title = header.get("title")
        source = source_of(header)
        return (relative, mtime, url, None if title is None else str(title), _iso(header.get("date")), source, None)

    def record_posts(self, posts: Iterable[WrittenPost]) -> None:
        """Record written posts in one transaction."""
        rows: list[tuple[str, int, str | None, str, str, str, None, str, str | None]] = []
        key_rows: list[tuple[str, str]] = []
        fetched = datetime.now(UTC).isoformat()
        for post in posts:
            relative = self.archive.relative(post.path)
            date_text = post.date.astimezone(UTC).isoformat()
            url = canonical_url(post.url) or None
            rows.append((relative, post.path.stat().st_mtime_ns, url, post.title, date_text, post.source, None, fetched,
                         post.making or None))  # fmt: skip
            key_rows.extend((key, relative) for key in post.keys)
        self.db.execute("BEGIN")
        try:
            self.db.executemany(_RECORD_POST, rows)
            self.db.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)", key_rows)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def move_posts(self, moves: list[tuple[str, str]]) -> None:
        """Posts renamed on disk (old relative path, new relative path), with their dedup keys."""
        self.db.execute("BEGIN")
        try:
            self.db.executemany("UPDATE OR REPLACE posts SET path = ? WHERE path = ?", [(new, old) for old, new in moves])
            self.db.executemany("UPDATE keys SET path = ? WHERE path = ?", [(new, old) for old, new in moves])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def known_urls(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT url FROM posts WHERE url IS NOT NULL")}

    def known_keys(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT key FROM keys")}

    def fingerprints_on_disk(self) -> set[str]:
        """Keys for posts without a `from:` address, so that link-less items stay deduplicated after a rebuild."""
        return {
            fingerprint_key(title or "")
            for (title,) in self.db.execute("SELECT title FROM posts WHERE url IS NULL AND error IS NULL")
        }

    def summaries(self) -> list[PostSummary]:
        result = []
        for path, title, date, source in self.db.execute(
            "SELECT path, title, date, source FROM posts WHERE error IS NULL"
        ):
            result.append(PostSummary(path=path, title=title or "", date=as_datetime(date), source=source or ""))
        return result

    def unreadable_posts(self) -> list[tuple[str, str]]:
        return list(self.db.execute("SELECT path, error FROM posts WHERE error IS NOT NULL ORDER BY path"))

    def source_dates(self) -> list[SourceDate]:
        """(source, ISO date) of every readable post."""
        return [SourceDate(*row) for row in self.db.execute("SELECT source, date FROM posts WHERE error IS NULL")]

    def fetch_dates(self) -> list[SourceDate]:
        """(source, ISO time the mirror wrote it) of every readable post whose fetch time is known."""
        query = "SELECT source, fetched FROM posts WHERE error IS NULL AND fetched IS NOT NULL"
        return [SourceDate(*row) for row in self.db.execute(query)]

    def posts_under(self, folder: str) -> list[DatedPost]:
        """Every post (readable or not) inside the archive-relative `folder` or its sub-folders."""
        prefix = folder.rstrip("/") + "/"
        rows = self.db.execute("SELECT path, date FROM posts WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
        return [DatedPost(*row) for row in rows]

    def path_for_key(self, key: str) -> str | None:
        """The archive-relative path of the post holding `key` (a canonical URL or a dedup key), if any."""
        row = self.db.execute("SELECT path FROM posts WHERE url = ?", (key,)).fetchone()
        if row is None:
            row = self.db.execute("SELECT path FROM keys WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def legacy_url_count(self) -> int:
        """How many of the known keys come from `allurls.dat`."""
        return self.db.execute("SELECT COUNT(*) FROM keys WHERE path = ?", (LEGACY_URLS,)).fetchone()[0]

    # -- rechecks and revisions (operations/recheck.py; the record is the files of archive/revisions.py) ---------

    def recheck_marks(self) -> dict[str, RecheckMark]:
        rows = self.db.execute(
            "SELECT r.post, r.last_checked, r.next_due, r.outcome, r.checks, t.making, t.baseline FROM rechecks r "
            "LEFT JOIN recheck_texts t ON t.post = r.post AND t.checks IS r.checks"
        )
        marks = {}
        for post, last, due, outcome, checks, making, baseline in rows:
            text = _unpacked(baseline)
            if baseline is not None and text is None:  # a blob that cannot be read: what it was made by is moot
                making = None
            marks[post] = RecheckMark(post, as_datetime(last), as_datetime(due), outcome or "", checks or 0, making or "",
                                      text)  # fmt: skip
        return marks

    def post_making(self, relative: str) -> str:
        """Which code and settings made the text of the post at `relative` (ingest/making.py); "" where not known."""
        row = self.db.execute("SELECT making FROM posts WHERE path = ?", (relative,)).fetchone()
        return (row[0] or "") if row else ""

    def record_rechecks(self, marks: Iterable[RecheckMark]) -> None:
        """Record a run's rechecks in one transaction."""
        marks = list(marks)
        rows = [(m.post, _iso(m.last_checked), _iso(m.next_due), m.outcome, m.checks) for m in marks]
        texts = [(m.post, m.checks, m.making, _packed(m.baseline)) for m in marks if m.making]
        self.db.execute("BEGIN")
        try:
            self.db.executemany("INSERT OR REPLACE INTO rechecks VALUES (?, ?, ?, ?, ?)", rows)
            self.db.executemany("DELETE FROM recheck_texts WHERE post = ?", [(m.post,) for m in marks if not m.making])
            self.db.executemany("INSERT OR REPLACE INTO recheck_texts VALUES (?, ?, ?, ?)", texts)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def sync_revisions(self) -> int:
        """Bring the revisions table in line with the event files under _revisions/ (new, changed, removed);
        returns how many files were read or forgotten."""
        from newsmirror.archive.revisions import parse_event, scan_records

        known = {row[0]: row[1] for row in self.db.execute("SELECT path, mtime_ns FROM revisions")}
        on_disk = scan_records(self.archive.root)
        rows = []
        for relative, (mtime, _size) in on_disk.items():
            if known.get(relative) == mtime:
                continue
            try:
                event = parse_event((self.archive.root / relative).read_text(encoding="utf-8"), relative)
            except (OSError, UnicodeDecodeError, PostFormatError):
                continue  # doctor names it; it counts for nothing
            rows.append((relative, mtime, event.post, event.kind, _iso(event.date)))
        gone = [(p,) for p in known if p not in on_disk]
        if rows or gone:
            self.db.execute("BEGIN")
            try:
                self.db.executemany("INSERT OR REPLACE INTO revisions VALUES (?, ?, ?, ?, ?)", rows)
                self.db.executemany("DELETE FROM revisions WHERE path = ?", gone)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return len(rows) + len(gone)

    def revision_counts(self) -> dict[str, RevisionCounts]:
        """Edits and deletions per source (the posts' source; a post no longer in the archive counts for none)."""
        source_of_name = {
            path.rsplit("/", 1)[-1]: source or "" for path, source in self.db.execute("SELECT path, source FROM posts")
        }
        counts: dict[str, RevisionCounts] = {}
        last_state: dict[str, str] = {}
        edited: dict[str, int] = {}
        for post, kind in self.db.execute("SELECT post, kind FROM revisions ORDER BY post, path"):
            if kind == "edited":
                edited[post] = edited.get(post, 0) + 1
            else:
                last_state[post] = kind
        for post in set(edited) | set(last_state):
            if post not in source_of_name:
                continue
            entry = counts.setdefault(source_of_name[post], RevisionCounts())
            if post in edited:
                entry.edited_posts += 1
                entry.versions += edited[post]
            if last_state.get(post) == "deleted":
                entry.deleted += 1
        return counts

    # -- HTTP validators --------------------------------------------------------------------------------------

    def validators(self, url: str) -> tuple[Validators, str | None]:
        row = self.db.execute("SELECT etag, last_modified, body_hash FROM http WHERE url = ?", (url,)).fetchone()
        if row is None:
            return Validators(), None
        return Validators(etag=row[0] or "", last_modified=row[1] or ""), row[2]

    def save_validators(self, url: str, validators: Validators, body_hash: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO http VALUES (?, ?, ?, ?, ?)",
            (url, validators.etag, validators.last_modified, body_hash, datetime.now(UTC).isoformat()),
        )

    def all_validators(self) -> dict[str, Validators]:
        """The validators last saved for every URL."""
        rows = self.db.execute("SELECT url, etag, last_modified FROM http")
        return {url: Validators(etag=etag or "", last_modified=modified or "") for url, etag, modified in rows}

    # -- mirrored images (see newsmirror.ingest.media) --------------------------------------------------------

    def image_path(self, url: str) -> str | None:
        """The archive-relative path of the copy last stored for the image at `url` (the file may be gone)."""
        row = self.db.execute("SELECT path FROM images WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def remember_image(self, url: str, path: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO images VALUES (?, ?)", (url, path))

    # -- source health ----------------------------------------------------------------------------------------

    def record_outcome(self, source: str, when: datetime, error: str | None, not_modified: bool) -> None:
        """One statement, so one commit a source: a run of 200 unchanged feeds does 200 small writes, not 400."""
        stamp = when.astimezone(UTC).isoformat()
        if error:
            self.db.execute(
                "INSERT INTO health (source, last_error, last_error_at, consecutive_failures, fetch_count, failing_since)"
                " VALUES (?, ?, ?, 1, 1, ?) ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error,"
                " last_error_at = excluded.last_error_at, consecutive_failures = consecutive_failures + 1,"
                " fetch_count = fetch_count + 1, failing_since = COALESCE(failing_since, excluded.failing_since)",
                (source, error, stamp, stamp),
            )
        else:
            self.db.execute(
                "INSERT INTO health (source, last_success, consecutive_failures, fetch_count, last_not_modified,"
                " not_modified_count) VALUES (?, ?, 0, 1, ?, ?) ON CONFLICT (source) DO UPDATE SET"
                " last_success = excluded.last_success, consecutive_failures = 0, fetch_count = fetch_count + 1,"
                " failing_since = NULL, last_not_modified = COALESCE(excluded.last_not_modified, last_not_modified),"
                " not_modified_count = not_modified_count + excluded.not_modified_count",
                (source, stamp, stamp if not_modified else None, int(not_modified)),
            )

    # -- RSSHub instances and list pages (see newsmirror.ingest.kinds, operations.fetch) -------------------------

    def rsshub_instance(self, route: str) -> tuple[str, datetime | None]:
        """The instance that last served `route` ("rsshub:/…"), and when; ("", None) when none did."""
        row = self.db.execute("SELECT instance, answered_at FROM rsshub WHERE route = ?", (route,)).fetchone()
        return (row[0], as_datetime(row[1])) if row else ("", None)

    def remember_rsshub_instance(self, route: str, instance: str, when: datetime) -> None:
        self.db.execute("INSERT OR REPLACE INTO rsshub VALUES (?, ?, ?)", (route, instance, when.astimezone(UTC).isoformat()))

    def page_record(self, source: str) -> PageRecord | None:
        row = self.db.execute(
            "SELECT entries, usual, settings, changed, checked_at FROM pages WHERE source = ?", (source,)
        ).fetchone()
        return PageRecord(row[0] or 0, row[1] or 0, row[2] or "", row[3] or "", row[4]) if row else None

    def record_page(self, source: str, record: PageRecord) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)",
            (source, record.entries, record.usual, record.settings, record.changed, record.checked_at),
        )

    def page_records(self) -> dict[str, PageRecord]:
        rows = self.db.execute("SELECT source, entries, usual, settings, changed, checked_at FROM pages")
        return {row[0]: PageRecord(row[1] or 0, row[2] or 0, row[3] or "", row[4] or "", row[5]) for row in rows}

    def health(self) -> dict[str, SourceHealth]:
        rows = self.db.execute(
            "SELECT source, last_success, last_error, last_error_at, consecutive_failures, last_not_modified,"
            " not_modified_count, fetch_count, failing_since FROM health"
        )
        return {row[0]: SourceHealth(*row) for row in rows}

    def record_run(self, started: datetime, finished: datetime, report: dict) -> None:
        """Keep the reports of the last RUNS_KEPT runs: a 200-source report is ~40 KB, and an hourly job kept
        every one would carry ~350 MB a year in its cache."""
        self.db.execute("BEGIN")
        try:
            self.db.execute(
                "INSERT INTO runs (started, finished, report) VALUES (?, ?, ?)",
                (started.isoformat(), finished.isoformat(), json.dumps(report, ensure_ascii=False)),
            )
            self.db.execute("DELETE FROM runs WHERE id <= (SELECT MAX(id) FROM runs) - ?", (RUNS_KEPT,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise


@contextmanager
def locked_state(archive: Archive, wait: float = 0.0, sync: bool = True) -> Iterator[State]:
    """What every command that writes to the archive starts with: the archive lock, a sweep of the temporary files
    a killed run left, and the state cache in line with the posts (with sync=False, the caller calls ensure_synced
    before it reads posts or keys). A lock or cache that cannot be opened (read-only or full disk) is a one-line
    ArchiveError; another run holding the lock is a LockedError."""
    with ExitStack() as stack:
        try:
            lock = stack.enter_context(ArchiveLock(archive, wait=wait))
        except OSError as exc:
            raise ArchiveError(f"cannot lock the archive {archive.root}: {exc.strerror or exc}") from None
        try:
            state = State.open(archive)
        except (OSError, sqlite3.Error) as exc:
            raise ArchiveError(f"cannot open the state cache in {archive.state_dir}: {exc}") from None
        stack.callback(state.close)
        if lock.last_holder_died:  # we hold the lock: none of those files belongs to a write in progress
            archive.remove_stale_temporary_files()
        if sync:
            state.sync_with_disk()
        yield state


# pragma: no mutate end
