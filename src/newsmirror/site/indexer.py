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
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A scratch document with kana: segmenting it loads the Japanese dictionary (and the Chinese one).
_WARM_UP = '<html lang="zh"><body><p>预先载入分词词典 の 辞書</p></body></html>'
LANGUAGE = "zh"  # every page is indexed as Chinese (kana still go to the Japanese segmenter)


class IndexerError(Exception):
    """Pagefind refused or died; str() is one line."""


def pagefind_executable() -> list[str]:
    """The Pagefind binary, as the pagefind package finds it (PAGEFIND_BINARY_PATH, else the pagefind[extended]
    wheel's, with CJK segmentation), run directly: `python -m pagefind` only finds it and execs it, and that Python
    start cost 0.3–0.5 s wall and ~0.24 s CPU of every run here (`--version` timed 5 times each way), beside runs of
    1.2–1.5 s over 100 new real posts."""
    from pagefind.service import get_executable  # imports asyncio (~60 ms): only in builds that index

    found = get_executable()
    return [str(found)] if found else [sys.executable, "-m", "pagefind"]  # the module then says what is missing


@dataclass
class Indexer:
    """A `pagefind --service` process, loading the Japanese dictionary from its start."""

    process: subprocess.Popen[bytes]
    _sent: int = 0
    _buffer: bytes = b""
    _answers: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def start(cls) -> Indexer:
        """Start the process and have it load its dictionaries: the scratch document goes to the process's first
        index, number 0, without waiting for NewIndex to say so (were it another, Pagefind would answer an error
        nothing waits for, and only the head start would be lost)."""
        process = subprocess.Popen(
            [*pagefind_executable(), "--service"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        indexer = cls(process)
        indexer._send({"type": "NewIndex", "config": {"force_language": LANGUAGE}})
        indexer._send({"type": "AddFile", "index_id": 0, "url": "/", "file_path": None, "file_contents": _WARM_UP})
        return indexer

    def index(self, pages: Path, output: Path) -> None:
        """Index the pages under `pages` (their URLs are their paths there, as with `pagefind --site`) into the
        bundle `output`."""
        index_id = int(self._answer(self._send({"type": "NewIndex", "config": {"force_language": LANGUAGE}}))["index_id"])
        added = self._send({"type": "AddDir", "index_id": index_id, "path": str(pages), "glob": None})
        written = self._send({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
        self._answer(added)
        self._answer(written)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def _send(self, payload: dict[str, Any]) -> int:
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload}).encode("utf-8")
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
            self.process.stdin.flush()
        except OSError:
            raise IndexerError(self._exited()) from None
        return self._sent

    def _answer(self, message_id: int) -> dict[str, Any]:
        """The answer to message `message_id` (answers to earlier messages are read on the way)."""
        assert self.process.stdout is not None
        while message_id not in self._answers:
            end = self._buffer.find(b",")
            if end < 0:
                try:
                    more = os.read(self.process.stdout.fileno(), 1 << 16)
                except OSError:
                    more = b""
                if not more:
                    raise IndexerError(self._exited())
                self._buffer += more
                continue
            message, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
            self._take(message)
        payload = self._answers.pop(message_id)
        if payload.get("type") == "Error":
            raise IndexerError(_one_line(payload.get("message")))
        return payload

    def _take(self, message: bytes) -> None:
        """Keep an answer by the number of the message it answers. One that names none is Pagefind failing to read
        a message: nothing would answer the one waited for."""
        try:
            answer = json.loads(base64.b64decode(message))
        except ValueError:
            answer = None
        payload = answer.get("payload") if isinstance(answer, dict) else None
        if not isinstance(answer, dict) or not isinstance(payload, dict):
            raise IndexerError("pagefind answered outside its protocol")
        answered = answer.get("message_id")
        if not isinstance(answered, int):
            raise IndexerError(f"pagefind could not read a message: {_one_line(payload.get('message'))}")
        self._answers[answered] = payload

    def _exited(self) -> str:
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "pagefind stopped answering"
        return f"pagefind exited with status {status}"


def _one_line(message: object) -> str:
    return " ".join(str(message or "an error").split())[:300]
