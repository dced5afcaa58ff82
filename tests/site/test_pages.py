"""Extra pages: every pages/<name>.html template, with the common context, _data/ and PAGE_CONTEXT."""

from __future__ import annotations

from newsmirror.config import load_config
from newsmirror.scaffold import init_archive
from newsmirror.site import pages
from newsmirror.site.outputs import Outputs
from newsmirror.site.placement import place_posts
from newsmirror.site.render import Renderer, site_context
from newsmirror.site.scan import PostRecord
from newsmirror.site.search import plan_bundles, ui_context
from newsmirror.site.urls import STYLESHEET


def test_pages_from_the_package_and_the_archive_with_data_and_their_own_context(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    init_archive(root, title="测试")
    (root / "_templates" / "pages").mkdir(parents=True)
    (root / "_templates" / "pages" / "about.html").write_text(
        "{{ posts_total }} {{ data.links.a }} {{ sources[0].name }} {{ mine }}", encoding="utf-8"
    )
    (root / "_data").mkdir()
    (root / "_data" / "links.json").write_text('{"a": "一"}', encoding="utf-8")
    (root / "_data" / "broken.yml").write_text("a: [", encoding="utf-8")
    config = load_config(root)
    renderer = Renderer(root, root / "_site", site_context(config))
    record = PostRecord("p", 0, 0, "d", "t", 0.0, "", "", "源", [], True, "/p.html")
    placement = place_posts({"p": record}, "")
    monkeypatch.setitem(pages.PAGE_CONTEXT, "about.html", lambda inputs: {"mine": len(inputs.placement.ordered) + 1})
    outputs = Outputs(root / "_site", {})
    problems = pages.write_pages(renderer, pages.PageInputs(config, placement, 0), ui_context(plan_bundles({}, []), ""), outputs)

    assert problems == ["_data/broken.yml: while parsing a flow node"]
    assert "pages/about.html" in pages.page_templates(renderer) and "pages/status.html" in pages.page_templates(renderer)
    assert (root / "_site" / "about.html").read_text(encoding="utf-8") == "1 一 源 2"
    assert {"about.html", "status.html", "search.html", STYLESHEET} <= set(outputs.current)
    assert (root / "_site" / STYLESHEET).read_text(encoding="utf-8") == pages.stylesheet(renderer)
