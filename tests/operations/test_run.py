"""`newsmirror run --every`: a short interval, a failing source, a second instance refused, publishing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import GOLDEN_FEED, post_files, run_cli, write_config
from newsmirror.operations.run import run_every

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ run (\d+): (.*)$")


def test_runs_on_schedule_survives_a_failing_source_and_logs_one_line_per_run(tmp_path, server):
    url = server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())
    broken = server.add("/broken.xml", "gone", status=404)
    write_config(tmp_path, [{"name": "大纪元", "url": url}, {"name": "坏", "url": broken}], extra="[fetch]\nretries = 0")
    log = tmp_path / "run.log"

    started = time.monotonic()
    result = run_cli("run", "-C", str(tmp_path), "--every", "1s", "--max-runs", "3", "--log", str(log))
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    lines = [m for m in (LINE.match(line) for line in result.stderr.splitlines()) if m]
    assert [m.group(1) for m in lines] == ["1", "2", "3"]
    assert lines[0].group(2).startswith("1 new, 0 known, 0 filtered, 0 unchanged, 1/2 sources failed (坏: ")
    assert "404" in lines[0].group(2)
    assert lines[1].group(2).startswith("0 new, 0 known, 0 filtered, 1 unchanged, 1/2 sources failed")
    assert log.read_text(encoding="utf-8").count(" run ") == 3
    assert elapsed >= 2.0  # three starts one second apart
    assert len(list(post_files(tmp_path))) == 1
    assert server.hits["/broken.xml"] == 3  # the failing source was tried at every run


def test_a_crashing_run_is_logged_and_the_next_one_runs(tmp_path, server, monkeypatch):
    url = server.add("/feed.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    calls = []
    import newsmirror.operations.fetch as pipeline

    real = pipeline.run_fetch

    def flaky(config, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return real(config, **kwargs)

    monkeypatch.setattr(pipeline, "run_fetch", flaky)
    lines: list[str] = []
    outcomes = run_every(tmp_path, timedelta(seconds=0.2), max_runs=2, log=lines.append)
    assert [o.ok for o in outcomes] == [False, True]
    assert "run 1: failed: RuntimeError: disk on fire" in lines[1]
    assert "run 2: 1 new" in lines[2]


def test_broken_settings_between_runs_are_logged_not_fatal(tmp_path, server):
    url = server.add("/feed.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    lines: list[str] = []

    def break_settings(seconds: float) -> None:
        (tmp_path / "newsmirror.toml").write_text("[fetch]\ntimeout = 'x'\n")

    outcomes = run_every(tmp_path, timedelta(seconds=0.1), max_runs=2, log=lines.append, sleep=break_settings)
    assert [o.ok for o in outcomes] == [True, False]
    assert "run 2: failed: settings:" in lines[2] and "timeout" in lines[2]


def test_a_second_instance_is_refused_while_the_first_runs(tmp_path, server):
    url = server.add("/feed.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    first = subprocess.Popen(
        [sys.executable, "-m", "newsmirror", "run", "-C", str(tmp_path), "--every", "30s", "--max-runs", "2"],
        stderr=subprocess.PIPE, text=True, env={**env, "PYTHONUTF8": "1"},
    )  # fmt: skip
    try:
        assert first.stderr is not None
        assert " run 1: " in first.stderr.readline() + first.stderr.readline()  # started, first run done

        second = run_cli("run", "-C", str(tmp_path), "--every", "1s", "--max-runs", "1")

        assert second.returncode == 3
        assert "another `newsmirror run` (pid " in second.stderr and "already scheduling this archive" in second.stderr
        assert first.poll() is None  # the first one is unharmed
    finally:
        first.terminate()
        first.wait(timeout=30)
    after = run_cli("run", "-C", str(tmp_path), "--every", "1s", "--max-runs", "1")
    assert after.returncode == 0, after.stderr  # the lock died with its holder


def test_a_manual_fetch_holding_the_archive_makes_a_run_wait_not_overlap(tmp_path, server):
    from newsmirror.archive.layout import Archive
    from newsmirror.archive.lock import ArchiveLock

    url = server.add("/feed.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    lines: list[str] = []
    with ArchiveLock(Archive(tmp_path)):
        outcomes = run_every(tmp_path, timedelta(seconds=1), max_runs=1, log=lines.append)
    assert not outcomes[0].ok and "skipped: another newsmirror run" in lines[1]
    assert server.hits.get("/feed.xml") is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_publishes_after_each_run_when_enabled_in_the_settings(tmp_path, server):
    iso = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    upstream = tmp_path / "up.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(upstream)], check=True)
    root = tmp_path / "m"
    url = server.add("/feed.xml", GOLDEN_FEED.read_bytes())
    write_config(root, [{"name": "大纪元", "url": url}], extra="[publish]\nenabled = true")
    (root / ".gitignore").write_text(".newsmirror/\n")
    for args in (["init", "-q", "-b", "main"], ["remote", "add", "origin", str(upstream)]):
        subprocess.run(["git", *args], cwd=root, check=True, env={**os.environ, **iso})

    result = run_cli("run", "-C", str(root), "--every", "1s", "--max-runs", "2", env=iso)

    assert result.returncode == 0, result.stderr
    assert "publish: committed" in result.stderr and "pushed origin" in result.stderr
    assert "publish: nothing to commit; pushed origin" in result.stderr  # run 2: nothing new
    log = subprocess.run(["git", "log", "--format=%s", "main"], cwd=upstream, capture_output=True, text=True).stdout
    # One commit: the first run's (with the settings and .gitignore of this fresh repository); none for run 2.
    assert log.splitlines() == ["newsmirror: 1 new post, 2 other files changed (大纪元 1)"]


def test_bad_interval(tmp_path):
    write_config(tmp_path, [{"name": "a", "url": "http://127.0.0.1:9/f"}])
    result = run_cli("run", "-C", str(tmp_path), "--every", "often")
    assert result.returncode == 2 and "--every: 'often' is not a duration" in result.stderr
    assert not Path(tmp_path / ".newsmirror" / "scheduler.lock").exists()
