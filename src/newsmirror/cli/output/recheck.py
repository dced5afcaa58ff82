"""What `newsmirror recheck` shows: one line per edited or deleted article, the counts, the failed checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import print_json

if TYPE_CHECKING:
    from newsmirror.operations.fetch import RunReport
    from newsmirror.operations.recheck import RecheckReport


def print_recheck_report(out: Console, err: Console, report: RecheckReport, as_json: bool, summary: bool = True) -> None:
    """The outcomes (or, as JSON, the list of {url, post, status, evidence}); warnings and failed checks on stderr;
    `summary=False`: those only."""
    if as_json:
        print_json([o.to_dict() for o in report.outcomes])
    elif summary:
        for outcome in report.outcomes:
            if outcome.status == "edited":
                out.print(f"[yellow]edited[/]  {escape(outcome.post)} (version {outcome.evidence.get('version', '?')})", highlight=False)
            elif outcome.status == "deleted":
                out.print(f"[red]deleted[/] {escape(outcome.post)}: {escape(outcome.evidence.get('reason', ''))}", highlight=False)
        later = f", {report.later} left for the next run (budget)" if report.later else ""
        out.print(
            f"recheck: {len(report.outcomes) + len(report.failures)} of {report.due} due articles revisited{later}: "
            f"{report.count('unchanged')} unchanged, {report.count('edited')} edited, {report.count('deleted')} deleted, "
            f"{len(report.failures)} failed; {report.requests} requests, {report.bytes:,} bytes",
            highlight=False,
        )
    for line in report.warnings:
        err.print(f"[yellow]warning[/] {escape(line)}", highlight=False)
    for line in report.failures:
        err.print(f"[yellow]not checked[/] {escape(line)}", highlight=False)


def print_fetch_and_recheck(out: Console, err: Console, fetched: RunReport, rechecked: RecheckReport, as_json: bool) -> None:
    """`fetch --recheck`: the fetch report, then the recheck's; as JSON one object, the outcomes under "recheck"."""
    from newsmirror.cli.output.fetch import print_fetch_report

    if as_json:
        print_json({**fetched.to_dict(), "recheck": [o.to_dict() for o in rechecked.outcomes]})
        print_recheck_report(out, err, rechecked, as_json=False, summary=False)
        return
    print_fetch_report(out, err, fetched, as_json)
    print_recheck_report(out, err, rechecked, as_json)
