"""The end-of-run report: the table for logs lines up, whatever the scripts in the source names."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.cells import cell_len
from rich.console import Console

from newsmirror.cli.output.fetch import plain_table
from newsmirror.cli.output.fetch import print_fetch_report as print_report
from newsmirror.operations.fetch import RunReport, SourceReport


def _report() -> RunReport:
    report = RunReport(started=datetime(2026, 11, 26, tzinfo=UTC))
    report.sources = [
        SourceReport(name="大纪元", url="http://a/", status="ok", new=12, existing=3, seconds=1.25),
        SourceReport(name="BBC", url="http://b/", status="not_modified", existing=0, seconds=0.04),
        SourceReport(name="自由亞洲電台 RFA", url="http://c/", status="error", errors=["HTTP 500"], seconds=3.0),
    ]
    return report


def test_plain_table_columns_line_up_in_display_cells():
    title, header, rule, *rows = plain_table(_report()).splitlines()
    assert title == "newsmirror fetch: 12 new posts"
    assert header.split() == ["source", "status", "new", "already", "had", "filtered", "errors", "time"]
    assert set(rule) == {"-", " "} and len(rows) == 3
    # CJK characters are two cells wide: lines are equally wide on screen, not in characters.
    assert len({cell_len(line) for line in (header, rule, *rows)}) == 1
    status_column = cell_len(header[: header.index("status")])
    for row, status in zip(rows, ("ok", "not modified", "error"), strict=True):
        assert cell_len(row[: row.index(status)]) == status_column
    assert rows[0].split()[-6:] == ["12", "3", "0", "0", "1.2", "s"]
    assert rows[2].split()[-5:-2] == ["0", "0", "1"]


def test_a_terminal_gets_the_rich_table_and_a_log_the_plain_one():
    log = io.StringIO()
    print_report(Console(file=log), Console(file=io.StringIO()), _report(), as_json=False)
    assert log.getvalue() == plain_table(_report()) + "\n"
    terminal = io.StringIO()
    print_report(Console(file=terminal, force_terminal=True, width=120), Console(file=io.StringIO()), _report(), False)
    assert "┃" in terminal.getvalue() or "│" in terminal.getvalue()
    assert "大纪元" in terminal.getvalue()


def test_control_characters_in_a_name_do_not_break_the_log():
    report = _report()
    report.sources[1].name = "BBC\n\x1b[31m红"
    lines = plain_table(report).splitlines()
    assert len(lines) == 6 and "\x1b" not in "".join(lines)
    assert len({cell_len(line) for line in lines[1:]}) == 1
