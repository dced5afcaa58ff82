"""`newsmirror reorganize`: an archive written flat (every post in `_posts/`, as older mirrors and older versions of
newsmirror did) moved into exactly the layout `fetch` writes, `_posts/YYYY/MM/<name>` (or per day, as `[site] post_folders` says: archive/layout.py).

Only folders change: every file keeps its name and bytes, so Jekyll and `newsmirror build` put every post at the
same URL as before. Posts in `archived/` stay where rotation put them. Inside a git repository the moves are
`git mv`, so `git log --follow` shows each post's history. A reorganize killed half-way leaves every post whole at
its old or new path (operations/moves.py); run again, it finishes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from newsmirror.archive.layout import POSTS_DIR, Archive, dated_folder, dated_path
from newsmirror.archive.state import State, locked_state
from newsmirror.config import Config
from newsmirror.operations.moves import move_files, record_moves


@dataclass(slots=True)
class ReorganizeReport:
    moved: list[tuple[str, str]] = field(default_factory=list)  # (old, new) archive-relative paths
    in_place: int = 0  # posts already where fetch would write them
    skipped: list[str] = field(default_factory=list)  # "path: why", left where they are
    used_git: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        data["moved"] = [{"from": old, "to": new} for old, new in self.moved]
        return data


def plan_moves(state: State, per: str, report: ReorganizeReport) -> list[tuple[str, str]]:
    """(old, new) for every post under `_posts/` that is not in its dated folder; what cannot move goes into
    `report.skipped`. Two files of one name (in two folders) are one URL to Jekyll already: the first in path order
    moves, the other stays and is named."""
    moves: list[tuple[str, str]] = []
    claimed: set[str] = set()
    root = state.archive.root
    for relative, _date in sorted(state.posts_under(POSTS_DIR)):
        name = relative.rsplit("/", 1)[-1]
        target = dated_path(name, per)
        if dated_folder(name, per) is None:
            report.skipped.append(f"{relative}: the name does not start with a YYYY-MM-DD- date (see `newsmirror doctor`)")
        elif target == relative:
            report.in_place += 1
        elif target in claimed or (root / target).exists():
            report.skipped.append(f"{relative}: {target} exists already")
        else:
            claimed.add(target)
            moves.append((relative, target))
    return moves


def reorganize(config: Config, dry_run: bool = False) -> ReorganizeReport:
    """Move the posts of `_posts/` into their dated folders. Raises LockedError when a run holds the archive."""
    archive = Archive(config.root.resolve())
    report = ReorganizeReport()
    with locked_state(archive) as state:
        moves = plan_moves(state, config.site.post_folders, report)
        report.moved = moves
        if dry_run or not moves:
            return report
        report.used_git = move_files(archive, moves)
        record_moves(config, state, moves)
    return report
