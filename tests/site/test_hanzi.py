"""The 简/繁 switch's tables: OpenCC's single-character conversions, complete and shipped whole in the script."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from newsmirror.ingest.convert import convert_text
from newsmirror.site.hanzi import character_table, hanzi_script


def test_the_tables_are_opencc_character_by_character():
    s2t, t2s = character_table("s2t"), character_table("t2s")
    assert (s2t["汉"], s2t["这"], s2t["来"], s2t["欢"]) == ("漢", "這", "來", "歡")
    assert (t2s["漢"], t2s["這"], t2s["經"]) == ("汉", "这", "经")
    assert "中" not in s2t and "中" not in t2s  # unchanged characters are left out
    assert len(s2t) > 2500 and len(t2s) > 3500
    for char in ("国", "发", "说"):
        assert s2t[char] == convert_text(char, "s2t")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_script_converts_as_the_tables_say(tmp_path):
    """Run the shipped script's conversion in Node on a text with a character whose target lies beyond U+FFFF."""
    script = hanzi_script()
    assert "__S2T__" not in script and "__T2S__" not in script
    astral = next(a for a, b in character_table("s2t").items() if ord(b) > 0xFFFF)
    text = "这是经济与外交：" + astral + "国"
    harness = tmp_path / "run.js"
    harness.write_text(
        "var captured; global.document = {readyState: 'loading', addEventListener: function () {}};\n"
        + script.replace("function convert(text, name) {", "captured = function (t, n) { return convert(t, n); };\n  function convert(text, name) {")
        + f"\nprocess.stdout.write(JSON.stringify([captured({json.dumps(text)}, 't'), captured('這是經濟', 's')]));\n",
        encoding="utf-8",
    )
    out = json.loads(subprocess.run(["node", str(harness)], capture_output=True, text=True, check=True).stdout)
    table = character_table("s2t")
    assert out == ["".join(table.get(c, c) for c in text), "这是经济"]
