"""Sizes in the settings (issue 15): "800MB", "1.5GB", a number of bytes; clear errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsmirror.config import ConfigError, format_size, parse_config, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [("800MB", 800 * 1024**2), ("1.5GB", 1536 * 1024**2), ("400 KB", 409_600), ("400kb", 409_600), ("2GiB", 2 * 1024**3),
     ("5000", 5000), ("5000B", 5000), ("1TB", 1024**4), ("", 0), ("0", 0), (" 12 MB ", 12 * 1024**2), (7, 7)],
)  # fmt: skip
def test_sizes_are_read(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["800 megs", "-1MB", "1.5.5GB", "MB", "1e9", "12 PB", "1,5GB", -3])
def test_what_is_not_a_size_says_so(text):
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)


@given(st.integers(min_value=0, max_value=2**50))
def test_a_formatted_size_reads_back_within_its_rounding(size):
    assert abs(parse_size(format_size(size).replace(" ", "")) - size) <= max(1, size) * 0.05 + 1


def test_the_settings_name_the_key_of_a_bad_size():
    config = parse_config('[site]\nimage_budget = "800MB"\nimage_max_size = 5000\n', Path("n.toml"))
    assert config.site.image_sizes() == (5000, 800 * 1024**2) and config.site.post_folders == "month"
    assert parse_config("", Path("n.toml")).site.image_sizes() == (400 * 1024, 0)  # the defaults: 400 KB, no budget
    with pytest.raises(ConfigError) as raised:
        parse_config('[site]\nimage_budget = "lots"\nimage_max_size = -1\nimage_max_width = -5\n', Path("n.toml"))
    assert raised.value.problems == [
        "n.toml [site]: image_max_width = -5 must be at least 0",
        "n.toml [site]: image_max_size = -1 is not a size: it must be 0 or more bytes",
        'n.toml [site]: image_budget = \'lots\' is not a size: use a number and B, KB, MB, GB or TB, e.g. "800MB" or "1.5GB"',
    ]
    with pytest.raises(ConfigError, match="post_folders = 'week' is not one of 'month', 'day'"):
        parse_config('[site]\npost_folders = "week"\n', Path("n.toml"))


def test_init_shows_the_image_and_folder_settings_with_their_defaults(tmp_path):
    from newsmirror.config import SiteConfig, default_config_text, load_config

    (tmp_path / "newsmirror.toml").write_text(default_config_text(), encoding="utf-8")
    text = default_config_text()
    site = load_config(tmp_path).site
    for key in ("image_max_width", "image_max_size", "image_budget", "post_folders"):
        assert f"\n{key} = " in text
        assert getattr(site, key) == getattr(SiteConfig(), key)
