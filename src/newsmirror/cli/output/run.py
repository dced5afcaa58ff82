"""What `newsmirror run` shows: its log, a line per run, on standard error as each line comes."""

from __future__ import annotations

import sys


def echo_log_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
