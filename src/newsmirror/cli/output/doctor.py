"""What `newsmirror doctor` shows: each finding with what to do about it, then the counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import print_json

if TYPE_CHECKING:
    from newsmirror.operations.doctor import DoctorReport


def print_doctor_report(out: Console, report: DoctorReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    for f in report.findings:
        style = "red" if f.severity == "error" else "yellow"
        out.print(f"[{style}]{f.severity}[/] {escape(f.path)}: {escape(f.problem)}\n  → {escape(f.fix)}", highlight=False)
    for source, counts in sorted(report.revisions.items()):
        out.print(f"{escape(source)}: {counts['edited']} articles edited at the source ({counts['versions']} later "
                  f"versions kept), {counts['deleted']} deleted there", highlight=False)  # fmt: skip
    out.print(f"Checked {report.checked_posts} posts: {len(report.errors)} errors, "
              f"{len(report.warnings)} warnings.", highlight=False)  # fmt: skip
