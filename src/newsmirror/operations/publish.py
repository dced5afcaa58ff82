"""Publishing: commit what the runs added, pull with rebase, push to every remote.

Uses the `git` command through subprocess: it is what every mirror host speaks, it reads the user's credentials,
SSH keys and hooks as they are, and its messages are the ones users know. (A Python git library would add a
second implementation of the same protocol and none of the credential helpers.)
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsmirror.archive.layout import ARCHIVED_DIR, LISTS_DIR, POSTS_DIR, SOURCES_PAGE, STATE_DIR
from newsmirror.archive.postformat import PostFormatError, read_front_matter, source_of
from newsmirror.config import Config

FALLBACK_NAME = "newsmirror"
FALLBACK_EMAIL = "newsmirror@users.noreply.localhost"


class PublishError(Exception):
    """Publishing cannot start at all (not a git repository, git missing); str() is one line."""


class GitError(Exception):
    def __init__(self, args: list[str], code: int, output: str):
        self.code = code
        self.output = output
        super().__init__(f"git {' '.join(args)} failed ({code}): {_reason(output)}")


def _reason(output: str) -> str:
    """The one line of git's output that says why: a refused ref, the remote's own words, or the fatal error."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("hint:")]
    refused = [line.split("\t")[-1] for line in lines if line.startswith("!")]  # `push --porcelain`
    said = [line[len("remote:") :].strip() for line in lines if line.startswith("remote:")]
    said = [line for line in said if line]
    if refused:
        return "; ".join(refused + said[:2])
    fatal = next((line for line in lines if line.startswith(("fatal:", "error:", "CONFLICT"))), None)
    return fatal or (lines[-1] if lines else "no output")


@dataclass(slots=True)
class RemoteResult:
    name: str
    ok: bool = False
    attempts: int = 0
    error: str | None = None


@dataclass(slots=True)
class PublishReport:
    branch: str = ""
    committed: bool = False
    commit: str | None = None
    message: str = ""
    remotes: list[RemoteResult] = field(default_factory=list)

    @property
    def failed_remotes(self) -> list[RemoteResult]:
        return [r for r in self.remotes if not r.ok]

    @property
    def succeeded(self) -> bool:
        return not self.failed_remotes

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        parts = [f"committed {self.commit[:10]}" if self.committed and self.commit else "nothing to commit"]
        for remote in self.remotes:
            parts.append(f"pushed {remote.name}" if remote.ok else f"push to {remote.name} failed: {remote.error}")
        if not self.remotes:
            parts.append("no remote to push to")
        return "; ".join(parts)


