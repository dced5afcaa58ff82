"""`newsmirror size` (issue 15): sizes against GitHub's limits, growth a month, when each limit is reached and what
to do; the same findings in `doctor` and `status --json`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from archivehelpers import news, write_flat
from conftest import run_cli
from newsmirror.archive.layout import Archive
from newsmirror.operations.size import PER_DAY, REORGANIZE, measure_size
from newsmirror.scaffold import init_archive

TODAY = date(2026, 12, 2)


def _per_month(root: Path, months: list[tuple[int, int, int]], flat: bool = False) -> int:
    """(year, month, posts) each: posts spread over the month, as fetch writes them (or flat)."""
    written = 0
    for year, month, count in months:
        start = datetime(year, month, 1, tzinfo=UTC)
        articles = [replace(news(written + i), date=start + timedelta(days=28) / count * i) for i in range(count)]
        if flat:
            write_flat(root, articles)
        else:
            archive = Archive(root)
            for article in articles:
                archive.write_post(article)
        written += count
    return written


def test_sizes_fullest_folders_growth_and_projection(tmp_path):
    root = tmp_path / "mirror"
    init_archive(root)
    _per_month(root, [(2026, 8, 100), (2026, 9, 200), (2026, 10, 300), (2026, 11, 400), (2026, 12, 10)])
    images = root / "assets" / "images" / "ab"
    images.mkdir(parents=True)
    (images / "x.jpg").write_bytes(os.urandom(300_000))

    report = measure_size(root, today=TODAY)

    posts = [p for p in (root / "_posts").rglob("*.md")]
    assert report.posts == len(posts) == 1010
    assert report.posts_bytes == sum(p.stat().st_size for p in posts) and report.images_bytes == 300_000
    assert report.disk_bytes == sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and ".newsmirror" not in p.parts)
    assert report.git_packed_bytes is None and report.posts_bytes // 20 < report.packed_bytes < report.disk_bytes
    assert report.directories[0] == ("_posts/2026/11", 400)
    assert report.files[0] == ("assets/images/ab/x.jpg", 300_000)
    assert [(g.month, g.posts) for g in report.growth if g.posts] == [
        ("2026-08", 100), ("2026-09", 200), ("2026-10", 300), ("2026-11", 400), ("2026-12", 10)]  # fmt: skip
    repository = report.limits[0]
    assert repository.limit == 1024**3 and repository.current == report.packed_bytes
    # The rate: the mean of the last three full months (September to November), shrunk as packing shrinks the files.
    months = {g.month: g.bytes for g in report.growth}
    expected = (months["2026-09"] + months["2026-10"] + months["2026-11"]) / 3 * report.packed_bytes / report.disk_bytes
    assert repository.per_month == pytest.approx(expected)
    assert repository.reached_in_months == pytest.approx((1024**3 - report.packed_bytes) / expected)
    folder = report.limits[2]
    assert (folder.name, folder.current, folder.limit, folder.advice) == ("entries in _posts/2026/11", 400, 3000, REORGANIZE)
    assert report.advice == []  # nothing within two years


def test_a_flat_archive_is_told_to_reorganize_and_month_folders_past_3000_to_go_per_day(tmp_path):
    root = tmp_path / "flat"
    init_archive(root)
    _per_month(root, [(2026, 9, 900), (2026, 10, 900), (2026, 11, 900)], flat=True)
    report = measure_size(root, estimate_pack=False, today=TODAY)
    folder = report.limits[2]
    assert (folder.name, folder.current) == ("entries in _posts/", 2700)
    assert folder.per_month == 900 and folder.reached_in_months == pytest.approx(300 / 900)
    assert folder.reached_around == "2026-12" and report.advice[0] == REORGANIZE
    assert report.packed_bytes is None  # not estimated when not asked

    doctor = json.loads(run_cli("doctor", "-C", str(root), "--json").stdout)
    (finding,) = [f for f in doctor["findings"] if f["path"] == "(size)"]
    assert finding["severity"] == "warning" and finding["fix"] == REORGANIZE
    assert "entries in _posts/ 3,000 entries: 2,700 entries (90%)" in finding["problem"]

    busy = tmp_path / "busy"
    init_archive(busy)
    _per_month(busy, [(2026, 9, 3100), (2026, 10, 3100), (2026, 11, 3100)])
    limit = measure_size(busy, estimate_pack=False, today=TODAY).limits[2]
    assert limit.advice == PER_DAY and limit.reached_in_months == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_in_a_repository_the_packed_size_is_git_s_and_status_json_carries_the_report(tmp_path):
    root = tmp_path / "mirror"
    init_archive(root)
    _per_month(root, [(2026, 10, 50), (2026, 11, 50)])
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True)
    result = run_cli("size", "-C", str(root), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["git_packed_bytes"] + report["git_loose_bytes"] > 0 and report["packed_bytes"] > 0
    assert report["limits"][0]["current"] == max(report["git_packed_bytes"], report["packed_bytes"])
    assert report["posts"] == 100 and report["limits"][0]["reached"] is False
    text = run_cli("size", "-C", str(root))
    assert "Archive: " in text.stdout and "loose" in text.stdout and "Limits:" in text.stdout and "repository (GitHub: ideally under) 1 GB" in text.stdout
    status = json.loads(run_cli("status", "-C", str(root), "--json").stdout)
    assert status["size"]["posts"] == 100 and status["size"]["packed_bytes"] is None  # not estimated there
    assert status["size"]["limits"][0]["current"] == status["size"]["git_packed_bytes"] + status["size"]["git_loose_bytes"]


def test_an_archive_that_stopped_growing_reaches_no_limit(tmp_path):
    from newsmirror.operations.size import describe

    root = tmp_path / "old"
    init_archive(root)
    _per_month(root, [(2024, 5, 40), (2024, 6, 40)])
    report = measure_size(root, estimate_pack=False, today=TODAY)
    assert report.limits[0].per_month == 0 and report.limits[0].reached_in_months is None
    assert describe(report.limits[0]).endswith(", not growing") and report.advice == []
