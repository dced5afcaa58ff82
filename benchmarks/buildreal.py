"""`benchmarks/build.py --real DIR`: `newsmirror build` on real posts, beside Hugo + Pagefind on the same posts.

The posts are the real archive's (DIR/_posts/, the unpacked ../shared/realposts/ tarball: 5,685 posts, read with
benchmarks/realposts.py). A size above that is made of the real posts plus copies of them: copy k is the post k
days later (its file name's date and its date: line moved), its from: link made distinct (?copy=k), its body
unchanged. A size below it is every k-th real post. The output says which.

Per size and run, for each version of newsmirror (--src, interleaved, the order turning every run):
  full build     `newsmirror build` into an empty _site/ (pages and search)
  +100 posts     100 more real posts, dated after all others (the hourly case), built on that _site/
  nothing        the same build once more, nothing changed
  Pagefind alone one `pagefind` run over the +100's pages without kana, as the build runs it, nothing else running:
                 the floor under the +100 figure (the build runs it beside the rest of its work)
  more hours     (last run, --batches N) N more lots of 100 real posts, one build each: the open search bundles
                 fill as they do hour after hour, so this is the hourly cost over a bundle's life, not just its first
and, where `hugo` is on PATH, Hugo's full build of the same posts (pages declared Chinese: languageCode zh-cn,
<html lang="zh-cn">, so that Pagefind segments them as it does newsmirror's) and Pagefind on its output — the
same Pagefind binary newsmirror runs (the pagefind[extended] wheel's, run directly as newsmirror runs it).
Each figure is the median of the runs (min–max beside it); peak memory is the largest resident set of the build's
process and of any process it waited for (os.wait4); "pagefind" is the wall time of the build's Pagefind runs
where the build reports it (BuildReport.phases["pagefind"], newer versions), and Pagefind's own run for Hugo.
newsmirror runs from its bytecode caches, as an installed package does (--no-bytecode: compiling its sources each
run, as an editable install under PYTHONDONTWRITEBYTECODE does).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from realposts import RealPost, every_kth, read_posts

from newsmirror.archive.postformat import parse_front_matter
from newsmirror.site.indexer import pagefind_environment, pagefind_executable
from newsmirror.site.search import needs_japanese, pagefind_command

ROOT = Path(__file__).resolve().parent.parent
ADDED = 100  # posts added after a build (the hourly case)
# Run newsmirror from bytecode caches (__pycache__ beside its sources, made before the first run), as a package pip
# installed runs, even where PYTHONDONTWRITEBYTECODE is set (this machine sets it): compiling newsmirror's modules
# afresh cost ~0.08 s of every build with nothing changed here (0.38–0.45 s instead of 0.28–0.33 s, 2,000 posts).
BYTECODE = True


@dataclass(frozen=True)
class PostFile:
    name: str
    text: str  # the newsmirror post file
    hugo: str  # the same post as a Hugo content file


@dataclass
class Figures:
    wall: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    pagefind: list[float] = field(default_factory=list)


# --- the posts --------------------------------------------------------------------------------------------------

_NAME_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def _link(link: str, tag: str) -> str:
    return f"{link}{'&' if '?' in link else '?'}{tag}"


def _hugo_file(post: RealPost, date: str, link: str) -> str:
    data = parse_front_matter(post.header)
    tags = data.get("tags") if isinstance(data.get("tags"), list) else []
    categories = data.get("categories") if isinstance(data.get("categories"), list) else []
    header = {"title": post.title, "date": date, "author": post.author, "source": post.source, "from": link,
              "tags": [str(t) for t in tags], "categories": [str(c) for c in categories]}  # fmt: skip
    return "---\n" + "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in header.items()) + \
        "---\n" + post.body  # fmt: skip


def _moved(post: RealPost, shift: timedelta, tag: str, taken: set[str]) -> PostFile:
    """The post moved by `shift`, its link tagged; a name already taken gets -c<tag>."""
    date = post.date + shift
    name = date.strftime("%Y-%m-%d-") + _NAME_DATE.sub("", post.name)
    if name.casefold() in taken:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}-c{tag.split('=')[-1]}{dot}{ext}"
    taken.add(name.casefold())
    link = _link(post.link, tag) if tag else post.link
    header = re.sub(r"^date:.*$", f"date: {date.isoformat()}", post.header, count=1, flags=re.M)
    header = re.sub(r"^from:.*$", lambda _: f"from: {link}", header, count=1, flags=re.M)
    return PostFile(name, f"---\n{header}\n---\n{post.body}", _hugo_file(post, date.isoformat(), link))


def archive_posts(real: list[RealPost], size: int) -> tuple[list[PostFile], str]:
    """`size` posts from the real ones, and how they were made."""
    taken: set[str] = set()
    if size <= len(real):
        chosen = every_kth(real, size)
        return [_moved(p, timedelta(0), "", taken) for p in chosen], f"every {len(real) / size:.2f}-th real post"
    files = [_moved(p, timedelta(0), "", taken) for p in real]
    k = 0
    while len(files) < size:
        k += 1
        files += [_moved(p, timedelta(days=k), f"copy={k}", taken) for p in real[: size - len(files)]]
    return files, f"the {len(real)} real posts and {size - len(real)} copies of them ({k} copies at most, k days later)"


def added_posts(real: list[RealPost], files: list[PostFile], batches: int = 0) -> list[list[PostFile]]:
    """1 + `batches` lots of ADDED real posts dated after every post of `files`, one minute apart, each lot an
    hour after the one before (the first: the +100 figure; the others: the hourly series)."""
    taken = {f.name.casefold() for f in files}
    latest = max(p.date for p in real) + timedelta(days=(len(files) // len(real)) + 1)
    later = every_kth(real, ADDED * batches) if batches else []
    # Each later lot is spread over the whole archive, as an hour of many sources is.
    picks = [every_kth(real, ADDED)] + [later[lot::batches][:ADDED] for lot in range(batches)]
    lots = []
    for lot, posts in enumerate(picks):
        start = latest + timedelta(hours=lot)
        tag = "new" if lot == 0 else f"hour{lot}"
        lots.append([_moved(p, start - p.date + timedelta(minutes=i), f"{tag}={i}", taken) for i, p in enumerate(posts)])
    return lots


# --- the sites ---------------------------------------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "https://example.org/"
languageCode = "zh-cn"
defaultContentLanguage = "zh"
hasCJKLanguage = true
title = "benchmark"
paginate = 20
[markup.goldmark.renderer]
unsafe = true
"""
HUGO_SINGLE = """<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode }}"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><article data-pagefind-body><h1 data-pagefind-meta="title">{{ .Title }}</h1>
<p data-pagefind-ignore><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2006-01-02 15:04" }}</time>
{{ with .Params.source }} · <span data-pagefind-filter="来源">{{ . }}</span>{{ end }}
{{ with .Params.from }} · <a href="{{ . }}">原文</a>{{ end }}</p>
<div class="content">{{ .Content }}</div>
<p data-pagefind-ignore>{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">#{{ . }}</a> {{ end }}</p></article>
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">← {{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }} →</a>{{ end }}</nav></body></html>
"""
HUGO_LIST = """<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode }}"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}
{{ range (.Paginate $pages).Pages }}<article><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time>{{ .Date.Format "2006-01-02" }}</time> {{ .Params.source }}<p>{{ .Summary | plainify | truncate 120 }}</p></article>
{{ end }}{{ template "_internal/pagination.html" . }}</body></html>
"""


