"""sitemap.xml and robots.txt; past the protocol's limit, numbered sitemaps under a sitemap index."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from xml.etree import ElementTree

from newsmirror.site import sitemap
from newsmirror.site.outputs import Outputs
from newsmirror.site.placement import place_posts
from newsmirror.site.scan import PostRecord

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def placement(n: int):
    records = {f"p{i}": PostRecord(f"p{i}", 0, 0, "d", "t", float(i), "", "", "源 & co", [], True, f"/p{i}.html")
               for i in range(n)}  # fmt: skip
    return place_posts(records, "/m")


def locs(path) -> list[str]:
    return [e.text or "" for e in ElementTree.parse(path).getroot().iter(f"{NS}loc")]


def test_one_sitemap_with_the_front_page_posts_and_sources(tmp_path):
    sitemap.write_sitemap(placement(2), "https://x.example", "/m", Outputs(tmp_path, {}))
    assert locs(tmp_path / "sitemap.xml") == [
        "https://x.example/m/", "https://x.example/m/p0.html", "https://x.example/m/p1.html",
        "https://x.example/m/lists/%E6%BA%90%20&%20co.html",
    ]  # fmt: skip
    assert "&amp;" in (tmp_path / "sitemap.xml").read_text(encoding="utf-8")
    assert (tmp_path / "robots.txt").read_text() == "User-agent: *\nAllow: /\nSitemap: https://x.example/m/sitemap.xml\n"


def test_past_the_limit_a_sitemap_index(tmp_path, monkeypatch):
    monkeypatch.setattr(sitemap, "SITEMAP_MAX", 2)
    outputs = Outputs(tmp_path, {})
    sitemap.write_sitemap(placement(3), "https://x.example", "", outputs)  # 5 URLs: 3 files
    assert locs(tmp_path / "sitemap.xml") == [f"https://x.example/sitemap-{i}.xml" for i in (1, 2, 3)]
    assert ElementTree.parse(tmp_path / "sitemap.xml").getroot().tag == f"{NS}sitemapindex"
    assert len(locs(tmp_path / "sitemap-3.xml")) == 1
    assert set(outputs.current) == {"sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml", "robots.txt"}


def test_source_pages_are_listed_in_the_same_order_whatever_the_hash_seed():
    """Sources in the order their posts come, not a set's order (which changes with PYTHONHASHSEED per run)."""
    code = (
        "from newsmirror.site.placement import place_posts\n"
        "from newsmirror.site.scan import PostRecord\n"
        "names = ['大纪元', 'BBC中文', '美国之音', 'Matters', '德国之声', '法广', 'iYouPort', '泡泡']\n"
        "records = {f'p{i}': PostRecord(f'p{i}', 0, 0, 'd', 't', float(i), '', '', names[i % 8], [], True, f'/p{i}.html')\n"
        "           for i in range(16)}\n"
        "print(list(place_posts(records, '').source_hrefs))\n"
    )
    def run(seed: int) -> str:
        environment = {**os.environ, "PYTHONHASHSEED": str(seed)}
        return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                              check=True).stdout  # fmt: skip

    orders = {run(seed) for seed in range(1, 6)}
    assert len(orders) == 1
    sources = ast.literal_eval(orders.pop())
    assert len(sources) == 8 and len(set(sources)) == 8
