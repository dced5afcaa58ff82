"""What `newsmirror init` writes: the settings file and the files around the posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsmirror.archive.layout import POSTS_DIR, STATE_DIR
from newsmirror.config import CONFIG_NAME, default_config_text
from newsmirror.files import write_if_changed

GITIGNORE = f"""# newsmirror's cache (rebuilt from the posts when missing) and build output
{STATE_DIR}/
_site/
.jekyll-cache/
.sass-cache/
# a write in progress (or a killed run's leftover): never content
.*.tmp
"""


class InitError(Exception):
    pass


def write_missing(files: dict[Path, str], force: bool = False) -> list[Path]:
    """Write the files that do not exist yet (every one with `force`, where its text changed); returns those
    written. A file the user has edited stays theirs unless they ask."""
    written = []
    for path, text in files.items():
        if path.exists() and not force:
            continue
        if write_if_changed(path, text):
            written.append(path)
    return written


def init_archive(root: Path, title: str = "newsmirror", force: bool = False) -> list[Path]:
    """Create a ready archive at `root`; refuses to overwrite an existing newsmirror.toml unless `force`."""
    config_path = root / CONFIG_NAME
    if config_path.exists() and not force:
        raise InitError(f"{config_path} exists already; pass --force to write the scaffold files again")
    root.mkdir(parents=True, exist_ok=True)
    (root / POSTS_DIR).mkdir(exist_ok=True)
    written = []
    if not config_path.exists():
        write_if_changed(config_path, default_config_text(title))
        written.append(config_path)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        write_if_changed(gitignore, GITIGNORE)
        written.append(gitignore)
    from newsmirror.scaffold.jekyll import write_jekyll_site

    written += write_jekyll_site(root, title, force=force)
    from newsmirror.scaffold.workflows import write_workflows

    written += write_workflows(root, force=force)
    return written


FIRST_COMMIT = "newsmirror init: settings, the site around the posts, workflows"


@dataclass
class InitReport:
    root: Path
    written: list[Path] = field(default_factory=list)
    repository: str = ""  # "created" (with the first commit), "exists" (the archive is inside one), or why not


def create_repository(root: Path, written: list[Path]) -> str:
    """`git init` and a first commit of the files init wrote — unless the archive is inside a repository already
    (then nothing is staged: what to commit there is the user's call). `publish` needs a repository."""
    from newsmirror.operations.publish import Git, GitError, PublishError, repository_root

    if repository_root(root) is not None:
        return "exists"
    git = Git(root)
    try:
        git.run("init", "--quiet")
        git.ensure_identity()
        git.run("add", "--", *(str(path.relative_to(root)) for path in written))
        git.run("commit", "--quiet", "-m", FIRST_COMMIT)
    except (GitError, PublishError) as exc:
        return f"not created: {exc}"
    return "created"


def create_archive(root: Path, title: str = "newsmirror", force: bool = False, git: bool = True) -> InitReport:
    """`newsmirror init`: the archive's files, then its git repository with a first commit (unless `git` is off)."""
    report = InitReport(root, init_archive(root, title=title, force=force))
    if git and report.written:
        report.repository = create_repository(root, report.written)
    return report
