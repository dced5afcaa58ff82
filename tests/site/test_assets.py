"""Mirrored images reach _site/ (the posts point at /assets/images/…), once each, and go when the archive drops them."""

from __future__ import annotations

from pathlib import Path

from newsmirror.config import load_config
from newsmirror.ingest.media import IMAGES_DIR
from newsmirror.scaffold import init_archive
from newsmirror.site.assets import IMAGES, sync_images
from newsmirror.site.build import build_site


def _store(root: Path, name: str, data: bytes) -> Path:
    path = root / IMAGES_DIR / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_the_folder_is_the_one_images_are_stored_in():
    assert Path(IMAGES_DIR) == IMAGES


def test_a_build_publishes_each_mirrored_image_once_and_drops_the_gone(tmp_path):
    init_archive(tmp_path)
    first = _store(tmp_path, "ab12.webp", b"RIFF-one")
    _store(tmp_path, "cd34.png", b"\x89PNG-two")
    build_site(load_config(tmp_path), with_search=False)
    site_images = tmp_path / "_site" / IMAGES_DIR
    assert (site_images / "ab" / "ab12.webp").read_bytes() == b"RIFF-one"
    assert (site_images / "cd" / "cd34.png").read_bytes() == b"\x89PNG-two"
    assert sync_images(tmp_path, tmp_path / "_site") == 0  # nothing new: nothing placed again
    first.unlink()
    assert sync_images(tmp_path, tmp_path / "_site") == 1
    assert not (site_images / "ab" / "ab12.webp").exists() and (site_images / "cd" / "cd34.png").exists()


def test_a_half_copied_image_is_replaced_whole(tmp_path):
    _store(tmp_path, "ef56.jpg", b"JFIF-whole-picture")
    target = tmp_path / "_site" / IMAGES_DIR / "ef" / "ef56.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"JFIF")  # a copy cut short (a killed build)
    assert sync_images(tmp_path, tmp_path / "_site") == 1
    assert target.read_bytes() == b"JFIF-whole-picture"
