"""The cost of one `newsmirror recheck` run: an archive of 10,000 posts of which 200 are due, their pages served
from 127.0.0.1.

    python benchmarks/recheck.py                 # 10,000 posts, 200 due, median of 3 runs
    python benchmarks/recheck.py --posts 2000 --due 50 --runs 5

The due articles are real pages (the 88 of /work/shared/extraction-dev/, in turn, each at its own address) of
20 full-text sources; their posts hold what `fetch` would have written from them (extracted and made safe), so a
run finds them unchanged, as most revisits do. The other posts are older than the window. Each run starts from
the same copy of the archive with its state cache (as an hourly job restores it). Prints, per run and as the
median: wall time of the run (locking, the state, choosing the due posts, fetching, extracting, comparing,
recording), requests the server answered, bytes it sent; and the same for a second run at once (nothing due).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from newsmirror.archive.layout import Archive  # noqa: E402
from newsmirror.archive.state import State  # noqa: E402
from newsmirror.config import load_config  # noqa: E402
from newsmirror.ingest.fulltext import ExtractError, extract_article  # noqa: E402
from newsmirror.ingest.sanitize import sanitize_html  # noqa: E402
from newsmirror.models import Article  # noqa: E402
from newsmirror.operations.recheck import run_recheck  # noqa: E402

PAGES = Path("/work/shared/extraction-dev/html")
SOURCES = 20


class Counting(ThreadingHTTPServer):
    daemon_threads = True
    requests = 0
    sent = 0


def serve(pages: dict[str, bytes]) -> Counting:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path)
            server.requests += 1
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            server.sent += len(body)

    server = Counting(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def real_pages() -> list[tuple[bytes, str]]:
    """(page, its article made safe) of every real page an article can be extracted from."""
    found = []
    for path in sorted(PAGES.glob("*.html.gz")):
        page = gzip.decompress(path.read_bytes())
        url = f"http://127.0.0.1/{path.name[:16]}.html"
        try:
            extracted = extract_article(page, url)
        except ExtractError:
            continue
        found.append((page, extracted.content))
    return found


def make_archive(root: Path, port: int, posts: int, due: int, pages: list[tuple[bytes, str]]) -> dict[str, bytes]:
    root.mkdir(parents=True)
    sources = "\n".join(
        f'[[sources]]\nname = "来源{i}"\nurl = "http://127.0.0.1:{port}/feed{i}.xml"\nfulltext = "always"\n' for i in range(SOURCES)
    )
    (root / "newsmirror.toml").write_text(f"[fetch]\nallow_private = ['127.0.0.1']\n\n{sources}", encoding="utf-8")
    archive = Archive(root)
    now = datetime.now(UTC).replace(microsecond=0)
    served: dict[str, bytes] = {}
    filler = "<p>" + "旧闻的正文。" * 80 + "</p>"
    for i in range(posts):
        recent = i < due
        path = f"/article/{i}.html"
        link = f"http://127.0.0.1:{port}{path}"
        if recent:
            page, content = pages[i % len(pages)]
            served[path] = page
            content = sanitize_html(content, base_url=link)
            date = now - timedelta(hours=2)
        else:
            content, date = filler, now - timedelta(days=60 + i % 300, minutes=i)
        source = f"来源{i % SOURCES}"
        archive.write_post(Article(title=f"第{i}条新闻", date=date, author=source, link=link, source=source,
                                   content=content, tags=[source], categories=[source], comments=True))  # fmt: skip
    state = State.open(archive)
    state.sync_with_disk()  # the cache an hourly job restores
    state.close()
    return served


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pages = real_pages()
    served: dict[str, bytes] = {}
    server = serve(served)
    work = Path(tempfile.mkdtemp(prefix="recheck-bench-"))
    try:
        template = work / "template"
        served.update(make_archive(template, server.server_address[1], args.posts, args.due, pages))
        print(f"{args.posts} posts, {args.due} due ({len(pages)} real pages in turn), {SOURCES} full-text sources")
        rows = []
        for number in range(1, args.runs + 1):
            root = work / f"run{number}"
            shutil.copytree(template, root)
            config = load_config(root)
            server.requests = server.sent = 0
            started = time.perf_counter()
            report = run_recheck(config)
            seconds = time.perf_counter() - started
            requests, sent = server.requests, server.sent
            started = time.perf_counter()
            idle = run_recheck(config)
            idle_seconds = time.perf_counter() - started
            statuses = {s: report.count(s) for s in ("unchanged", "edited", "deleted")}
            print(f"run {number}: {seconds:.2f} s, {requests} requests, {sent:,} bytes; {statuses}, "
                  f"{len(report.failures)} failed; then nothing due: {idle_seconds:.2f} s, {idle.requests} requests")
            rows.append((seconds, requests, sent, idle_seconds))
            shutil.rmtree(root)
        print(f"median: {statistics.median(r[0] for r in rows):.2f} s, {statistics.median(r[1] for r in rows):.0f} requests, "
              f"{statistics.median(r[2] for r in rows):,.0f} bytes; nothing due: {statistics.median(r[3] for r in rows):.2f} s")
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
