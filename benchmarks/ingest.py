"""Ingest speed: N feeds × M items served from 127.0.0.1, a first run and an unchanged re-run.

    python benchmarks/ingest.py --feeds 200 --items 50 [--real DIR] [--runs 3] [--src PATH …] [--perform-js PATH]

Times the real `newsmirror fetch` command end to end (process start included, output to a log as in the scheduled
job): a first run into an empty archive (every item new) and an unchanged re-run (every feed answers 304), each
`--runs` times into a fresh archive; printed as medians. Per run: wall-clock time, the CPU time (user + system)
of the command and of every process it started (its worker processes included; the local feed server's own work,
in this process, is not counted), and the peak resident memory of the largest of those processes (ru_maxrss from
wait4). The local feed server runs in this process, so its work is not counted.

Items: generated Chinese text by default; with `--real DIR` (an unpacked ../shared/realposts archive, or its
_posts/) the real posts rebuilt as feed items (benchmarks/fidelity.py's items: title, link, date, author, the
`<div>` body), each feed a window of the posts in date order that overlaps its neighbours', as the sources of a
real mirror carry the same articles, so that deduplication across sources is exercised; the number of distinct
articles is printed and the posts written are checked against it.

`--src PATH` (repeatable) runs the command from that source tree (PYTHONPATH=PATH) instead of the installed one;
with several, the runs are interleaved (first run of each, re-run of each, next round), so that a noisy machine
weighs on each alike, and the ratios to the first are printed. `--perform-js PATH` also runs the seed's Node
generator on the same feeds (a `subs.json` of `[{"site": name, "url": feed}]` in an empty directory, `node PATH`
run there) and prints its figures beside newsmirror's; without it the output says that no copy was supplied.
`--profile` profiles the first run's main process (cProfile; the worker processes' work shows as waiting);
`--stats FILE` keeps its stats for pstats.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

_HANZI = (
    "中国美国台湾香港政府经济发展国际会议记者报道表示认为问题领导人民社会政治安全合作关系影响国家主席外交部"
    "新闻发布消息官员总统选举投票民主自由人权法律法院警方调查事件抗议示威活动组织成员代表团访问北京华盛顿"
    "上海广州深圳市场企业公司投资贸易关税出口进口增长下降数据统计报告显示专家分析指出强调重要计划宣布决定"
)


def sentence(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(_HANZI) for _ in range(rng.randint(low, high)))


def make_feed(index: int, items: int, seed: int) -> bytes:
    rng = random.Random(seed * 100_000 + index)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>来源{index}</title><link>https://news{index}.example/</link><description>新闻</description>",
    ]
    for item in range(items):
        title = sentence(rng, 12, 28)
        paragraphs = "".join(
            f"<p>{sentence(rng, 60, 160)}，<a href=\"https://news{index}.example/tag/{item}-{p}.html\">{sentence(rng, 2, 4)}</a>"
            f"{sentence(rng, 20, 60)}。</p>\n    "
            for p in range(rng.randint(5, 12))
        )
        body = f"<h2>{sentence(rng, 6, 12)}</h2>\n    {paragraphs}"
        link = f"https://news{index}.example/a/{item:05d}.html?utm_source=rss"
        date = format_datetime(start + timedelta(minutes=index * items + item))
        parts.append(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">n{index}-{item}</guid><pubDate>{date}</pubDate>'
            f"<description>{escape(sentence(rng, 40, 80))}</description>"
            f"<content:encoded><![CDATA[\n    {body}\n]]></content:encoded></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


class FeedServer:
    """One server per loopback address (127.0.0.1 … 127.0.0.N): feeds come from many hosts, as in real use,
    so that the per-host limit works as it does against real outlets."""

    def __init__(self, feeds: dict[str, bytes], hosts: int = 20):
        tags = {path: '"' + hashlib.sha1(body).hexdigest() + '"' for path, body in feeds.items()}
        counter_lock = threading.Lock()

        server = self
        self.connections = 0  # TCP connections accepted: keep-alive reuse shows as far fewer than requests
        self.not_modified = 0  # 304 answers

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:  # once per connection
                with counter_lock:
                    server.connections += 1
                super().setup()

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                body = feeds.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == tags[self.path]:
                    with counter_lock:
                        server.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", tags[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", tags[self.path])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.servers = []
        for host in range(1, hosts + 1):
            httpd = ThreadingHTTPServer((f"127.0.0.{host}", 0), Handler)
            httpd.daemon_threads = True
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            self.servers.append(httpd)

    def url(self, index: int) -> str:
        httpd = self.servers[index % len(self.servers)]
        host, port = httpd.server_address[:2]
        return f"http://{host}:{port}/feed{index}.xml"

    def stop(self) -> None:
        for httpd in self.servers:
            httpd.shutdown()
            httpd.server_close()


# ---------------------------------------------------------------------------------------------------------------
# Real items: the posts of ../shared/realposts as feed items (benchmarks/fidelity.py's), in overlapping feeds


def real_feeds(directory: Path, feeds: int, items: int) -> tuple[dict[str, bytes], int]:
    """`feeds` feeds of `items` real posts each, every feed a window of the posts in date order starting where
    an even spread puts it: neighbouring windows share articles, as a real mirror's sources do. Returns the feeds
    by path and the number of distinct articles (canonical addresses) among them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fidelity import feed_xml
    from realposts import read_posts, split_duplicates

    from newsmirror.archive.identity import canonical_url

    posts_dir = directory / "_posts" if (directory / "_posts").is_dir() else directory
    posts, _problems = read_posts(posts_dir)
    unique, _repeated = split_duplicates(posts)  # a from: that repeats in the archive is one article twice there
    ordered = sorted(unique, key=lambda p: (p.date, p.name))
    if len(ordered) < items:
        sys.exit(f"{posts_dir} has {len(ordered)} usable posts, fewer than --items {items}")
    spread = (len(ordered) - items) / max(1, feeds - 1)
    chosen = [ordered[round(i * spread) : round(i * spread) + items] for i in range(feeds)]
    result = {f"/feed{i}.xml": feed_xml(f"来源{i}", window) for i, window in enumerate(chosen)}
    distinct = {canonical_url(p.link) for window in chosen for p in window}
    return result, len(distinct)


