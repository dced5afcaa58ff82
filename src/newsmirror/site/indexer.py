"""A Pagefind process that loads the Japanese word segmenter while the build parses and renders, then indexes the
bundle of posts with kana, driven through `pagefind --service`.

A run of the `pagefind` command must be given every page when it starts, and a run over pages with kana first loads
lindera's Japanese dictionary: ~1.2–1.5 s and ~280 MB here even for one page with one "の", longer than the run over
100 new real posts without kana (37 of the 5,685 real posts hold kana: about every other hourly lot of 100 has
one). The service mode takes its pages later: started when the build starts, the process loads the dictionary on a
scratch document (never written) meanwhile, and once the pages are on disk it indexed the kana bundle of an hourly
build in 0.05 s instead of 1.5 s. The other bundles stay with the `pagefind` command (site/search.py): on the same
99 real pages without kana, the service took 1.1–1.2 s of which 0.8 s writing, the command 0.8–1.4 s, its Chinese
dictionary (~0.3 s) loaded or not.

The protocol is that of Pagefind's own Python and Node clients (messages of base64 JSON, each ended by a comma;
each answer names its message). The `pagefind` package's client is not used: it reads each answer 100 ms after the
one before (pagefind/service/__init__.py, `_wait_for_responses`) and needs an asyncio loop the build has none of.
Whatever goes wrong with the service (it dies, refuses, answers outside the protocol or not within ANSWER_WITHIN
seconds) raises IndexerError, and the bundle is then indexed by the command (site/search.py); the build report
warns with the reason (BuildReport.warnings), as the head start is lost.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import IO, Any

# A scratch document with kana: segmenting it loads the Japanese dictionary (and the Chinese one).
_WARM_UP = '<html lang="zh"><body><p>预先载入分词词典 の 辞書</p></body></html>'
LANGUAGE = "zh"  # every page is indexed as Chinese (kana still go to the Japanese segmenter)
ANSWER_WITHIN = 600.0  # seconds for one answer: a 500-post bundle with kana takes ~6 s here
_LIVE: weakref.WeakSet[Indexer] = weakref.WeakSet()  # the services of this process, for _close_in_child


class IndexerError(Exception):
    """Pagefind refused, died or did not answer; str() is one line."""


def pagefind_executable() -> list[str]:
    """The Pagefind binary, found as the pagefind package finds it, run directly: `python -m pagefind` only finds it
    and execs it, and that Python start cost 0.3–0.5 s wall and ~0.24 s CPU of every run here (`--version` timed 5
    times each way), beside runs of ~1 s over 100 new real posts."""
    found = _pagefind_binary()
    return [str(found)] if found else [sys.executable, "-m", "pagefind"]  # the module then says what is missing


def _pagefind_binary() -> Path | None:
    """pagefind.service.get_executable's lookup, in its order: PAGEFIND_BINARY_PATH, the pagefind[extended] wheel's
    binary (with CJK segmentation), the plain wheel's, then PATH. Restated because importing pagefind.service
    imports asyncio, and the first Pagefind run of an hourly build waited for it: 50–70 ms from the index thread's
    start to the run (the import contends with the lists rendered meanwhile), 5–10 ms without it."""
    given = os.environ.get("PAGEFIND_BINARY_PATH")
    if given is not None:
        return Path(given)
    for wheel in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            return import_module(wheel).get_executable()
        except ImportError:
            continue
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


def pagefind_environment() -> dict[str, str]:
    """The environment of every Pagefind process: without the PAGEFIND_* settings the `pagefind` command would read
    (the service reads none), so that a bundle is the same whichever indexed it. PAGEFIND_BINARY_PATH stays: it
    only says which binary runs."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_") or k == "PAGEFIND_BINARY_PATH"}


