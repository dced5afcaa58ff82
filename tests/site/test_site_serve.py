"""`newsmirror serve`: builds, serves on 127.0.0.1 and rebuilds when a post is added."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from urllib.parse import quote

from conftest import GOLDEN_NAME, GOLDEN_POST
from newsmirror.archive.layout import Archive
from newsmirror.models import Article
from newsmirror.scaffold import init_archive


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode("utf-8")


def wait_for(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def test_serve_previews_and_rebuilds_when_posts_change(tmp_path):
    root = tmp_path / "mirror"
    init_archive(root)
    shutil.copyfile(GOLDEN_POST, root / "_posts" / GOLDEN_NAME)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsmirror", "serve", "-C", str(root), "--port", str(port), "--interval", "0.5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: "布林肯王毅会谈逾7小时" in fetch(base + "/")), "the site was not served"
        post = fetch(base + "/" + quote("2023/10/28/布林肯王毅会谈逾7小时-盘点美中冲突领域.html"))
        assert "以下是布林肯在会议期间提出的美中分歧的相关议题" in post

        Archive(root).write_post(
            Article(title="新加入的文章", date=datetime(2024, 1, 1, tzinfo=UTC), author="美国之音",
                    link="https://news.example/new", source="美国之音", content="<p>新的正文</p>")
        )
        assert wait_for(lambda: "新加入的文章" in fetch(base + "/")), "the new post did not appear"
        assert "新的正文" in fetch(base + "/" + quote("2024/01/01/新加入的文章.html"))
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode("utf-8", "replace")
    assert f"127.0.0.1:{port}" in output
