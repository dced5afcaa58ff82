"""What `newsmirror sources …` shows: the sources, the checks, what an edit did, the exported file."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsmirror.cli.output import print_json, print_table

if TYPE_CHECKING:
    from newsmirror.config import SourceConfig
    from newsmirror.operations.sources import CheckResult, ImportedSources


def print_sources(out: Console, sources: list[SourceConfig], as_json: bool) -> None:
    if as_json:
        print_json([{"name": s.name, "url": s.url, "enabled": s.enabled} for s in sources])
        return
    table = Table("name", "url", "enabled", "category", "full text")
    for s in sources:
        table.add_row(escape(s.name), escape(s.url), "yes" if s.enabled else "no", escape(s.category or s.name), s.fulltext)
    print_table(out, table)


def print_checks(out: Console, results: list[CheckResult], as_json: bool) -> None:
    if as_json:
        print_json([asdict(r) for r in results])
        return
    table = Table("source", "kind", "status", "items", "newest", "time")
    for r in results:
        status = "[green]ok[/]" if r.ok else f"[red]{escape(r.error or '')}[/]"
        table.add_row(escape(r.name), r.kind, status, str(r.items), r.newest or "—", f"{r.seconds:.1f} s")
    print_table(out, table)
    for r in results:
        if r.ok:
            print_entries(out, r)


SHOWN_ENTRIES = 20  # per source; --json lists them all


def print_entries(out: Console, result: CheckResult) -> None:
    """The entries `fetch` would write for one source, newest first: date, title, address."""
    served = f" (from {escape(result.served_by)})" if result.served_by else ""
    out.print(f"\n[bold]{escape(result.name)}[/]{served}: {len(result.entries)} entries", highlight=False)
    for warning in result.warnings:
        out.print(f"  [yellow]warning[/] {escape(warning)}", highlight=False)
    for entry in result.entries[:SHOWN_ENTRIES]:
        out.print(f"  {entry.date or '(no date)':16}  {escape(entry.title)}  [dim]{escape(entry.link)}[/]", highlight=False)
    if len(result.entries) > SHOWN_ENTRIES:
        out.print(f"  … and {len(result.entries) - SHOWN_ENTRIES} more (--json lists them all)", highlight=False)


def print_added(out: Console, name: str) -> None:
    out.print(f"Added {escape(name)}.")


def print_removed(out: Console, name: str) -> None:
    out.print(f"Removed {escape(name)}; its posts stay in the archive.")


def print_imported(out: Console, imported: ImportedSources) -> None:
    out.print(f"Imported {len(imported.added)} sources ({imported.present} already present).")


def write_export(text: str, path: Path | None) -> None:
    """The exported sources into `path`, or onto standard output."""
    if path:
        path.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