@dataclass(eq=False)
class Indexer:
    """A `pagefind --service` process, loading the Japanese dictionary from its start."""

    process: subprocess.Popen[bytes]
    errors: IO[bytes]  # its stderr, for the reason it gives when it dies
    _sent: int = 0
    _buffer: bytearray = field(default_factory=bytearray)
    _looked: int = 0  # how far _buffer holds no comma
    _answers: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def start(cls) -> Indexer:
        """Start the process and have it load its dictionaries: the scratch document goes to the process's first
        index, number 0, without waiting for NewIndex to say so (Pagefind 1.5 numbers its indexes from 0; were it
        another, Pagefind would answer an error nothing waits for, and only the head start would be lost)."""
        errors = tempfile.TemporaryFile()  # noqa: SIM115 (kept open with the process, closed by close())
        try:
            process = subprocess.Popen(
                [*pagefind_executable(), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                env=pagefind_environment(),
            )  # fmt: skip
        except OSError as exc:
            errors.close()
            raise IndexerError(f"cannot start pagefind: {exc}") from None
        indexer = cls(process, errors)
        _LIVE.add(indexer)
        try:
            indexer._send({"type": "NewIndex", "config": {"force_language": LANGUAGE}})
            indexer._send({"type": "AddFile", "index_id": 0, "url": "/", "file_path": None, "file_contents": _WARM_UP})
        except IndexerError:
            pass  # it died at once: index() says why
        return indexer

    def index(self, pages: Path, output: Path) -> int:
        """Index the pages under `pages` (their URLs are their paths there, as with `pagefind --site`) into the
        bundle `output`; returns how many pages it indexed (none is an error, as it is for the command).

        The bundle's files are asked for (GetFiles) and written here, not by the service (WriteFiles): it answers
        WriteFiles before every file it wrote is whole, and a file it was writing was found truncated or empty
        after it ended, killed (1 of 15 runs here) or at the end of its input (1 of 30); the command, 0 of 30."""
        made = self._expect(self._send({"type": "NewIndex", "config": {"force_language": LANGUAGE}}), "NewIndex")
        index_id = made.get("index_id")
        if not isinstance(index_id, int):
            raise IndexerError("pagefind answered outside its protocol")
        added = self._send({"type": "AddDir", "index_id": index_id, "path": str(pages), "glob": None})
        files = self._send({"type": "GetFiles", "index_id": index_id})
        count = self._expect(added, "IndexedDir").get("page_count")
        if not isinstance(count, int) or count < 1:
            raise IndexerError("Pagefind indexed no page")
        _write_bundle(output, self._expect(files, "GetFiles").get("files"))
        return count

    def kill(self) -> None:
        """Stop the process, leaving its pipes to the thread that may be reading them (it gets an IndexerError)."""
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> None:
        """Stop the process (it may be dead already) and let go of its pipes."""
        _LIVE.discard(self)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout, self.errors):
            with contextlib.suppress(OSError, AttributeError):  # stdin's last bytes cannot reach a dead process
                pipe.close()  # type: ignore[union-attr]

    def _send(self, payload: dict[str, Any]) -> int:
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload}).encode("utf-8")
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
            self.process.stdin.flush()
        except (OSError, ValueError):  # ValueError: closed
            raise IndexerError(self._exited()) from None
        return self._sent

    def _expect(self, message_id: int, kind: str) -> dict[str, Any]:
        """The answer to message `message_id`, which must be of `kind` (an Error answer gives its message)."""
        answer = self._answer(message_id)
        if answer.get("type") == "Error":
            raise IndexerError(_one_line(answer.get("message")))
        if answer.get("type") != kind:
            raise IndexerError("pagefind answered outside its protocol")
        return answer

    def _answer(self, message_id: int) -> dict[str, Any]:
        """The answer to message `message_id`, waited for up to ANSWER_WITHIN seconds (answers to other messages are
        kept on the way)."""
        assert self.process.stdout is not None
        late = threading.Event()

        def give_up() -> None:
            late.set()
            self.process.kill()

        timer = threading.Timer(ANSWER_WITHIN, give_up)
        timer.start()
        try:
            while message_id not in self._answers:
                end = self._buffer.find(b",", self._looked)
                if end >= 0:
                    message = bytes(self._buffer[:end])
                    del self._buffer[: end + 1]
                    self._looked = 0
                    self._take(message)
                    continue
                self._looked = len(self._buffer)  # a bundle's files come as one answer of megabytes
                try:
                    more = os.read(self.process.stdout.fileno(), 1 << 20)
                except (OSError, ValueError):  # ValueError: closed by the build's way out (kill)
                    more = b""
                if not more:
                    raise IndexerError(f"pagefind did not answer within {ANSWER_WITHIN:g} s" if late.is_set() else self._exited())
                self._buffer += more
        finally:
            timer.cancel()
        return self._answers.pop(message_id)

    def _take(self, message: bytes) -> None:
        """Keep an answer by the number of the message it answers. An error about a message Pagefind could not
        read names it only in `original_message`; one that names none cannot be matched, and nothing would
        answer the message waited for."""
        try:
            answer = json.loads(base64.b64decode(message))
        except ValueError:
            answer = None
        payload = answer.get("payload") if isinstance(answer, dict) else None
        if not isinstance(answer, dict) or not isinstance(payload, dict):
            raise IndexerError("pagefind answered outside its protocol")
        answered = answer.get("message_id")
        if not isinstance(answered, int):
            answered = _original_id(payload)
        if answered is None:
            raise IndexerError(f"pagefind could not read a message: {_one_line(payload.get('message'))}")
        self._answers[answered] = payload

    def _exited(self) -> str:
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "pagefind stopped answering"
        with contextlib.suppress(OSError, ValueError):
            self.errors.seek(0)
        try:
            said = [line for line in self.errors.read().decode("utf-8", "replace").splitlines() if line.strip()]
        except (OSError, ValueError):
            said = []
        return f"pagefind exited with status {status}" + (f": {_one_line(said[-1])}" if said else "")


def _write_bundle(output: Path, files: object) -> None:
    """The bundle's files, as GetFiles gives them ({path, content in base64}), under `output`: each path must lie
    inside it."""
    if not isinstance(files, list) or not files:
        raise IndexerError("pagefind answered outside its protocol")
    for file in files:
        if not isinstance(file, dict) or not isinstance(file.get("path"), str) or not isinstance(file.get("content"), str):
            raise IndexerError("pagefind answered outside its protocol")
        relative = Path(file["path"])
        if relative.is_absolute() or not relative.parts or ".." in relative.parts:
            raise IndexerError(f"pagefind named a file outside its bundle: {_one_line(file['path'])}")
        try:
            data = base64.b64decode(file["content"], validate=True)
        except ValueError:
            raise IndexerError("pagefind answered outside its protocol") from None
        target = output.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _original_id(payload: dict[str, Any]) -> int | None:
    try:
        sent = json.loads(payload.get("original_message") or "null")
    except (ValueError, TypeError):
        return None
    answered = sent.get("message_id") if isinstance(sent, dict) else None
    return answered if isinstance(answered, int) else None


def _one_line(message: object) -> str:
    return " ".join(str(message or "an error").split())[:300]


def _close_in_child() -> None:
    """In a process forked from the build (its worker pool): let go of the services' pipes, which would otherwise
    keep a service alive after the build is killed (it ends when its stdin closes). Each is replaced by /dev/null,
    so that the number stays taken while the child's copies of the pipe objects exist."""
    if not _LIVE:
        return
    null = os.open(os.devnull, os.O_RDWR)
    for indexer in list(_LIVE):
        for pipe in (indexer.process.stdin, indexer.process.stdout):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(null, pipe.fileno())  # type: ignore[union-attr]
    os.close(null)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)
