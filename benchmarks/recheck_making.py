"""False edits after a change in how texts are made, on real pages.

    python benchmarks/recheck_making.py [--src PATH]

The 88 real pages of /work/shared/extraction-dev/ are the articles of one full-text source on 127.0.0.1: fetched
by the real `fetch`, then revisited by `recheck --all` five times, every page's bytes different at each visit (an
HTML comment: the article the same, so that its text is extracted again rather than taken as unchanged):
twice as they were, after a settings change that changes no text (a `remove_selectors` matching nothing), after
one that does (`remove_selectors = ["p:first-of-type"]`), once more, then after an upgrade that changes no text and
one that changes them (simulated: this process is told its text-making code changed while the settings go back to
cutting nothing, so that the first paragraphs come back as other code would bring them), and once more (code
without ingest/making.py gets the settings change alone). No article is edited: every edit recorded is a false one. Prints, per visit, the outcomes, how many
texts differ from the text compared with by an edit's worth, the warnings, and the edit events recorded in all.
`--src` runs another checkout's code (e.g. one from before ingest/making.py). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = Path("/work/shared/extraction-dev/html")


def serve(routes: dict[str, bytes]) -> ThreadingHTTPServer:
    """`routes` (path → body, changed between visits) on 127.0.0.1 (benchmarks/recheck.py's server puts this
    checkout's src/ first on sys.path, which --src must not have)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def feed(base: str, count: int, published: datetime) -> bytes:
    items = "".join(
        f"<item><title>文章{i}</title><link>{base}/p{i}.html</link><guid>{base}/p{i}.html</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate><description>摘要</description></item>"
        for i in range(count)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def config_text(url: str, remove: list[str]) -> str:
    selectors = ", ".join(f'"{s}"' for s in remove)
    return (f"[fetch]\nallow_private = ['127.0.0.1']\n\n[[sources]]\nname = \"真实页\"\nurl = \"{url}\"\n"
            f"fulltext = \"always\"\nremove_selectors = [{selectors}]\n")  # fmt: skip


def upgrade(digest: str) -> bool:
    """Make this process's newsmirror believe its text-making code changed (ingest/making.py's digest of it; the
    worker processes, which make the texts, still run the same code). False for code without ingest/making.py."""
    try:
        from newsmirror.ingest import making
    except ImportError:
        return False
    making.code_making = lambda: digest
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=HERE.parent / "src", help="the source tree to run")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    from newsmirror.archive.revisions import read_histories
    from newsmirror.config import load_config
    from newsmirror.operations.fetch import run_fetch
    from newsmirror.operations.recheck import run_recheck

    originals = [gzip.decompress(p.read_bytes()) for p in sorted(PAGES.glob("*.html.gz"))]
    routes: dict[str, bytes] = {}
    server = serve(routes)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    routes["/feed.xml"] = feed(base, len(originals), datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))
    root = Path(tempfile.mkdtemp(prefix="newsmirror-making-"))
    config_file = root / "newsmirror.toml"

    def show(label: str, remove: list[str]) -> None:
        for i, page in enumerate(originals):
            routes[f"/p{i}.html"] = page + f"<!-- {label} -->".encode()
        config_file.write_text(config_text(f"{base}/feed.xml", remove), encoding="utf-8")

    def visit(label: str, remove: list[str]) -> None:
        show(label, remove)
        report = run_recheck(load_config(root), everything=True)
        statuses = sorted({o.status for o in report.outcomes})
        counts = {s: sum(o.status == s for o in report.outcomes) for s in statuses}
        differing = sum(int(o.evidence.get("changed_chars", 0)) >= 12 for o in report.outcomes)
        print(f"{label:<44} {counts}, {differing} texts differ by >= 12 characters, {len(report.failures)} failed")
        for warning in report.warnings:
            print(f"{'':<44} warning: {warning}")

    show("fetch", [])
    report = run_fetch(load_config(root))
    print(f"{len(originals)} real pages, {report.new_posts} posts written (code from {args.src})")
    visit("recheck", [])
    visit("recheck again", [])
    visit("remove_selectors matching nothing", [".no-such-class"])
    visit('remove_selectors ["p:first-of-type"]', ["p:first-of-type"])
    visit("recheck again, same settings", ["p:first-of-type"])
    if upgrade("1" * 24):
        visit("an upgrade that changes no text", ["p:first-of-type"])
        upgrade("2" * 24)
        visit("an upgrade that cuts pages otherwise", [])  # the first paragraphs come back: like new code would
    else:
        visit("remove_selectors [] again", [])
    visit("recheck again", [])
    print("edit events recorded (all false):", sum(len(h.versions) for h in read_histories(root).values()))
    server.shutdown()


if __name__ == "__main__":
    main()
