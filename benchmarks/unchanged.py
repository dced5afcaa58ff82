"""Same output from two versions of the code: the real archive's rebuilt feeds fetched and the site built by each,
then every file compared.

    python benchmarks/unchanged.py --before DIR --after DIR [--unpacked /tmp/real] [--posts N] [--work DIR]

DIR is a checkout of newsmirror (e.g. `git worktree add /tmp/before <commit>`); each runs its own
benchmarks/fidelity.py (feeds rebuilt from ../shared/realposts, served from 127.0.0.1, fetched by the real
`newsmirror fetch`) with its own src/ first on PYTHONPATH, then `newsmirror build` in the archive it kept.

Printed: the number of files under _posts/ and _site/ on each side, and every file that differs. Two kinds of file
are compared by content rather than by bytes, because they differ between two runs of the same code too: the
build caches (pickles, which name the classes' modules) are skipped, and Pagefind's filter index (its file names
are content hashes and the order of its values varies from run to run) is compared as the multiset of its
decompressed bytes, and the files naming those hashes (meta data, entry) with the names masked. The status page is compared with its dates masked (it says when it was built). Both sides run
with PYTHONHASHSEED=0: the sitemap lists the source pages in set order. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

_SKIPPED = {".newsmirror-build.cache", ".newsmirror-build-quick.cache", ".newsmirror-build.pickle",
            ".newsmirror-build-quick.pickle"}  # the build caches (.pickle: of earlier versions)
_BASES = ".newsmirror-build-base-"  # the build cache's bases (site/cache.py)
_CLOCK = re.compile(rb"\d{4}-\d\d-\d\d(?: \d\d:\d\d UTC)?")  # the status page says when it was built, and charts end today


def _content(root: Path, relative: Path) -> bytes:
    data = (root / relative).read_bytes()
    return _CLOCK.sub(b"<time>", data) if relative.name == "status.html" else data


def produce(code: Path, out: Path, unpacked: str | None, posts: int | None) -> Path:
    """Fetch and build with the code in `code`; the archive it wrote."""
    env = {**os.environ, "PYTHONPATH": str(code / "src"), "PYTHONHASHSEED": "0"}  # the sitemap lists sources in set order
    archive = out / "archive"
    command = [sys.executable, str(code / "benchmarks" / "fidelity.py"), "--keep", str(archive)]
    if unpacked:
        command += ["--unpacked", unpacked]
    if posts:
        command += ["--posts", str(posts)]
    subprocess.run(command, cwd=code, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "newsmirror", "build"], cwd=archive, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return archive


def _is_search_index(relative: Path) -> bool:
    return "pagefind" in relative.parts and (relative.suffix in {".pf_filter", ".pf_meta"}
                                             or relative.name == "pagefind-entry.json")  # fmt: skip


def _search_index_contents(root: Path) -> dict[str, object]:
    """Pagefind's hashed index files per bundle: each filter file as the multiset of its decompressed bytes (the
    order of a filter's values varies from run to run), the meta file and the entry file with the hashed names of
    those files masked."""
    found: dict[str, object] = {}
    for bundle in sorted({p.parent for p in root.rglob("pagefind-entry.json")}):
        where = str(bundle.relative_to(root))
        filters = sorted(bundle.glob("filter/*.pf_filter"))
        metas = sorted(bundle.glob("*.pf_meta"))
        found[where + " filters"] = [Counter(gzip.decompress(f.read_bytes())) for f in filters]
        hashes = [f.stem.encode() for f in filters]
        for meta in metas:
            data = gzip.decompress(meta.read_bytes())
            for name in hashes:
                data = data.replace(name, b"<filter>")
            found[where + " meta"] = data
        entry = (bundle / "pagefind-entry.json").read_bytes()
        for meta in metas:
            entry = entry.replace(meta.name.removeprefix("pagefind.").removesuffix(".pf_meta").encode(), b"<meta>")
        found[where + " entry"] = entry
    return found


def compare(before: Path, after: Path, part: str) -> list[str]:
    """Files of `part` that differ (missing on one side, or other bytes)."""
    a_root, b_root = before / part, after / part
    a_files = {p.relative_to(a_root) for p in a_root.rglob("*") if p.is_file()}
    b_files = {p.relative_to(b_root) for p in b_root.rglob("*") if p.is_file()}
    plain = lambda files: {f for f in files if f.name not in _SKIPPED and not f.name.startswith(_BASES)  # noqa: E731
                           and not _is_search_index(f)}
    differences = [f"only before: {f}" for f in sorted(plain(a_files) - plain(b_files))]
    differences += [f"only after: {f}" for f in sorted(plain(b_files) - plain(a_files))]
    for relative in sorted(plain(a_files) & plain(b_files)):
        if _content(a_root, relative) != _content(b_root, relative):
            differences.append(f"differs: {relative}")
    if _search_index_contents(a_root) != _search_index_contents(b_root):
        differences.append("differs: the search index's filters, meta data or entry file")
    print(f"{part}/: {len(a_files)} files before, {len(b_files)} after, {len(differences)} differences")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code before")
    parser.add_argument("--after", type=Path, required=True, help="a checkout of the code after")
    parser.add_argument("--unpacked", help="an unpacked copy of the real archive (holds _posts/)")
    parser.add_argument("--posts", type=int, default=None, help="a sample of about N posts")
    parser.add_argument("--work", type=Path, default=None, help="where both archives are kept (new or empty)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="newsmirror-unchanged-"))
    before = produce(args.before.resolve(), work / "before", args.unpacked, args.posts)
    after = produce(args.after.resolve(), work / "after", args.unpacked, args.posts)
    for part in ("_posts", "_site"):
        for line in compare(before, after, part)[:50]:
            print("  " + line)
    print(f"archives kept in {work}")


if __name__ == "__main__":
    main()
