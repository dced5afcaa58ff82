"""Ingest speed: N feeds × M items served from 127.0.0.1, a first run and an unchanged re-run.

    python benchmarks/ingest.py --feeds 200 --items 50

Prints items per second for the first run (every item new) and for the re-run (nothing changed), timing the
real `newsmirror fetch` command end to end (process start included, output to a log as in the scheduled job; the
re-run once more with --json): wall-clock time, and the CPU time the
command itself used (the local feed server's own work, in this process, is not counted there). `--profile` profiles the first run in
process instead and prints where the time goes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
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


def write_config(root: Path, server: FeedServer, feeds: int) -> None:
    lines = []
    for index in range(feeds):
        lines += ["[[sources]]", f'name = "来源{index}"', f'url = "{server.url(index)}"', ""]
    (root / "newsmirror.toml").write_text("\n".join(lines), encoding="utf-8")


def timed_fetch(root: Path, as_json: bool = False) -> tuple[float, float]:
    """Run `newsmirror fetch` as the scheduled job does (output to a log, not a terminal), or with --json; returns
    (wall-clock seconds, CPU seconds the command used: user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "newsmirror", "fetch", "-C", str(root), *(["--json"] if as_json else [])],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONUTF8": "1"},
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"fetch failed: {result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile the first run in process")
    parser.add_argument("--sort", default="cumulative", help="with --profile: cumulative, tottime, …")
    args = parser.parse_args()

    feeds = {f"/feed{i}.xml": make_feed(i, args.items, args.seed) for i in range(args.feeds)}
    total_items = args.feeds * args.items
    size = sum(len(b) for b in feeds.values())
    server = FeedServer(feeds)
    root = Path(tempfile.mkdtemp(prefix="newsmirror-ingest-"))
    try:
        write_config(root, server, args.feeds)
        print(f"{args.feeds} feeds x {args.items} items = {total_items} items, {size / 1e6:.1f} MB of feeds")
        if args.profile:
            import cProfile
            import pstats

            from newsmirror.config import load_config
            from newsmirror.operations.fetch import run_fetch

            profiler = cProfile.Profile()
            profiler.enable()
            report = run_fetch(load_config(root))
            profiler.disable()
            print(f"new posts: {report.new_posts}")
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(35)
            return
        first, first_cpu = timed_fetch(root)
        written = sum(1 for _ in (root / "_posts").rglob("*.md"))  # in dated folders
        connections, not_modified = server.connections, server.not_modified
        second, second_cpu = timed_fetch(root)
        rerun_connections, rerun_304 = server.connections - connections, server.not_modified - not_modified
        json_rerun, json_rerun_cpu = timed_fetch(root, as_json=True)
        again = sum(1 for _ in (root / "_posts").rglob("*.md"))
        print(f"first run: {first:6.2f} s wall ({total_items / first:6.0f} items/s, {first / total_items * 1000:.3f} ms/item), "
              f"{first_cpu:6.2f} s CPU  ({written} posts written)")
        print(f"re-run:    {second:6.2f} s wall, {second_cpu:6.2f} s CPU  ({total_items / second:6.0f} items/s looked at; "
              f"with --json: {json_rerun:.2f} s wall, {json_rerun_cpu:.2f} s CPU; {again - written} posts written)")
        print(f"           {rerun_304} of {args.feeds} feeds answered 304, over {rerun_connections} connections")
        print(f"re-run is {first / second:.1f}x cheaper in wall-clock time, {first_cpu / second_cpu:.1f}x in CPU time")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
