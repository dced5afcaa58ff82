"""When a list page or channel looks changed (archive/health.py): the thresholds, the counts kept per selectors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmirror.archive.health import broken_page, changed_pages, read_page
from newsmirror.config import Config, ListConfig, SourceConfig

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PAGE = SourceConfig("页", "https://x.example/", list_page=ListConfig(item="li"))


@pytest.mark.parametrize(("usual", "entries", "changed"), [
    (12, 4, False), (12, 3, True), (3, 0, True), (3, 1, False), (2, 0, False), (0, 0, False), (30, 9, True),
])  # fmt: skip
def test_far_fewer_than_usual_is_a_changed_page(usual, entries, changed):
    previous = read_page(None, PAGE, usual, NOW)
    record = read_page(previous, PAGE, entries, NOW)
    assert bool(record.changed) is changed
    assert record.usual == (usual if changed else entries)  # a changed page keeps what it usually gave
    if changed:
        assert record.changed == f"the page changed: check its selectors (it gave {entries} entries, usually {usual})"


def test_edited_selectors_start_a_new_count_and_clear_the_flag():
    flagged = read_page(read_page(None, PAGE, 10, NOW), PAGE, 1, NOW)
    config = Config(path=Path("newsmirror.toml"), sources=[PAGE])
    assert changed_pages(config, {"页": flagged}) == {"页": flagged.changed}
    edited = SourceConfig("页", PAGE.url, list_page=ListConfig(item="li.news"))
    assert changed_pages(Config(path=config.path, sources=[edited]), {"页": flagged}) == {}
    assert read_page(flagged, edited, 1, NOW).changed == ""  # counted afresh for the new selectors
    broken = broken_page(flagged, PAGE, "the page changed: check its selectors (item 'li' matches nothing on the page)", NOW)
    assert (broken.entries, broken.usual) == (0, 10)
