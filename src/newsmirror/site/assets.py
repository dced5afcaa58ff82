"""The archive's mirrored images (assets/images/, ingest/media.py) under _site/, where the posts point at them.

A stored image is named by its content hash, so a file already in _site/ under the same name and size is the same
picture: a build links (or copies) only the new ones, and drops those the archive no longer holds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

IMAGES = Path("assets") / "images"  # the folder ingest/media.py stores into (IMAGES_DIR), relative to both roots


def _files(folder: Path) -> dict[str, int]:
    """Relative path → size of every file under `folder` (two levels: <2 hex>/<sha256>.<ext>)."""
    found: dict[str, int] = {}
    if not folder.is_dir():
        return found
    for shard in os.scandir(folder):
        if shard.is_dir(follow_symlinks=False):
            for entry in os.scandir(shard.path):
                if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                    found[f"{shard.name}/{entry.name}"] = entry.stat().st_size
    return found


def _place(source: Path, target: Path) -> None:
    """`target` holds `source`'s bytes, whole: a hard link where the file system allows, else a copy renamed in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def sync_images(root: Path, site_dir: Path) -> int:
    """Put every mirrored image of the archive under _site/assets/images/ and drop those it no longer has; returns
    how many files were placed or removed."""
    stored, published = _files(root / IMAGES), _files(site_dir / IMAGES)
    changed = 0
    for relative, size in stored.items():
        if published.get(relative) != size:
            _place(root / IMAGES / relative, site_dir / IMAGES / relative)
            changed += 1
    for relative in published.keys() - stored.keys():
        (site_dir / IMAGES / relative).unlink(missing_ok=True)
        changed += 1
    return changed
