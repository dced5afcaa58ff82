"""Item bodies left in a file by the worker that parsed them (ingest/spill.py): every body comes back exactly,
and the ones the main process reads (untitled items', over-long ones) are never spilled."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsmirror.ingest.articles import MAX_CONTENT_CHARS
from newsmirror.ingest.spill import entry_content, spill_contents
from newsmirror.models import Entry, SourceProblem


def entry(title: str, content: str) -> Entry:
    return Entry(source="s", title=title, link="https://x.example/a", guid="", author="", published=None, content=content)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["标题", "", "  ", "t"]), st.text(st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=200)), max_size=8))
def test_every_body_comes_back_as_it_was(tmp_path_factory, items):
    path = tmp_path_factory.mktemp("spill") / "items.txt"
    entries = [entry(title, content) for title, content in items]
    spill_contents(entries, str(path))
    for (title, content), spilled in zip(items, entries, strict=True):
        assert entry_content(spilled) == content  # lone surrogates included
        assert (spilled.spilled is None) == (not content or not title.strip())
        assert spilled.content == ("" if spilled.spilled else content)


def test_an_over_long_body_stays_where_the_main_process_cuts_it(tmp_path):
    long = entry("标题", "字" * (MAX_CONTENT_CHARS + 1))
    spill_contents([long], str(tmp_path / "items.txt"))
    assert long.spilled is None and len(long.content) == MAX_CONTENT_CHARS + 1


def test_a_file_that_cannot_be_written_leaves_every_body_in_its_entry(tmp_path):
    items = [entry("标题", "<p>正文</p>"), entry("标题二", "<p>二</p>")]
    spill_contents(items, str(tmp_path / "no-such-directory" / "items.txt"))
    assert [(e.content, e.spilled) for e in items] == [("<p>正文</p>", None), ("<p>二</p>", None)]


def test_a_file_that_is_gone_or_short_is_an_error_not_an_empty_post(tmp_path):
    path = tmp_path / "items.txt"
    items = [entry("标题", "<p>正文</p>")]
    spill_contents(items, str(path))
    path.write_bytes(b"<p>")
    with pytest.raises(SourceProblem, match=r"could not be read back from .*: 3 of 13 bytes"):
        entry_content(items[0])
    path.unlink()
    with pytest.raises(SourceProblem, match="No such file"):
        entry_content(items[0])
    spill_contents([entry("标题", "x")], str(tmp_path / "x"))
    with pytest.raises(FileExistsError):  # never written over: each document gets a new file
        spill_contents([entry("标题", "y")], str(tmp_path / "x"))
