"""Outputs under _site/: written when their inputs change, removed when no build makes them any more."""

from __future__ import annotations

from newsmirror.site.outputs import Outputs, signature


def test_an_output_is_written_when_its_inputs_change(tmp_path):
    first = Outputs(tmp_path, {})
    assert first.needs("a.html", "one")
    first.write("a.html", "A")
    first.update("b/c.html", "two", "C")
    assert first.written == 2 and (tmp_path / "b" / "c.html").read_text() == "C"

    again = Outputs(tmp_path, first.current)
    assert not again.needs("a.html", "one") and again.needs("b/c.html", "changed")
    again.write("b/c.html", "C")  # the same text: not written
    assert again.written == 0 and set(again.current) == {"a.html", "b/c.html"}


def test_only_outputs_inside_the_site_that_no_build_makes_are_removed(tmp_path):
    site = tmp_path / "_site"
    site.mkdir()
    for name in ("kept.html", "gone.html"):
        (site / name).write_text("x")
    (tmp_path / "outside.html").write_text("x")
    outputs = Outputs(site, {})
    outputs.needs("kept.html", "")
    before = dict.fromkeys(["kept.html", "gone.html", "never-there.html", "../outside.html", "/etc/passwd"], b"")
    assert outputs.remove_gone(before) == 1
    assert (site / "kept.html").exists() and not (site / "gone.html").exists() and (tmp_path / "outside.html").exists()


def test_signature_depends_on_every_part():
    assert signature("a", 1) == signature("a", 1) != signature("a", 2)
    assert len(signature()) == 24