def write_config(root: Path, server: FeedServer, feeds: int, real: bool) -> None:
    """One source per feed. Real items name images and article pages on the internet, which a benchmark must not
    reach: their sources mirror no image and fetch no full text (the item time limit, raised, keeps a busy
    machine from dropping items)."""
    lines = ["[site]", "mirror_images = false", "", "[fetch]", "item_time_limit = 60", ""] if real else []
    for index in range(feeds):
        lines += ["[[sources]]", f'name = "来源{index}"', f'url = "{server.url(index)}"']
        lines += ['fulltext = "never"', "mirror_images = false", ""] if real else [""]
    (root / "newsmirror.toml").write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Timing a command


@dataclass(slots=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and every process it waited for
    user: float
    peak_rss_mb: float  # the largest process's peak resident set
    written: int = 0  # posts on disk after the run


# Started from this process, a command's peak RSS would count this process's (the feeds, hundreds of MB): Linux
# keeps the high-water mark of the memory a child had before exec. A small launcher starts it instead and reports
# what wait4 says of it: its own usage plus that of the descendants it waited for (the worker processes).
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(process.pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    json.dump([wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)], out)
"""


def timed(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[Timing, int]:
    """Run `command` with its output to `log`, as the scheduled job does; its Timing and exit status. The peak
    RSS is that of the largest of its processes, not their sum (Linux reports KiB)."""
    figures = log.with_suffix(".rusage")
    with log.open("wb") as out:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(figures), *command], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    wall, user, system, maxrss, status = json.loads(figures.read_text())
    return Timing(wall, user + system, user, maxrss / 1024), status


def fetch_env(src: str | None) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUTF8": "1", "HOME": os.environ.get("HOME", "/tmp")}
    if src:
        env["PYTHONPATH"] = src
    return env


def timed_fetch(root: Path, src: str | None, label: str) -> Timing:
    """`newsmirror fetch` in `root` with the code in `src` (None: the installed one)."""
    log = root.parent / f"{root.name}-{label}.log"
    timing, status = timed([sys.executable, "-m", "newsmirror", "fetch", "-C", str(root)], root, fetch_env(src), log)
    if status != 0:
        sys.exit(f"fetch ({src or 'installed'}) failed with status {status}:\n{log.read_text(errors='replace')[-3000:]}")
    timing.written = sum(1 for _ in (root / "_posts").rglob("*.md"))
    return timing


def timed_perform_js(script: Path, server: FeedServer, feeds: int, work: Path) -> tuple[Timing, Timing] | str:
    """The seed's generator on the same feeds: a first run and an unchanged re-run in a fresh directory holding
    only its subs.json; its Timings, or why it could not run."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    directory = Path(tempfile.mkdtemp(prefix="perform-js-", dir=work))
    subs = [{"site": f"来源{i}", "url": server.url(i)} for i in range(feeds)]
    (directory / "subs.json").write_text(json.dumps(subs, ensure_ascii=False), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    runs = []
    for label in ("first", "rerun"):
        log = work / f"{directory.name}-{label}.log"
        timing, status = timed([node, str(script.resolve())], directory, env, log)
        if status != 0:
            return f"perform.js exited with status {status}: {log.read_text(errors='replace')[-500:].strip()}"
        timing.written = sum(1 for path in directory.rglob("*") if path.is_file() and "_posts" in path.parts)
        runs.append(timing)
    shutil.rmtree(directory, ignore_errors=True)
    return runs[0], runs[1]


# ---------------------------------------------------------------------------------------------------------------
# Reporting


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_figures(label: str, firsts: list[Timing], reruns: list[Timing], total_items: int) -> None:
    first_wall, first_cpu = _median([t.wall for t in firsts]), _median([t.cpu for t in firsts])
    rerun_wall, rerun_cpu = _median([t.wall for t in reruns]), _median([t.cpu for t in reruns])
    print(f"{label}")
    print(f"  first run: {first_wall:6.2f} s wall ({total_items / first_wall:5.0f} items/s), {first_cpu:6.2f} s CPU "
          f"(user {_median([t.user for t in firsts]):.2f}), peak RSS {_median([t.peak_rss_mb for t in firsts]):.0f} MB, "
          f"{firsts[-1].written} posts written")
    print(f"  re-run:    {rerun_wall:6.2f} s wall, {rerun_cpu:6.2f} s CPU, peak RSS "
          f"{_median([t.peak_rss_mb for t in reruns]):.0f} MB, {reruns[-1].written - firsts[-1].written} posts written; "
          f"{first_wall / rerun_wall:.1f}x cheaper than the first run in wall-clock time, {first_cpu / rerun_cpu:.1f}x in CPU")
    walls = " ".join(f"{t.wall:.2f}" for t in firsts)
    print(f"  first-run walls: {walls}; re-run walls: {' '.join(f'{t.wall:.2f}' for t in reruns)}")


def print_ratio(label: str, base: list[Timing], other: list[Timing], what: str) -> None:
    wall = _median([t.wall for t in base]) / _median([t.wall for t in other])
    cpu = _median([t.cpu for t in base]) / _median([t.cpu for t in other])
    print(f"  {label}, {what}: {wall:.2f}x faster in wall-clock time, {cpu:.2f}x less CPU")


# The command under cProfile, timed in CPU time: on a shared 2-core machine the worker processes (and everyone else)
# take the parent's core now and then, which a wall-clock profile would put on whatever call it was in.
_PROFILER = """
import cProfile, runpy, sys, time
profiler = cProfile.Profile(time.process_time)
sys.argv = ["newsmirror", *sys.argv[2:]]
try:
    profiler.runcall(runpy.run_module, "newsmirror", run_name="__main__")
except SystemExit:
    pass
finally:
    profiler.dump_stats(STATS)
"""


def profile_first_run(root: Path, src: str | None, sort: str, keep: Path | None) -> None:
    """The first run's main process under cProfile, in CPU time (the workers' time shows as its waiting)."""
    import pstats

    stats_file = root.parent / f"{root.name}.prof"
    code = _PROFILER.replace("STATS", repr(str(stats_file)))
    command = [sys.executable, "-c", code, "-", "fetch", "-C", str(root)]
    timing, status = timed(command, root, fetch_env(src), root.parent / f"{root.name}-profile.log")
    if status != 0 or not stats_file.exists():
        sys.exit(f"profiled fetch failed with status {status}")
    written = sum(1 for _ in (root / "_posts").rglob("*.md"))
    print(f"profiled first run: {timing.wall:.2f} s wall, {timing.cpu:.2f} s CPU (all processes), {written} posts written")
    if keep is not None:
        shutil.copyfile(stats_file, keep)
    stats = pstats.Stats(str(stats_file))
    print(f"main process: {stats.total_tt:.2f} s CPU")  # type: ignore[attr-defined]
    for order in dict.fromkeys([sort, "tottime"]):
        stats.sort_stats(order).print_stats(30)


# ---------------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1, help="for generated items")
    parser.add_argument("--real", type=Path, metavar="DIR", help="items from the real posts of an unpacked realposts archive")
    parser.add_argument("--runs", type=int, default=3, help="first run + re-run this many times; medians printed")
    parser.add_argument("--src", action="append", metavar="PATH", help="a source tree to run (repeatable; default: the installed code)")
    parser.add_argument("--perform-js", type=Path, metavar="PATH", help="also run the seed's Node generator from this copy")
    parser.add_argument("--profile", action="store_true", help="profile one first run's main process instead")
    parser.add_argument("--sort", default="cumulative", help="with --profile: cumulative, tottime, …")
    parser.add_argument("--stats", type=Path, metavar="FILE", help="with --profile: keep the cProfile stats there")
    args = parser.parse_args()

    if args.real:
        feeds, distinct = real_feeds(args.real, args.feeds, args.items)
    else:
        feeds = {f"/feed{i}.xml": make_feed(i, args.items, args.seed) for i in range(args.feeds)}
        distinct = args.feeds * args.items
    total_items = args.feeds * args.items
    size = sum(len(b) for b in feeds.values())
    server = FeedServer(feeds)
    work = Path(tempfile.mkdtemp(prefix="newsmirror-ingest-"))
    sources: list[str | None] = list(args.src) if args.src else [None]
    try:
        print(f"{args.feeds} feeds x {args.items} {'real' if args.real else 'generated'} items = {total_items} items, "
              f"{distinct} distinct articles, {size / 1e6:.1f} MB of feeds; {args.runs} run(s), medians")
        if args.profile:
            root = work / "profile"
            root.mkdir()
            write_config(root, server, args.feeds, bool(args.real))
            profile_first_run(root, sources[0], args.sort, args.stats)
            return
        firsts: dict[str | None, list[Timing]] = {src: [] for src in sources}
        reruns: dict[str | None, list[Timing]] = {src: [] for src in sources}
        for round_number in range(args.runs):
            roots = {}
            for number, src in enumerate(sources):
                roots[src] = work / f"archive-{round_number}-{number}"
                roots[src].mkdir()
                write_config(roots[src], server, args.feeds, bool(args.real))
            for src in sources:
                firsts[src].append(timed_fetch(roots[src], src, "first"))
            for src in sources:
                reruns[src].append(timed_fetch(roots[src], src, "rerun"))
            for src in sources:
                shutil.rmtree(roots[src], ignore_errors=True)
        for src in sources:
            print_figures(f"newsmirror ({src or 'installed'}):", firsts[src], reruns[src], total_items)
            missing = distinct - firsts[src][-1].written
            if missing:
                print(f"  NOT every distinct article written: {firsts[src][-1].written} posts for {distinct} articles")
        for src in sources[1:]:
            print_ratio(f"{src} against {sources[0]}", firsts[sources[0]], firsts[src], "first run")
            print_ratio(f"{src} against {sources[0]}", reruns[sources[0]], reruns[src], "re-run")
        if args.perform_js is None:
            print("perform.js (the seed's Node generator): no copy supplied (--perform-js PATH), not measured")
            return
        outcome = timed_perform_js(args.perform_js, server, args.feeds, work)
        if isinstance(outcome, str):
            print(f"perform.js: not measured: {outcome}")
            return
        print_figures(f"perform.js ({args.perform_js}), one run:", [outcome[0]], [outcome[1]], total_items)
        print_ratio(f"{sources[-1] or 'installed'} against perform.js", [outcome[0]], firsts[sources[-1]], "first run")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
