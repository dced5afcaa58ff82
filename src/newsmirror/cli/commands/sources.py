from __future__ import annotations

from pathlib import Path

import click
from click.exceptions import Exit

from newsmirror.cli.options import directory_option, json_option, proxy_option, settings
from newsmirror.cli.output import out


@click.group("sources", no_args_is_help=True)
def sources() -> None:
    """List, add, remove, check, import and export sources."""


@sources.command("list")
@directory_option
@json_option("the sources")
def sources_list(directory: Path | None, as_json: bool) -> None:
    """List the sources."""
    from newsmirror.cli.output.sources import print_sources

    print_sources(out, settings(directory).sources, as_json)


@sources.command("add")
@click.argument("name")
@click.argument("url")
@directory_option
@click.option("--category", default="", help="Category (default: the name).")
@click.option("--tag", "tag", multiple=True, help="A tag (repeatable; default: the name).")
@click.option("--fulltext", type=click.Choice(["never", "auto", "always"]), default=None,
              help="Read each article's page: never, auto (when the entry is a summary) or always.")  # fmt: skip
@click.option("--item", default="", help="A list page: the CSS selector of each entry ([sources.list] item).")
@click.option("--link", default="", help="A list page: the entry's link inside the item.")
@click.option("--title", default="", help="A list page: the entry's title (default: the link's text).")
@click.option("--date", default="", help="A list page: the element holding the entry's date.")
@click.option("--date-format", default="", help="A list page: the date's strptime format, e.g. %Y年%m月%d日.")
@click.option("--summary", default="", help="A list page: the entry's summary.")
@click.option("--timezone", default="", help="A list page: the zone of dates that name none, e.g. Asia/Shanghai.")
def sources_add(name: str, url: str, directory: Path | None, category: str, tag: tuple[str, ...], fulltext: str | None,
                **selectors: str) -> None:  # fmt: skip
    """Add a source: a feed, an HTML page with --item (and the other selectors), "rsshub:/route" or a Telegram
    channel's https://t.me/s/<channel>."""
    from newsmirror.cli.output.sources import print_added
    from newsmirror.operations.sources import add_source, new_source

    source = new_source(name, url, category=category, tags=list(tag), fulltext=fulltext, selectors=selectors)
    add_source(settings(directory), source)
    print_added(out, name)


@sources.command("remove")
@click.argument("name")
@directory_option
def sources_remove(name: str, directory: Path | None) -> None:
    """Remove a source (its posts stay in the archive)."""
    from newsmirror.cli.output.sources import print_removed
    from newsmirror.operations.sources import remove_source

    remove_source(settings(directory), name)
    print_removed(out, name)


@sources.command("check")
@click.argument("names", nargs=-1)
@directory_option
@proxy_option
@json_option("the results")
def sources_check(names: tuple[str, ...], directory: Path | None, proxy: str | None, as_json: bool) -> None:
    """Fetch and parse each source without writing anything; say which answer."""
    from newsmirror.cli.output.sources import print_checks
    from newsmirror.operations.sources import check_named_sources

    results = check_named_sources(settings(directory), list(names) or None, proxy=proxy)
    print_checks(out, results, as_json)
    if results and not any(r.ok for r in results):
        raise Exit(1)


@sources.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@directory_option
def sources_import(file: Path, directory: Path | None) -> None:
    """Add the sources of a subs.json or OPML file (names already present are skipped)."""
    from newsmirror.cli.output.sources import print_imported
    from newsmirror.operations.sources import import_sources

    print_imported(out, import_sources(settings(directory), file))


@sources.command("export")
@directory_option
@click.option("--format", "format", default="opml", show_default=True, help="opml or subs.json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")  # fmt: skip
def sources_export(directory: Path | None, format: str, output: Path | None) -> None:
    """Write the sources as OPML or as a legacy subs.json."""
    from newsmirror.cli.output.sources import write_export
    from newsmirror.operations.sources import export_sources

    write_export(export_sources(settings(directory), format), output)
