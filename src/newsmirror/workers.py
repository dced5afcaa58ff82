"""CPU-heavy work on third-party input (parsing, sanitizing, extracting) in worker processes, one call at a time
per worker, each with a time limit.

A worker process, not a thread: nh3 and lxml run native code that no thread can interrupt, and one crafted item
(100,000 nested <div>s take nh3 minutes) must cost its time limit, not the hourly run. A worker that overruns is
killed and replaced; the others go on. The pool starts on first use: a run whose feeds all answer 304 starts none.
Workers are started with "spawn": forking a process that has threads (the event loop's resolver threads) can leave
the child holding a lock that no thread will release.

The parent's end of each worker's socket is non-blocking and read and written by the event loop: a job or an answer
of megabytes (a whole feed, its parsed items) passes while the loop goes on with the other sources' requests and
writes, instead of the loop waiting in write() until the worker has taken it all, or in read() while the worker
is still sending. The frames are multiprocessing's (a 4-byte length, then the pickle), which the worker reads and
writes with an ordinary Connection.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import socket
import struct
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

from newsmirror.models import SourceProblem


class TimeLimitExceeded(SourceProblem):
    """A call ran past its time limit; its worker was killed."""


class WorkerCrashed(SourceProblem):
    """The worker died during the call (killed from outside, out of memory, a crash in native code)."""


def _serve(connection: Connection) -> None:
    """The worker's loop: receive (function, args, kwargs), send back ("ok", result) or ("error", exception)."""
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        function, args, kwargs = job
        try:
            reply = ("ok", function(*args, **kwargs))
        except Exception as exc:  # sent back and raised in the caller, where it is reported
            reply = ("error", exc)
        try:
            connection.send(reply)
        except Exception:  # an exception or result that cannot be pickled: say what it was
            connection.send(("error", RuntimeError(traceback.format_exception_only(reply[1])[-1].strip())))


def _frame(data: bytes) -> bytes:
    """multiprocessing.Connection's framing of one message (what the worker's Connection reads)."""
    if len(data) > 0x7FFFFFFF:
        return struct.pack("!i", -1) + struct.pack("!Q", len(data)) + data
    return struct.pack("!i", len(data)) + data


class _Worker:
    def __init__(self, context: multiprocessing.context.SpawnContext):
        self.socket, child = socket.socketpair()
        child_connection = Connection(child.detach())
        self.process = context.Process(target=_serve, args=(child_connection,), daemon=True, name="newsmirror-worker")
        self.process.start()
        child_connection.close()
        self.socket.setblocking(False)

    async def call(self, function: Callable, args: tuple, kwargs: dict, limit: float) -> tuple[str, Any]:
        """Send the job and wait for the answer, both in the event loop, until the answer is in or the limit passes."""
        loop = asyncio.get_running_loop()
        job = _frame(bytes(ForkingPickler.dumps((function, args, kwargs))))
        try:
            async with asyncio.timeout(limit):
                await loop.sock_sendall(self.socket, job)
                header = await self._receive(loop, 4)
                (size,) = struct.unpack("!i", header)
                if size == -1:
                    (size,) = struct.unpack("!Q", await self._receive(loop, 8))
                reply = await self._receive(loop, size)
            return pickle.loads(reply)
        except TimeoutError:
            self.kill()
            raise TimeLimitExceeded(f"took longer than {limit:g} s") from None
        except (EOFError, OSError):
            self.kill()
            raise WorkerCrashed(f"the worker process died (exit code {self.process.exitcode})") from None

    async def _receive(self, loop: asyncio.AbstractEventLoop, size: int) -> bytearray:
        """Exactly `size` bytes from the worker; EOFError when it closed its end (it died)."""
        buffer = bytearray(size)
        view, done = memoryview(buffer), 0
        while done < size:
            got = await loop.sock_recv_into(self.socket, view[done:])
            if not got:
                raise EOFError
            done += got
        return buffer

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.socket.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive() and self.socket.fileno() != -1


class WorkerPool:
    """`await pool.run(function, *args, limit=seconds, **kwargs)`: `function` must be importable by name (a
    module-level function) and its arguments and result picklable. Use as a context manager, or call close()."""

    def __init__(self, size: int | None = None, limit: float = 10.0):
        self.size = max(1, size or min(4, os.cpu_count() or 1))
        self.limit = limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []
        self._started = 0
        self._free: asyncio.Semaphore | None = None

    async def run(self, function: Callable, *args: Any, limit: float | None = None, **kwargs: Any) -> Any:
        if self._free is None:
            self._free = asyncio.Semaphore(self.size)
        async with self._free:
            worker = self._idle.pop() if self._idle else None
            if worker is None or not worker.alive:
                worker = await asyncio.to_thread(_Worker, self._context)
            try:
                status, value = await worker.call(function, args, kwargs, self.limit if limit is None else limit)
            except asyncio.CancelledError:
                worker.kill()  # it may still be busy with the call: never hand it out again
                raise
            self._idle.append(worker)
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        workers, self._idle = self._idle, []
        for worker in workers:
            worker.socket.close()  # the worker's recv() ends and it exits
        for worker in workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.kill()

    async def __aenter__(self) -> WorkerPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.close)