class Git:
    """A thin wrapper: runs `git` in one directory, with a fallback identity when none is configured."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.identity: list[str] = []

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}  # never hang on a password prompt
        try:
            result = subprocess.run(
                ["git", *self.identity, *args],
                cwd=self.cwd,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                env=env,
            )
        except FileNotFoundError:
            raise PublishError("git is not installed (publishing needs the `git` command)") from None
        except subprocess.TimeoutExpired:
            raise GitError(list(args), -1, f"timed out after {timeout:.0f} s") from None
        if check and result.returncode != 0:
            raise GitError(list(args), result.returncode, result.stderr + result.stdout)
        return result

    def output(self, *args: str) -> str:
        return self.run(*args).stdout.strip()

    def ensure_identity(self) -> None:
        """Commits need a name and an e-mail; CI machines often have none configured."""
        name = self.run("config", "user.name", check=False).stdout.strip()
        email = self.run("config", "user.email", check=False).stdout.strip()
        if not name or not email:
            self.identity = ["-c", f"user.name={name or FALLBACK_NAME}", "-c", f"user.email={email or FALLBACK_EMAIL}"]


def repository_root(path: Path) -> Path | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True, timeout=60
        )
    except (FileNotFoundError, NotADirectoryError):
        return None
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def _source_of(path: Path) -> str:
    try:
        return source_of(read_front_matter(path)) or "?"
    except (OSError, PostFormatError):
        return "?"


def commit_message(added_posts: list[Path], moved: int, other: int, foldered: int = 0) -> str:
    """`newsmirror: 12 new posts (大纪元 8, BBC中文 4)`, with one line per source in the body; `moved` counts posts
    rotated to archived/, `foldered` those moved within _posts/ (reorganize)."""
    per_source = Counter(_source_of(p) for p in added_posts)
    parts = [f"{len(added_posts)} new post{'s' if len(added_posts) != 1 else ''}"]
    if moved:
        parts.append(f"{moved} rotated")
    if foldered:
        parts.append(f"{foldered} moved into dated folders")
    if other:
        parts.append(f"{other} other file{'s' if other != 1 else ''} changed")
    subject = "newsmirror: " + ", ".join(parts)
    if per_source:
        top = ", ".join(f"{name} {count}" for name, count in per_source.most_common(4))
        subject += f" ({top}{', …' if len(per_source) > 4 else ''})"
    body = [f"{name}: {count}" for name, count in sorted(per_source.items())]
    return subject + ("\n\n" + "\n".join(body) if body else "") + "\n"


def _is_post(relative: str) -> bool:
    return relative.startswith((POSTS_DIR + "/", ARCHIVED_DIR + "/")) and relative.endswith((".md", ".markdown", ".html"))


def stage_and_commit(git: Git, archive_root: Path) -> tuple[bool, str]:
    """Stage everything under the archive except the cache; commit when anything is staged.

    `git` runs in the archive directory, so `.` is the archive even when it is a sub-folder of the repository.
    """
    ignored = git.run("check-ignore", "-q", STATE_DIR + "/", check=False).returncode == 0
    # The cache is never committed; git refuses an exclude pathspec naming an ignored path, hence the check.
    # Nor are the hidden temporary files of a write in progress (or of a killed run): `.name.XXXX.tmp`.
    git.run("add", "-A", "--", ".", ":(exclude,glob)**/.*.tmp", *([] if ignored else [f":(exclude){STATE_DIR}"]))
    staged = git.run("diff", "--cached", "--name-status", "-M", "-z", "--relative", "--", ".").stdout
    fields = [f for f in staged.split("\0") if f]
    added, moved, other, indexes, foldered = [], 0, 0, 0, 0
    index = 0
    while index < len(fields):
        status = fields[index]
        if status.startswith(("R", "C")):
            within_posts = fields[index + 2].startswith(POSTS_DIR + "/") and fields[index + 1].startswith(POSTS_DIR + "/")
            foldered += within_posts
            moved += not within_posts
            index += 3
            continue
        relative = fields[index + 1]
        index += 2
        if status == "A" and _is_post(relative):
            added.append(archive_root / relative)
        elif not relative.startswith((LISTS_DIR + "/", SOURCES_PAGE)):  # indexes follow the posts: not news
            other += 1
        else:
            indexes += 1
    if not added and not moved and not other and not indexes and not foldered:
        # Something outside the archive may be staged by the user; never commit that on their behalf.
        return False, ""
    message = commit_message(added, moved, other, foldered)
    git.run("commit", "--quiet", "-m", message, "--", ".")
    return True, message


def _remote_has_branch(git: Git, remote: str, branch: str) -> bool:
    result = git.run("ls-remote", "--exit-code", "--heads", remote, branch, check=False, timeout=300)
    if result.returncode == 2:
        return False
    if result.returncode != 0:
        raise GitError(["ls-remote", remote], result.returncode, result.stderr)
    return True


def _pull(git: Git, remote: str, branch: str) -> None:
    if not _remote_has_branch(git, remote, branch):
        return  # an empty mirror: the first push creates the branch
    result = git.run("pull", "--rebase", "--autostash", "--quiet", "--no-edit", remote, branch, check=False, timeout=900)
    if result.returncode != 0:
        # A conflict (someone edited the same post upstream): leave the work tree as it was before the pull.
        git.run("rebase", "--abort", check=False)
        raise GitError(["pull", "--rebase", remote, branch], result.returncode, result.stderr + result.stdout)


def _is_stale_rejection(output: str) -> bool:
    """Rejected because the remote moved on (worth a pull and a retry), not refused by a hook or a permission."""
    if "[rejected]" in output and any(w in output for w in ("fetch first", "non-fast-forward", "stale info")):
        return True
    # The ref moved between the advertisement and the update (a push racing ours).
    return any(w in output for w in ("cannot lock ref", "incorrect old value", "failed to update ref"))


def push_to(git: Git, remote: str, branch: str, retries: int) -> RemoteResult:
    result = RemoteResult(name=remote)
    for attempt in range(1, retries + 2):
        result.attempts = attempt
        try:
            _pull(git, remote, branch)
        except GitError as exc:
            result.error = str(exc)
            return result
        pushed = git.run("push", "--porcelain", remote, f"HEAD:refs/heads/{branch}", check=False, timeout=900)
        if pushed.returncode == 0:
            result.ok, result.error = True, None
            return result
        output = pushed.stdout + pushed.stderr
        result.error = str(GitError(["push", remote, branch], pushed.returncode, output))
        if not _is_stale_rejection(output):
            return result
    return result


def publish(
    archive_root: Path,
    remotes: list[str] | None = None,
    branch: str = "",
    retries: int = 2,
) -> PublishReport:
    """Commit, then pull --rebase and push for each remote; one failing remote does not stop the others.

    Raises PublishError when the archive is not in a git repository or a named remote does not exist.
    """
    archive_root = archive_root.resolve()
    repo_root = repository_root(archive_root)
    if repo_root is None:
        raise PublishError(f"{archive_root} is not in a git repository (run `git init` and add a remote)")
    git = Git(archive_root)
    git.ensure_identity()
    report = PublishReport()
    report.branch = branch or git.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
    if not report.branch:
        raise PublishError(f"{repo_root}: HEAD is detached; set [publish] branch in newsmirror.toml")
    existing = git.output("remote").split()
    wanted = remotes or existing
    missing = [name for name in wanted if name not in existing]
    if missing:
        raise PublishError(
            f"{repo_root}: no git remote named {', '.join(missing)} (see `git remote -v`; [publish] remotes)"
        )
    report.committed, report.message = stage_and_commit(git, archive_root)
    if report.committed:
        report.commit = git.output("rev-parse", "HEAD")
    for remote in wanted:
        report.remotes.append(push_to(git, remote, report.branch, retries))
    return report


def publish_archive(config: Config, remotes: list[str] | None = None) -> PublishReport:
    """`newsmirror publish`: the remotes named on the command line, else those in newsmirror.toml, else all."""
    from newsmirror.archive.layout import Archive
    from newsmirror.archive.lock import ArchiveLock

    settings = config.publish
    # Under the archive lock: a fetch, add or rotate in progress finishes before its files are committed.
    with ArchiveLock(Archive(config.root), wait=600):
        return publish(
            config.root, remotes=remotes or settings.remotes or None, branch=settings.branch, retries=settings.retries
        )
