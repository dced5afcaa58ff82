"""`newsmirror doctor`: check an archive and say what to do about each finding.

Checks: the settings, every post (it parses, has an address and a date), duplicate articles (the same canonical
`from:`), images under /assets/ that a post references but the archive lacks, and what Jekyll would refuse or
misread (file names it does not take as posts, impossible dates in names, front matter that does not parse, Liquid
tags left unescaped in a body).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsmirror.archive.health import page_health
from newsmirror.archive.identity import canonical_url
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import PostFormatError, liquid_unsafe, parse_post, split_front_matter
from newsmirror.config import CONFIG_NAME, Config, ConfigError, load_config
from newsmirror.site.urls import filename_parts

ERROR, WARNING = "error", "warning"

_POST_EXTENSIONS = (".md", ".markdown", ".html", ".htm", ".mkd", ".mkdn", ".mdown", ".textile")
# The last alternative takes a Markdown target with no /assets/ path whole (no group): failing there instead would
# rescan the target from each "](" inside it, quadratic in a long one.
_ASSET_REFERENCE = re.compile(
    r"""(?:src|href|srcset)\s*=\s*["']([^"']*?/assets/[^"'\s?#]+)|\]\(([^)\s]*?/assets/[^)\s?#]+)|\]\([^)\s]*"""
)


@dataclass(slots=True)
class Finding:
    severity: str  # error | warning
    path: str  # archive-relative, or the settings file
    problem: str
    fix: str


@dataclass(slots=True)
class DoctorReport:
    checked_posts: int = 0
    findings: list[Finding] = field(default_factory=list)
    # Per source: {"edited": articles edited at the source, "versions": later versions kept, "deleted": articles
    # deleted at the source}, from the record of `newsmirror recheck` (archive/revisions.py).
    revisions: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def to_dict(self) -> dict:
        return {"checked_posts": self.checked_posts, "errors": len(self.errors), "warnings": len(self.warnings),
                "findings": [asdict(f) for f in self.findings], "revisions": self.revisions}  # fmt: skip

    def add(self, severity: str, path: str, problem: str, fix: str) -> None:
        self.findings.append(Finding(severity, path, problem, fix))


def check_name(relative: str) -> tuple[str, str, str] | None:
    """What Jekyll makes of a file under _posts/: None when it reads it as a post."""
    name = relative.split("/", 1)[1] if "/" in relative else relative
    if not name.lower().endswith(_POST_EXTENSIONS):
        return (WARNING, "Jekyll copies this file as it is instead of reading it as a post",
                "rename it to YYYY-MM-DD-title.md, or move it out of _posts/")  # fmt: skip
    day_part, _slug = filename_parts(name.rsplit("/", 1)[-1])  # Jekyll's DATE_FILENAME_MATCHER
    if day_part is None:
        return (ERROR, "the file name does not start with a YYYY-MM-DD- date, so Jekyll ignores the post",
                "rename it to YYYY-MM-DD-title.md (the post's date), e.g. with `git mv`")  # fmt: skip
    try:
        year, month, day = (int(part) for part in day_part.split("-"))
        date(year, month, day)
    except ValueError:
        return (ERROR, f"the date {day_part} in the file name is impossible: Jekyll stops the build",
                "rename it with the post's real date")  # fmt: skip
    return None


def _asset_paths(text: str, baseurl: str) -> set[str]:
    found = set()
    for match in _ASSET_REFERENCE.finditer(text):
        reference = match.group(1) or match.group(2)
        if reference is None:
            continue
        path = unquote(urlsplit(reference).path)
        if urlsplit(reference).netloc:  # an absolute URL: another site's /assets/, not ours
            continue
        if baseurl and path.startswith(baseurl.rstrip("/") + "/"):
            path = path[len(baseurl.rstrip("/")) :]
        if path.startswith("/assets/"):
            found.add(path)
    return found


def _check_pages(config: Config, report: DoctorReport) -> None:
    """List pages and channels whose last read looked like a changed layout (archive/health.py)."""
    for name, why in page_health(config).items():
        report.add(WARNING, "newsmirror.toml", f"source {name!r}: {why}",
                   f"open the page and fix the source's [sources.list] selectors; `newsmirror sources check {name}` shows what they find")  # fmt: skip


_SOON_MONTHS = 12  # a limit reached within this many months is a warning


