"""A reader's partial clone (issue 15): `git clone --filter=blob:none --sparse` and the recent years' folders only;
`newsmirror build` builds what is there, and git never fetched the other years' posts."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archivehelpers import news, site_urls
from newsmirror.archive.layout import Archive
from newsmirror.config import load_config
from newsmirror.scaffold import init_archive
from newsmirror.site import build_site

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
       "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}  # fmt: skip


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_sparse_partial_clone_of_recent_years_builds(tmp_path):
    origin = tmp_path / "mirror"
    init_archive(origin, title="镜像")
    archive = Archive(origin)
    for index in range(90):  # 2024-01 … 2026-06: about a month apart
        archive.write_post(news(index, start=datetime(2024, 1, 3, tzinfo=UTC), every=timedelta(days=10)))
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "posts")
    git(origin, "config", "uploadpack.allowFilter", "true")

    clone = tmp_path / "reader"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--sparse", f"file://{origin}", str(clone))
    git(clone, "sparse-checkout", "set", "_posts/2026", "_posts/2025")

    report = build_site(load_config(clone), jobs=2, with_search=True)

    assert report.errors == []
    years = {url.split("/", 1)[0] for url in site_urls(clone / "_site") if url[:4].isdigit()}
    assert years == {"2025", "2026"}
    posts = [p for p in (clone / "_posts").rglob("*.md")]
    assert len(posts) == report.posts == sum(1 for p in (origin / "_posts").rglob("*.md") if p.parts[-3] >= "2025")
    assert (clone / "_site" / "pagefind").is_dir()
    # The 2024 posts' contents were never downloaded: their blobs are missing from the clone.
    missing = [line for line in git(clone, "rev-list", "--objects", "--missing=print", "HEAD").splitlines() if line.startswith("?")]
    assert len(missing) >= sum(1 for p in (origin / "_posts" / "2024").rglob("*.md"))
