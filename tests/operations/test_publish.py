"""Publishing against real bare git repositories on disk: two remotes, a rejecting one, upstream commits."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GOLDEN_FEED, GOLDEN_POST, run_cli, write_config
from newsmirror.operations.publish import PublishError, commit_message, publish

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# No global identity (as on CI): every repository used here gets its own, except where a test checks the fallback.
ISOLATED = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    for key, value in ISOLATED.items():
        monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **ISOLATED})
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def identify(repo: Path) -> None:
    git(repo, "config", "user.name", "Test Person")
    git(repo, "config", "user.email", "test@example.org")


def bare(path: Path, reject: bool = False) -> Path:
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(path)], check=True)
    if reject:
        hook = path / "hooks" / "pre-receive"
        hook.write_text("#!/bin/sh\necho 'this mirror is blocked' >&2\nexit 1\n")
        hook.chmod(0o755)
    return path


def make_archive(tmp_path: Path, remotes: dict[str, Path], identity: bool = True) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    git(root, "init", "--quiet", "-b", "main")
    if identity:
        identify(root)
    write_config(root, [{"name": "大纪元", "url": "http://127.0.0.1:9/feed"}])
    (root / ".gitignore").write_text(".newsmirror/\n")
    for name, path in remotes.items():
        git(root, "remote", "add", name, str(path))
    if identity:
        git(root, "add", "-A")
        git(root, "commit", "--quiet", "-m", "start")
    return root


def add_post(root: Path, name: str, source: str = "大纪元") -> Path:
    path = root / "_posts" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"---\nlayout: post\ntitle: \"{name}\"\ndate: 2026-11-20T10:00:00.000Z\nfrom: https://example.org/{name}\n"
                    f"tags: [ {source} ]\ncategories: [ {source} ]\n---\nbody\n", encoding="utf-8")
    return path


def log_of(repo: Path, ref: str = "main") -> list[str]:
    return git(repo, "log", "--format=%s", ref).splitlines()


def test_commits_and_pushes_to_every_remote_with_counts_per_source(tmp_path):
    one, two = bare(tmp_path / "one.git"), bare(tmp_path / "two.git")
    root = make_archive(tmp_path, {"github": one, "codeberg": two})
    add_post(root, "2026-11-20-a.md")
    add_post(root, "2026-11-20-b.md")
    add_post(root, "2026-11-20-c.md", source="BBC中文")
    (root / ".newsmirror").mkdir()
    (root / ".newsmirror" / "state.sqlite").write_bytes(b"cache")

    report = publish(root)

    assert report.committed and report.succeeded
    assert [r.name for r in report.remotes] == ["codeberg", "github"]
    head = git(root, "rev-parse", "HEAD")
    assert git(one, "rev-parse", "main") == head == git(two, "rev-parse", "main")
    subject = log_of(root)[0]
    assert subject == "newsmirror: 3 new posts (大纪元 2, BBC中文 1)"
    body = git(root, "log", "-1", "--format=%b")
    assert "BBC中文: 1" in body and "大纪元: 2" in body
    files = git(root, "ls-files")
    assert ".newsmirror" not in files  # the cache is never committed


def test_nothing_to_commit_makes_no_commit(tmp_path):
    one = bare(tmp_path / "one.git")
    root = make_archive(tmp_path, {"origin": one})
    before = git(root, "rev-parse", "HEAD")

    report = publish(root)

    assert not report.committed and report.commit is None
    assert git(root, "rev-parse", "HEAD") == before
    assert git(one, "rev-parse", "main") == before  # still pushed: a mirror that missed a push catches up
    assert report.summary().startswith("nothing to commit")


def test_a_rejecting_remote_is_reported_and_does_not_stop_the_others(tmp_path):
    blocked, good = bare(tmp_path / "blocked.git", reject=True), bare(tmp_path / "good.git")
    root = make_archive(tmp_path, {"aaa-blocked": blocked, "zzz-good": good})
    add_post(root, "2026-11-20-a.md")

    report = publish(root)

    by_name = {r.name: r for r in report.remotes}
    assert not by_name["aaa-blocked"].ok and "pre-receive hook declined" in by_name["aaa-blocked"].error
    assert by_name["aaa-blocked"].attempts == 1  # a hook's refusal is not retried
    assert by_name["zzz-good"].ok
    assert git(good, "rev-parse", "main") == git(root, "rev-parse", "HEAD")
    assert not report.succeeded


def commit_in_another_clone(tmp_path: Path, upstream: Path, name: str, text: str, message: str) -> Path:
    """Another runner's (or a person's) clone of the remote, with one commit of its own, not pushed yet."""
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(upstream), str(other))
    identify(other)
    (other / name).write_text(text)
    git(other, "add", name)
    git(other, "commit", "--quiet", "-m", message)
    return other


def test_upstream_commits_are_rebased_onto(tmp_path):
    upstream = bare(tmp_path / "up.git")
    root = make_archive(tmp_path, {"origin": upstream})
    git(root, "push", "--quiet", "origin", "main")
    # Someone else (another runner, a person on the web UI) pushes meanwhile.
    other = commit_in_another_clone(tmp_path, upstream, "README.md", "hello\n", "upstream change")
    git(other, "push", "--quiet", "origin", "main")
    add_post(root, "2026-11-20-a.md")

    report = publish(root)

    assert report.succeeded and report.committed
    subjects = log_of(upstream)
    assert subjects[:3] == ["newsmirror: 1 new post (大纪元 1)", "upstream change", "start"]
    assert (root / "README.md").read_text() == "hello\n"


def test_a_push_rejected_because_the_remote_moved_is_retried_after_a_pull(tmp_path):
    upstream = bare(tmp_path / "up.git")
    root = make_archive(tmp_path, {"origin": upstream})
    git(root, "push", "--quiet", "origin", "main")
    other = commit_in_another_clone(tmp_path, upstream, "NOTE.md", "x\n", "racing commit")
    add_post(root, "2026-11-20-a.md")
    # The race a busy mirror sees: another commit lands after newsmirror's pull and before its push (a pre-push
    # hook in the archive pushes the other clone first, once). The push is refused; a pull and a retry succeed.
    hook = root / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        f"if [ ! -e {tmp_path}/raced ]; then touch {tmp_path}/raced; "
        f"GIT_DIR={other}/.git git push --quiet origin main >/dev/null 2>&1; fi\nexit 0\n"
    )
    hook.chmod(0o755)

    report = publish(root)

    assert report.succeeded, report.remotes
    assert report.remotes[0].attempts == 2
    assert log_of(upstream)[:2] == ["newsmirror: 1 new post (大纪元 1)", "racing commit"]


def test_works_without_any_configured_identity(tmp_path):
    one = bare(tmp_path / "one.git")
    root = make_archive(tmp_path, {"origin": one}, identity=False)
    add_post(root, "2026-11-20-a.md")

    report = publish(root)

    assert report.committed and report.succeeded
    assert git(root, "log", "-1", "--format=%an <%ae>") == "newsmirror <newsmirror@users.noreply.localhost>"


def test_an_existing_identity_is_kept(tmp_path):
    root = make_archive(tmp_path, {"origin": bare(tmp_path / "one.git")})
    add_post(root, "2026-11-20-a.md")
    publish(root)
    assert git(root, "log", "-1", "--format=%an") == "Test Person"


def test_only_the_remotes_named_in_the_settings(tmp_path):
    one, two = bare(tmp_path / "one.git"), bare(tmp_path / "two.git")
    root = make_archive(tmp_path, {"one": one, "two": two})
    config = root / "newsmirror.toml"
    config.write_text('[publish]\nremotes = ["two"]\n\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    add_post(root, "2026-11-20-a.md")

    result = run_cli("publish", "-C", str(root), "--json", env=ISOLATED)

    assert result.returncode == 0, result.stderr
    assert '"name": "two"' in result.stdout and '"name": "one"' not in result.stdout
    assert git(two, "rev-parse", "main") == git(root, "rev-parse", "HEAD")
    assert subprocess.run(["git", "rev-parse", "main"], cwd=one, capture_output=True).returncode != 0


def test_unknown_remote_and_no_repository_are_one_line_errors(tmp_path):
    plain = tmp_path / "plain"
    write_config(plain, [{"name": "a", "url": "http://127.0.0.1:9/feed"}])
    with pytest.raises(PublishError, match="not in a git repository"):
        publish(plain)
    root = make_archive(tmp_path, {"origin": bare(tmp_path / "one.git")})
    with pytest.raises(PublishError, match="no git remote named nowhere"):
        publish(root, remotes=["nowhere"])
    result = run_cli("publish", "-C", str(root), "--remote", "nowhere", env=ISOLATED)
    assert result.returncode == 2 and "no git remote named nowhere" in result.stderr


def test_cli_exit_status_reports_a_failed_remote(tmp_path):
    root = make_archive(tmp_path, {"bad": bare(tmp_path / "bad.git", reject=True), "good": bare(tmp_path / "g.git")})
    add_post(root, "2026-11-20-a.md")
    result = run_cli("publish", "-C", str(root), env=ISOLATED)
    assert result.returncode == 1
    assert "bad" in result.stderr and "pre-receive hook declined" in result.stderr


def test_fetch_publish_fetches_then_publishes_in_one_run(tmp_path, server):
    upstream = bare(tmp_path / "up.git")
    root = make_archive(tmp_path, {"origin": upstream})
    url = server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())
    write_config(root, [{"name": "大纪元", "url": url}])
    git(root, "commit", "--quiet", "-am", "point at the test feed")

    result = run_cli("fetch", "-C", str(root), "--publish", env=ISOLATED)

    assert result.returncode == 0, result.stderr
    assert log_of(upstream)[0].startswith("newsmirror: 1 new post (大纪元 1)")
    committed = git(upstream, "show", "main:_posts/2023/10/2023-10-28-布林肯王毅会谈逾7小时 盘点美中冲突领域.md")
    assert committed == GOLDEN_POST.read_text(encoding="utf-8").strip()

    again = run_cli("fetch", "-C", str(root), "--publish", env=ISOLATED)
    assert again.returncode == 0, again.stderr
    assert log_of(upstream)[0].startswith("newsmirror: 1 new post")  # no new commit: nothing new
    assert len(log_of(upstream)) == len(log_of(root))


def test_commit_message_counts_rotations_and_other_files(tmp_path):
    post = add_post(tmp_path, "2026-11-20-a.md", source="法广")
    message = commit_message([post], moved=5, other=2)
    assert message.startswith("newsmirror: 1 new post, 5 rotated, 2 other files changed (法广 1)\n")


def test_publish_never_commits_temporary_files_and_waits_for_the_archive_lock(tmp_path):
    from newsmirror.archive.layout import Archive
    from newsmirror.archive.lock import ArchiveLock
    from newsmirror.config import load_config
    from newsmirror.operations.publish import publish_archive

    root = tmp_path / "mirror"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for key, value in (("user.name", "t"), ("user.email", "t@example.org")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    (root / "newsmirror.toml").write_text('[[sources]]\nname = "a"\nurl = "https://a.example/f"\n', encoding="utf-8")
    (root / "_posts").mkdir()
    (root / "_posts" / "2024-01-01-a.md").write_text("---\ntitle: a\n---\n", encoding="utf-8")
    (root / "_posts" / ".new.abcd.tmp").write_text("half", encoding="utf-8")
    (root / "lists").mkdir()
    (root / "lists" / ".a.md.x1y2.tmp").write_text("half", encoding="utf-8")
    config = load_config(root)

    def tracked() -> str:
        return subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True).stdout

    import threading
    import time

    with ArchiveLock(Archive(root)):  # a fetch in progress
        publishing = threading.Thread(target=publish_archive, args=(config,))
        publishing.start()
        time.sleep(1.0)
        assert publishing.is_alive() and tracked() == ""  # waiting for the fetch, nothing committed yet
    publishing.join(timeout=30)
    assert not publishing.is_alive()
    assert "_posts/2024-01-01-a.md" in tracked() and ".tmp" not in tracked()