def check_size(root: Path, report: DoctorReport) -> None:
    """The host's limits (operations/size.py): a file GitHub would refuse is an error; a limit reached, or reached
    within a year at the current rate, a warning with what to do."""
    from newsmirror.operations.size import FILE_MOST, describe, measure_size

    for limit in measure_size(root, estimate_pack=False).limits:
        soon = limit.reached_in_months is not None and limit.reached_in_months <= _SOON_MONTHS
        if not soon:
            continue
        severity = ERROR if limit.limit == FILE_MOST and limit.reached else WARNING
        report.add(severity, "(size)", describe(limit), limit.advice)


def check_revisions(root: Path, sources: dict[str, str], report: DoctorReport) -> None:
    """Event files of _revisions/ that cannot be read, and the edits and deletions per source."""
    from newsmirror.archive.revisions import read_histories

    problems: list[str] = []
    for name, history in read_histories(root, problems).items():
        counts = report.revisions.setdefault(sources.get(name, "(no such post)"), {"edited": 0, "versions": 0, "deleted": 0})
        counts["edited"] += bool(history.versions)
        counts["versions"] += len(history.versions)
        counts["deleted"] += history.deletion is not None
    for line in problems:
        path, _, problem = line.partition(": ")
        report.add(WARNING, path, f"a recheck record that cannot be read: {problem}",
                   "restore it from git (`git checkout -- FILE`); newsmirror never changes these files")  # fmt: skip


def check_archive(root: Path) -> DoctorReport:
    report = DoctorReport()
    archive = Archive(root)
    baseurl = ""
    try:
        config = load_config(root)
        baseurl = config.site.baseurl
    except ConfigError as exc:
        for problem in exc.problems:  # the finding names the file: the problem need not name it again
            problem = problem.removeprefix(f"{root / CONFIG_NAME}: ")
            report.add(ERROR, CONFIG_NAME, problem, "fix the setting in newsmirror.toml (see README.md)")
    else:
        _check_pages(config, report)
    first_of: dict[str, str] = {}
    sources: dict[str, str] = {}  # post file name → its source
    assets: dict[str, list[str]] = {}
    for path in sorted(archive.iter_post_paths()):
        relative = archive.relative(path)
        report.checked_posts += 1
        in_posts = relative.startswith("_posts/")
        if in_posts:
            named = check_name(relative)
            if named:
                report.add(named[0], relative, named[1], named[2])
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            report.add(ERROR, relative, f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                       "convert the file to UTF-8")  # fmt: skip
            continue
        try:
            post = parse_post(text)
        except PostFormatError as exc:
            report.add(ERROR, relative, str(exc), "run `newsmirror import --repair` to rewrite it from what is readable")
            continue
        sources[path.name] = post.source
        if not post.link.strip():
            report.add(WARNING, relative, "no `from:` address: dedup can only match it by title",
                       "run `newsmirror import --repair` (it recovers the address from the title line)")  # fmt: skip
        else:
            key = canonical_url(post.link)
            if key in first_of:
                report.add(WARNING, relative, f"the same article as {first_of[key]} ({post.link})",
                           "delete one of the two posts (`git rm`)")  # fmt: skip
            else:
                first_of[key] = relative
        if post.date is None:  # parse_post reads a bare `date: 2023-01-01` too
            raw = post.front_matter.get("date")
            report.add(ERROR, relative, "no date" if raw is None else f"the date {str(raw)!r} cannot be read",
                       "run `newsmirror import --repair` (it takes the date from the <!--time--> line or the name)")  # fmt: skip
        _, body = split_front_matter(text)
        if liquid_unsafe(body):
            report.add(ERROR, relative, "the body holds `{{` or `{%` that Jekyll would run as Liquid",
                       'write each such "{" as {{ "{" }} (as newsmirror does), or wrap the body in {% raw %}…{% endraw %}')  # fmt: skip
        for asset in _asset_paths(text, baseurl):
            assets.setdefault(asset, []).append(relative)
    check_size(root, report)
    for asset, users in sorted(assets.items()):
        if not (root / asset.lstrip("/")).is_file():
            more = f" and {len(users) - 1} more" if len(users) > 1 else ""
            report.add(ERROR, users[0], f"references {asset}, which is not in the archive{more}",
                       "fetch again with mirror_images = true, or remove the image from the post")  # fmt: skip
    check_revisions(root, sources, report)
    return report
