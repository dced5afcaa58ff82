"""The `newsmirror` command: parses arguments, calls one function per command, prints the outcome."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsmirror import __version__
from newsmirror.archive.layout import ArchiveError
from newsmirror.archive.lock import LockedError
from newsmirror.config import (
    CONFIG_NAME,
    ConfigError,
    SourceConfig,
    load_config,
    sources_from_opml,
    sources_from_subs_json,
    sources_to_opml,
    sources_to_subs_json,
    write_sources,
)
from newsmirror.models import FetchError


# click rather than typer: typer (>= 0.2x) imports pydantic to coerce arguments, ~60 ms of every run's start.
@click.group(
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.version_option(__version__, "--version", prog_name="newsmirror", message="%(prog)s %(version)s",
                      help="Print the version.")
def app() -> None:
    """Mirror news feeds into a Jekyll-compatible archive and a fast, searchable static site."""


@app.group("sources", no_args_is_help=True)
def sources_app() -> None:
    """List, add, remove, check, import and export sources."""


console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one problem, one line: never wrapped at the terminal width

directory_option = click.option(
    "-C", "--directory", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The archive directory (default: the current one).",
)


def json_option(what: str = "the outcome"):
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON.")


def _exit(code: int) -> click.exceptions.Exit:
    return click.exceptions.Exit(code)


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _root(directory: Path | None) -> Path:
    return (directory or Path.cwd()).resolve()


def _fail(message: str, code: int = 2) -> click.exceptions.Exit:
    for line in message.splitlines():
        errors.print(f"[red]error[/] {escape(line)}", highlight=False)
    return _exit(code)


def _config(directory: Path | None):
    try:
        return load_config(_root(directory))
    except ConfigError as exc:
        raise _fail(str(exc)) from None


@app.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--title", default="newsmirror", show_default=True, help="The site's title.")
@click.option("--force/--no-force", default=False, help="Write the scaffold files again into an existing archive.")
def init(directory: Path, title: str, force: bool) -> None:
    """Create a ready archive: settings with default Chinese-language sources, and the site around the posts."""
    from newsmirror.scaffold import InitError, init_archive

    try:
        written = init_archive(directory.resolve(), title=title, force=force)
    except InitError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Created an archive in {escape(str(directory.resolve()))} ({len(written)} files).")
    console.print("Next: [bold]newsmirror fetch -C " + escape(str(directory)) + "[/]")


@app.command()
@directory_option
@click.option("--source", "-s", "source", multiple=True, help="Only this source (repeatable).")
@click.option("--proxy", default=None, help="Proxy URL (http://, socks5://); default: HTTPS_PROXY/ALL_PROXY.")
@json_option("the report")
@click.option("--wait", type=float, default=0.0, show_default=True, help="Seconds to wait for another run on this archive to finish.")
@click.option("--publish", is_flag=True, help="Then commit and push, as `newsmirror publish`.")
def fetch(
    directory: Path | None, source: tuple[str, ...], proxy: str | None, as_json: bool, wait: float, publish: bool
) -> None:
    """Fetch every enabled source and write each new article as a post."""
    from newsmirror.cli.output import RichProgress, print_report
    from newsmirror.operations.fetch import UnknownSourceError, run_fetch

    config = _config(directory)
    names = list(source) or None
    shown = names or [s.name for s in config.sources if s.enabled]
    try:
        with RichProgress(errors, shown) as progress:
            report = run_fetch(config, names=names, proxy=proxy, progress=progress, wait=wait)
    except LockedError as exc:
        raise _fail(str(exc), code=3) from None
    except FetchError as exc:  # an unusable proxy: before any request
        raise _fail(str(exc)) from None
    except ArchiveError as exc:
        raise _fail(str(exc), code=1) from None
    except UnknownSourceError as exc:
        raise _fail(str(exc)) from None
    print_report(console, errors, report, as_json)
    published_ok = _publish_and_print(config, None, as_json=False) if publish else True
    if not report.succeeded or not published_ok:
        raise _exit(1)


# ---------------------------------------------------------------------------------------------------------------
# sources


@sources_app.command("list")
@directory_option
@json_option("the sources")
def sources_list(directory: Path | None, as_json: bool) -> None:
    """List the sources."""
    config = _config(directory)
    if as_json:
        _print_json([{"name": s.name, "url": s.url, "enabled": s.enabled} for s in config.sources])
        return
    table = Table("name", "url", "enabled", "category", "full text")
    for s in config.sources:
        table.add_row(escape(s.name), escape(s.url), "yes" if s.enabled else "no", escape(s.category or s.name), s.fulltext)
    console.print(table)


@sources_app.command("add")
@click.argument("name")
@click.argument("url")
@directory_option
@click.option("--category", default="", help="Category (default: the name).")
@click.option("--tag", "tag", multiple=True, help="A tag (repeatable; default: the name).")
def sources_add(name: str, url: str, directory: Path | None, category: str, tag: tuple[str, ...]) -> None:
    """Add a source."""
    config = _config(directory)
    if config.source(name):
        raise _fail(f"{config.path}: a source named {name!r} exists already")
    try:
        write_sources(config.path, [*config.sources, SourceConfig(name=name, url=url, category=category, tags=list(tag))])
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Added {escape(name)}.")


@sources_app.command("remove")
@click.argument("name")
@directory_option
def sources_remove(name: str, directory: Path | None) -> None:
    """Remove a source (its posts stay in the archive)."""
    config = _config(directory)
    if not config.source(name):
        raise _fail(f"{config.path}: no source named {name!r}")
    write_sources(config.path, [s for s in config.sources if s.name != name])
    console.print(f"Removed {escape(name)}; its posts stay in the archive.")


@sources_app.command("check")
@click.argument("names", nargs=-1)
@directory_option
@click.option("--proxy", default=None, help="Proxy URL (http://, socks5://); default: HTTPS_PROXY/ALL_PROXY.")
@json_option("the results")
def sources_check(names: tuple[str, ...], directory: Path | None, proxy: str | None, as_json: bool) -> None:
    """Fetch and parse each source without writing anything; say which answer."""
    from newsmirror.operations.sources import check_sources

    config = _config(directory)
    chosen = [s for s in config.sources if not names or s.name in names]
    try:
        results = asyncio.run(check_sources(config, chosen, proxy=proxy))
    except FetchError as exc:  # an unusable proxy: before any request
        raise _fail(str(exc)) from None
    if as_json:
        _print_json([asdict(r) for r in results])
    else:
        table = Table("source", "status", "items", "newest", "time")
        for r in results:
            status = "[green]ok[/]" if r.ok else f"[red]{escape(r.error or '')}[/]"
            table.add_row(escape(r.name), status, str(r.items), r.newest or "—", f"{r.seconds:.1f} s")
        console.print(table)
    if chosen and not any(r.ok for r in results):
        raise _exit(1)


@sources_app.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@directory_option
def sources_import(file: Path, directory: Path | None) -> None:
    """Add the sources of a subs.json or OPML file (names already present are skipped)."""
    config = _config(directory)
    data = file.read_bytes()
    try:
        if data.lstrip()[:1] in (b"[", b"{"):
            incoming = sources_from_subs_json(data.decode("utf-8-sig"), str(file))
        else:
            incoming = sources_from_opml(data, str(file))
    except (ConfigError, UnicodeDecodeError) as exc:
        raise _fail(str(exc)) from None
    names = {s.name for s in config.sources}
    urls = {s.url for s in config.sources}
    added = [s for s in incoming if s.name not in names and s.url not in urls]
    try:
        write_sources(config.path, [*config.sources, *added])
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Imported {len(added)} sources ({len(incoming) - len(added)} already present).")


@sources_app.command("export")
@directory_option
@click.option("--format", "format", default="opml", show_default=True, help="opml or subs.json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
def sources_export(directory: Path | None, format: str, output: Path | None) -> None:
    """Write the sources as OPML or as a legacy subs.json."""
    config = _config(directory)
    if format not in ("opml", "subs.json", "subs", "json"):
        raise _fail(f"unknown format {format!r}: use opml or subs.json")
    text = sources_to_opml(config.sources, config.site.title) if format == "opml" else sources_to_subs_json(config.sources)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


# ---------------------------------------------------------------------------------------------------------------
# running for years: publish, run, rotate, import, status, doctor


def _publish_and_print(config, remotes: list[str] | None, as_json: bool) -> bool:
    from newsmirror.operations.publish import GitError, PublishError, publish_archive

    try:
        report = publish_archive(config, remotes)
    except LockedError as exc:
        raise _fail(str(exc), code=3) from None
    except (PublishError, GitError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json(report.to_dict())
    else:
        console.print(escape(report.summary()), highlight=False)
    for remote in report.failed_remotes:
        errors.print(f"[red]error[/] push to {escape(remote.name)}: {escape(remote.error or '')}", highlight=False)
    return report.succeeded


@app.command()
@directory_option
@click.option("--remote", "-r", "remote", multiple=True, help="Only this remote (repeatable).")
@json_option()
def publish(directory: Path | None, remote: tuple[str, ...], as_json: bool) -> None:
    """Commit what the runs added, pull --rebase and push to every remote (or those in [publish] remotes)."""
    if not _publish_and_print(_config(directory), list(remote) or None, as_json):
        raise _exit(1)


@app.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option("--repair", is_flag=True, help="Rewrite the posts that cannot be read into valid ones.")
@json_option("the report")
def import_(path: Path, repair: bool, as_json: bool) -> None:
    """Adopt an existing mirror (_posts/, archived/, subs.json, allurls.dat) as a newsmirror archive."""
    from newsmirror.operations.import_ import ArchiveImportError, import_archive

    try:
        report = import_archive(path, repair=repair)
    except (ArchiveImportError, ArchiveError, LockedError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json(report.to_dict())
        return
    for broken in report.broken:
        outcome = f" → repaired ({broken.repair_note})" if broken.repaired else (
            f" → {broken.repair_note}" if broken.repair_note else "")
        errors.print(f"[yellow]unreadable[/] {escape(broken.path)}: {escape(broken.reason)}{escape(outcome)}", highlight=False)
    console.print(
        f"Imported {report.posts} posts, {len(report.sources_added)} sources, {report.legacy_urls} URLs from "
        f"allurls.dat; {len(report.broken)} posts could not be read"
        + (f", {len(report.broken) - len(report.unrepaired)} repaired." if repair else
           (" (run again with --repair to fix them)." if report.broken else "."))
    )


@app.command()
@click.option("--older-than", "older_than", default="120d", show_default=True,
              help="Age of the posts to move, e.g. 120d, 8w.")
@directory_option
@click.option("--dry-run", "dry_run", is_flag=True, help="Only say what would move.")
@json_option()
def rotate(older_than: str, directory: Path | None, dry_run: bool, as_json: bool) -> None:
    """Move posts older than --older-than from _posts/ to archived/YYYY-MM-DD/ (git mv in a repository)."""
    from newsmirror.operations.rotate import parse_duration
    from newsmirror.operations.rotate import rotate as rotate_posts

    try:
        age = parse_duration(older_than, default_unit="d")
    except ValueError as exc:
        raise _fail(f"--older-than: {exc}") from None
    try:
        report = rotate_posts(_config(directory), age, dry_run=dry_run)
    except LockedError as exc:
        raise _fail(str(exc), code=3) from None
    except ArchiveError as exc:
        raise _fail(str(exc), code=1) from None
    if as_json:
        _print_json(report.to_dict())
        return
    for line in report.skipped:
        errors.print(f"[yellow]skipped[/] {escape(line)}", highlight=False)
    verb = "Would move" if dry_run else "Moved"
    console.print(f"{verb} {len(report.moved)} posts to {escape(report.folder)}/", highlight=False)


@app.command()
@directory_option
@json_option("the status")
def status(directory: Path | None, as_json: bool) -> None:
    """Per source: last success, last error and cause, failures in a row, posts in 24 h / 7 d, 304s, 30-day chart."""
    from newsmirror.archive.health import status_data
    from newsmirror.operations.status import sparkline, text_chart

    report = status_data(_config(directory))
    if as_json:
        _print_json(report.to_dict())
        return
    table = Table("source", "last success", "last error", "fails", "24 h", "7 d", "304", "30 days", title_justify="left",
                  title=f"newsmirror status ({len(report.flagged)} flagged)")
    for s in report.sources:
        name = f"[red]⚠ {escape(s.name)}[/]" if s.flagged else escape(s.name) + ("" if s.enabled else " [dim](off)[/]")
        error = escape(s.last_error or "—")
        if s.flagged:
            error = f"[red]{escape(s.flag_reason)}[/]: {error}"
        table.add_row(name, escape((s.last_success or "never")[:16].replace("T", " ")), error,
                      str(s.consecutive_failures), str(s.posts_24h), str(s.posts_7d),
                      f"{'yes' if s.answers_304 else 'no'} {s.not_modified}/{s.fetches}", sparkline(s.per_day))
    console.print(table)
    console.print("Posts per day, last 30 days:", highlight=False)
    console.print(escape(text_chart(report.days, report.per_day)), highlight=False)
    if report.unreadable_posts:
        errors.print(f"[yellow]warning[/] {report.unreadable_posts} posts cannot be read: run `newsmirror doctor`")


# ---------------------------------------------------------------------------------------------------------------
# site


@app.command()
@directory_option
@click.option("--full", is_flag=True, help="Ignore the build cache and render everything.")
@click.option("--search/--no-search", default=True, show_default=True, help="Build the Pagefind search index.")
@json_option("the build report")
def build(directory: Path | None, full: bool, search: bool, as_json: bool) -> None:
    """Render the archive (_posts/ and archived/) to _site/: pages, feeds, sitemap and full-text search."""
    from newsmirror.site.build import BuildError
    from newsmirror.site.console import build_and_report

    try:
        report = build_and_report(_config(directory), console, errors, full=full, as_json=as_json, search=search)
    except BuildError as exc:
        raise _fail(str(exc)) from None
    if report.errors and not report.posts:
        raise _exit(1)


@app.command()
@directory_option
@click.option("--port", type=int, default=4000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds between checks for changed posts.")
def serve(directory: Path | None, port: int, host: str, interval: float) -> None:
    """Build, serve _site/ locally and rebuild when posts or templates change (Ctrl-C stops)."""
    from newsmirror.site.serve import serve_site

    serve_site(_config(directory), console, errors, host=host, port=port, interval=interval)


@app.command()
@click.argument("urls", nargs=-1, required=True)
@directory_option
@click.option("--source", "-s", "source", default=None, help="Source name (default: the site's name or host).")
@click.option("--allow-private", "allow_private", is_flag=True, help="Allow loopback, private and link-local addresses.")
@click.option("--proxy", default=None, help="Proxy URL (http://, socks5://); default: HTTPS_PROXY/ALL_PROXY.")
@json_option()
@click.option("--wait", type=float, default=0.0, show_default=True, help="Seconds to wait for another run on this archive to finish.")
def add(
    urls: tuple[str, ...], directory: Path | None, source: str | None, allow_private: bool, proxy: str | None,
    as_json: bool, wait: float,
) -> None:
    """Archive article pages given by address, each as a normal post (already archived ones are reported)."""
    from newsmirror.operations.add import add_urls

    config = _config(directory)
    try:
        report = add_urls(config, list(urls), source_name=source, allow_private=allow_private, proxy=proxy, wait=wait)
    except LockedError as exc:
        raise _fail(str(exc), code=3) from None
    except FetchError as exc:  # an unusable proxy: before any request
        raise _fail(str(exc)) from None
    except ArchiveError as exc:
        raise _fail(str(exc), code=1) from None
    if as_json:
        _print_json(report.to_dict())
    for o in report.outcomes:
        if not as_json and o.status == "added":
            console.print(f"added {escape(o.url)} → {escape(o.path)}", highlight=False)
        elif not as_json and o.status == "exists":
            console.print(f"already archived: {escape(o.url)}" + (f" ({escape(o.path)})" if o.path else ""), highlight=False)
        elif o.status == "error":
            errors.print(f"[red]error[/] {escape(o.url)}: {escape(o.message)}", highlight=False)
        for warning in o.warnings:
            errors.print(f"[yellow]warning[/] {escape(o.url)}: {escape(warning)}", highlight=False)
    if report.failed:
        raise _exit(1)


@app.command()
@directory_option
@json_option("the findings")
def doctor(directory: Path | None, as_json: bool) -> None:
    """Check the archive: settings, every post, duplicates, missing images, what Jekyll would refuse."""
    from newsmirror.operations.doctor import check_archive

    report = check_archive(_root(directory))
    if as_json:
        _print_json(report.to_dict())
    else:
        for f in report.findings:
            style = "red" if f.severity == "error" else "yellow"
            console.print(f"[{style}]{f.severity}[/] {escape(f.path)}: {escape(f.problem)}\n  → {escape(f.fix)}",
                          highlight=False)
        console.print(f"Checked {report.checked_posts} posts: {len(report.errors)} errors, "
                      f"{len(report.warnings)} warnings.", highlight=False)
    if report.errors:
        raise _exit(1)


@app.command()
@click.option("--every", default="1h", show_default=True, help="Time between run starts: 30s, 15m, 1h, 1d.")
@directory_option
@click.option("--max-runs", "max_runs", type=int, default=0, show_default=True,
              help="Stop after this many runs (0: run until stopped).")
@click.option("--publish/--no-publish", default=None, help="Publish after each fetch (default: [publish] enabled).")
@click.option("--log", "log_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also append each run's line to this file.")
def run(every: str, directory: Path | None, max_runs: int, publish: bool | None, log_file: Path | None) -> None:
    """Fetch (and publish when configured) on a schedule; one log line per run; never two runs at once."""
    from newsmirror.operations.rotate import parse_duration
    from newsmirror.operations.run import file_logger, run_every

    try:
        interval = parse_duration(every)
    except ValueError as exc:
        raise _fail(f"--every: {exc}") from None
    if max_runs < 0:
        raise _fail("--max-runs must be 0 or more")
    root = _root(directory)
    _config(directory)  # refuse to start on broken settings; later runs re-read them and log problems
    log = file_logger(log_file, lambda line: print(line, file=sys.stderr, flush=True))
    try:
        outcomes = run_every(root, interval, max_runs=max_runs, publish=publish, log=log)
    except LockedError as exc:
        raise _fail(str(exc), code=3) from None
    except KeyboardInterrupt:
        log("newsmirror run: stopped")
        return
    if outcomes and not any(o.ok for o in outcomes):
        raise _exit(1)


def main() -> None:
    app(prog_name="newsmirror")


__all__ = ["CONFIG_NAME", "app", "main"]