def make_archive(folder: Path, files: list[PostFile]) -> None:
    from newsmirror.scaffold import init_archive

    shutil.rmtree(folder, ignore_errors=True)
    init_archive(folder, title="benchmark", force=True)
    posts = folder / "_posts"
    posts.mkdir(exist_ok=True)
    for f in files:
        (posts / f.name).write_text(f.text, encoding="utf-8")


def make_hugo(folder: Path, files: list[PostFile]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "layouts" / "_default").mkdir(parents=True)
    (folder / "content" / "posts").mkdir(parents=True)
    (folder / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (folder / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (folder / "layouts" / "_default" / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    for f in files:
        (folder / "content" / "posts" / f.name).write_text(f.hugo, encoding="utf-8")


# --- running -----------------------------------------------------------------------------------------------------


# Linux's peak resident set of a process counts the memory of the process it was forked from (the benchmark holds
# every post: hundreds of MB), so the builds are started by this small launcher, itself started before any post
# is read; it times each command and reaps it with wait4 for the peak of the command and its waited-for children.
LAUNCHER = r"""
import json, os, subprocess, sys, tempfile, time
for line in sys.stdin:
    job = json.loads(line)
    began = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(job["command"], cwd=job["cwd"], env=job["env"], stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        out.seek(0), err.seek(0)
        result = {"wall": wall, "peak_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status),
                  "out": out.read().decode("utf-8", "replace"), "err": err.read().decode("utf-8", "replace")[-3000:]}
    print(json.dumps(result), flush=True)
"""


class Launcher:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)  # fmt: skip

    def run(self, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
        """(wall seconds, peak resident MB of the command and its waited-for children, stdout)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        job = {"command": command, "cwd": str(cwd), "env": env or dict(os.environ)}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        if result["code"] != 0:
            print(result["out"][-3000:], result["err"], file=sys.stderr)
            raise SystemExit(f"{' '.join(command)} failed with {result['code']}")
        return result["wall"], result["peak_kb"] / 1024, result["out"]


LAUNCH: Launcher | None = None


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    assert LAUNCH is not None, "run_real starts the launcher first"
    return LAUNCH.run(command, cwd, env)


def build(archive: Path, src: Path, figures: Figures) -> dict:
    env = {**(_writing_bytecode() if BYTECODE else os.environ), "PYTHONPATH": str(src)}
    wall, peak, out = run([sys.executable, "-m", "newsmirror", "build", "-C", str(archive), "--json"], archive, env)
    report = json.loads(out)
    figures.wall.append(wall)
    figures.peak_mb.append(peak)
    if "pagefind" in report.get("phases", {}):
        figures.pagefind.append(report["phases"]["pagefind"])
    return report


def hugo_build(folder: Path, figures: Figures) -> None:
    shutil.rmtree(folder / "public", ignore_errors=True)
    shutil.rmtree(folder / "resources", ignore_errors=True)
    wall_h, peak_h, _ = run(["hugo", "--quiet"], folder)
    pagefind = [*pagefind_executable(), "--site", "public", "--silent"]
    wall_p, peak_p, _ = run(pagefind, folder)
    figures.wall.append(wall_h + wall_p)
    figures.peak_mb.append(max(peak_h, peak_p))
    figures.pagefind.append(wall_p)


def versions(specs: list[str]) -> list[tuple[str, Path]]:
    if not specs:
        return [("newsmirror", ROOT / "src")]
    found = []
    for spec in specs:
        label, _, path = spec.rpartition("=")
        found.append((label or Path(path).resolve().parent.name, Path(path).resolve()))
    return found


def _writing_bytecode() -> dict[str, str]:
    """The environment without PYTHONDONTWRITEBYTECODE: newsmirror runs from the bytecode cached beside it."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def one_round(
    size_dir: Path, label: str, src: Path, added: list[PostFile], rows: dict[str, Figures], hours: list[list[PostFile]]
) -> None:
    """A full build, +ADDED posts, nothing changed; then, if `hours` are given, one build per lot of them (posts
    keep coming: the open search bundles fill up as they do hour after hour)."""
    archive = size_dir / label
    shutil.rmtree(archive / "_site", ignore_errors=True)
    full = build(archive, src, rows.setdefault(f"{label}: full build", Figures()))
    for f in added:
        (archive / "_posts" / f.name).write_text(f.text, encoding="utf-8")
    more = build(archive, src, rows.setdefault(f"{label}: +{ADDED} posts", Figures()))
    same = build(archive, src, rows.setdefault(f"{label}: nothing changed", Figures()))
    if full["errors"] or more["posts"] != full["posts"] + ADDED or not same["nothing_changed"]:
        raise SystemExit(f"{label}: unexpected build reports: {full['errors'][:3]} {more['posts']} {same['nothing_changed']}")
    pagefind_alone(archive / "_site", added, rows)
    for n, lot in enumerate(hours, 1):
        for f in lot:
            (archive / "_posts" / f.name).write_text(f.text, encoding="utf-8")
        figures = rows.setdefault(f"{label}: each of {len(hours)} more hours of +{ADDED}", Figures())
        hour = build(archive, src, figures)
        indexed = f"{hour.get('indexed_posts', '?')} posts in {len(hour.get('indexed_bundles', []))} bundles"
        print(f"    {label} hour {n}: {figures.wall[-1]:.2f} s, Pagefind indexed {indexed}", flush=True)
        if hour["posts"] != more["posts"] + n * ADDED or hour["errors"]:
            raise SystemExit(f"{label}: hour {n}: unexpected build report: {hour['posts']} {hour['errors'][:3]}")
    for f in added + [f for lot in hours for f in lot]:
        (archive / "_posts" / f.name).unlink()


_ORIGINAL = re.compile(r'<a class="original" href="([^"]*)"')


def _from_link(post_file: str) -> str:
    found = re.search(r"^from: (.*)$", post_file, flags=re.M)
    return found.group(1).strip() if found else ""


def pagefind_alone(site: Path, added: list[PostFile], rows: dict[str, Figures]) -> None:
    """The floor under the +100 figure: one run of the `pagefind` command, as the build runs it, over the new posts'
    pages without kana (those of the bundle the build indexed with the command), staged apart, nothing else running.
    A page is known by its "原文" link, the post's from: link (each added post's is its own: added_posts)."""
    links = {_from_link(f.text) for f in added if not needs_japanese(f.text.encode("utf-8"))}
    pages = []
    for page in site.glob("[0-9][0-9][0-9][0-9]/**/*.html"):
        found = _ORIGINAL.search(page.read_text(encoding="utf-8"))
        if found and html.unescape(found.group(1)) in links:
            pages.append(page)
    stage, output = site.parent / ".pagefind-alone", site.parent / ".pagefind-alone-out"
    for folder in (stage, output):
        shutil.rmtree(folder, ignore_errors=True)
    for page in pages:
        target = stage / page.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(page, target)
    figures = rows.setdefault(f"Pagefind alone: the +{ADDED}'s {len(pages)} pages without kana", Figures())
    wall, peak, _ = run(pagefind_command(stage.resolve(), output.resolve()), stage, pagefind_environment())
    figures.wall.append(wall)
    figures.peak_mb.append(peak)
    for folder in (stage, output):
        shutil.rmtree(folder, ignore_errors=True)


def _line(name: str, figures: Figures, anchor: float | None) -> str:
    wall = statistics.median(figures.wall)
    text = f"  {name:<34} {wall:8.2f} s ({min(figures.wall):.2f}–{max(figures.wall):.2f})"
    text += f"  peak {statistics.median(figures.peak_mb):5.0f} MB"
    if figures.pagefind:
        share = statistics.median(figures.pagefind)
        text += f"  pagefind {share:6.2f} s ({share / wall:4.0%})"
    if anchor:
        text += f"  {wall / anchor:5.2f}× Hugo+Pagefind"
    return text


def report(size: int, made: str, rows: dict[str, Figures], runs: int) -> None:
    print(f"\n{size} posts ({made}); medians of {runs} runs")
    hugo = rows.get("Hugo + Pagefind: full build")
    anchor = statistics.median(hugo.wall) if hugo else None
    for name, figures in rows.items():
        print(_line(name, figures, anchor if "full build" in name and figures is not hugo else None))


def run_real(
    real_dir: Path, sizes: list[int], runs: int, srcs: list[str], work: Path, hugo_max: int, batches: int = 0,
    bytecode: bool = True,
) -> None:
    global LAUNCH, BYTECODE
    LAUNCH = Launcher()  # before any post is read (see LAUNCHER)
    BYTECODE = bytecode
    for _label, src in versions(srcs) if bytecode else []:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True, env=_writing_bytecode())
    print(f"newsmirror runs {'from its bytecode caches' if bytecode else 'compiling its sources each run'} "
          f"(PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r} here)")
    real, problems = read_posts(real_dir / "_posts")
    print(f"real posts: {len(real)} readable of {len(real) + len(problems)} in {real_dir / '_posts'}")
    targets = versions(srcs)
    has_hugo = shutil.which("hugo") is not None
    if has_hugo:
        print(subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip())
    for size in sizes:
        files, made = archive_posts(real, size)
        added, *hours = added_posts(real, files, batches)
        size_dir = work / f"real-{size}"
        hugo = has_hugo and size <= hugo_max
        if has_hugo and not hugo:
            print(f"{size} posts: no Hugo + Pagefind anchor (above --hugo-max {hugo_max})")
        for label, _src in targets:
            make_archive(size_dir / label, files)
        if hugo:
            make_hugo(size_dir / "hugo", files)
        rows: dict[str, Figures] = {}
        for n in range(runs):
            order = targets[n % len(targets) :] + targets[: n % len(targets)]
            for label, src in order:
                one_round(size_dir, label, src, added, rows, hours if n == runs - 1 else [])
            if hugo:
                hugo_build(size_dir / "hugo", rows.setdefault("Hugo + Pagefind: full build", Figures()))
            print(f"  run {n + 1}/{runs} of {size} done", flush=True)
        report(size, made, rows, runs)
