"""`newsmirror build`: pages, lists, feeds, sitemap, search bundles, collisions, overrides and incremental builds."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import GOLDEN_NAME, GOLDEN_POST, run_cli
from newsmirror.archive.layout import Archive
from newsmirror.config import load_config
from newsmirror.models import Article
from newsmirror.scaffold import init_archive
from newsmirror.site import build_site
from newsmirror.site.render import youtube_id

GOLDEN_URL = "2023/10/28/布林肯王毅会谈逾7小时-盘点美中冲突领域.html"
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def article(i: int, source: str = "美国之音", title: str | None = None, **extra) -> Article:
    fields = {
        "title": title or f"第{i}条 美中会谈",
        "date": START + timedelta(hours=i),
        "author": source,
        "link": f"https://news.example/{i}.html",
        "source": source,
        "content": f"<p>正文{i}：{{{{ liquid }}}} and {{% tag %}}</p><p>第二段</p>",
        "tags": [source],
        "categories": [source],
    }
    fields.update(extra)
    return Article(**fields)


@pytest.fixture
def archive(tmp_path) -> Path:
    root = tmp_path / "mirror"
    init_archive(root, title="测试镜像")
    shutil.copyfile(GOLDEN_POST, root / "_posts" / GOLDEN_NAME)
    posts = Archive(root)
    for i in range(6):
        posts.write_post(article(i, "美国之音" if i % 2 else "大纪元"))
    return root


def build(root: Path, **options):
    return build_site(load_config(root), jobs=2, with_search=options.pop("with_search", False), **options)


def site_files(root: Path) -> dict[str, int]:
    site = root / "_site"
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}


def test_post_page_shows_what_the_post_says(archive):
    report = build(archive)
    assert report.errors == [] and report.posts == 7
    page = (archive / "_site" / GOLDEN_URL).read_text(encoding="utf-8")
    assert "<h1 data-pagefind-meta=\"title\">布林肯王毅会谈逾7小时 盘点美中冲突领域</h1>" in page
    assert "以下是布林肯在会议期间提出的美中分歧的相关议题：" in page
    assert 'href="https://www.epochtimes.com/gb/23/10/28/n14105046.htm"' in page
    assert "2023-10-28 18:43 UTC" in page
    assert 'class="author"' not in page  # the author is the source
    # no comments provider configured: no third-party script, only the site's own 简/繁 switch
    assert page.count("<script") == 1 and '<script src="/assets/hanzi.js" defer></script>' in page


def test_liquid_escapes_are_shown_as_jekyll_shows_them(archive):
    build(archive)
    page = next((archive / "_site" / "2024").rglob("*第0条*.html")).read_text(encoding="utf-8")
    assert "正文0：{{ liquid }} and {% tag %}" in page
    assert '{{ "{" }}' not in page


def test_prev_next_stay_within_one_source(archive):
    build(archive)
    site = archive / "_site"
    page = next(site.rglob("*第3条*.html")).read_text(encoding="utf-8")
    assert "第1条 美中会谈 →" not in page
    assert "← 第1条 美中会谈" in page and "第5条 美中会谈 →" in page


def test_index_sources_tags_months_feeds_sitemap(archive):
    build(archive)
    site = archive / "_site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.index("第5条") < index.index("第0条") < index.index("布林肯")  # newest first
    source_page = (site / "lists" / "大纪元.html").read_text(encoding="utf-8")
    assert "布林肯王毅会谈逾7小时" in source_page and "第4条" in source_page and "第3条" not in source_page
    assert (site / "tags" / "美国之音.html").exists()
    assert "2023-10" in (site / "archive.html").read_text(encoding="utf-8")
    assert (site / "archive" / "2023-10.html").exists()
    for feed in (site / "feed.xml", site / "feed" / "大纪元.xml"):
        root = ElementTree.parse(feed).getroot()
        entries = root.findall("{http://www.w3.org/2005/Atom}entry")
        assert entries
    feed = ElementTree.parse(site / "feed" / "大纪元.xml").getroot()
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")]
    assert titles[-1] == "布林肯王毅会谈逾7小时 盘点美中冲突领域"
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "%E5%B8%83%E6%9E%97%E8%82%AF" in sitemap
    ElementTree.fromstring(sitemap)
    assert (site / "robots.txt").read_text().startswith("User-agent: *")
    assert "找不到页面" in (site / "404.html").read_text(encoding="utf-8")
    css = (site / "assets" / "style.css").read_text()
    assert "prefers-color-scheme:dark" in css and "@import" not in css and "url(" not in css


def test_pages_have_no_external_resources(archive):
    build(archive)
    for path in (archive / "_site").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for marker in ('src="http', "src='http", "<link rel=\"stylesheet\" href=\"http", "fonts.googleapis"):
            assert marker not in text, path


def test_colliding_slugs_keep_both_posts_and_say_so(archive):
    posts = Archive(archive)
    posts.write_post(article(50, title="Same  Title", date=START))
    posts.write_post(article(51, title="Same Title", date=START))
    report = build(archive)
    assert len(report.collisions) == 1
    site = archive / "_site" / "2024" / "05" / "01"
    assert (site / "Same-Title.html").exists() and (site / "Same-Title-2.html").exists()
    texts = {(site / n).read_text(encoding="utf-8").count("正文5") for n in ("Same-Title.html", "Same-Title-2.html")}
    assert texts == {1}  # each page holds its own post (正文50 / 正文51)


def test_second_build_with_nothing_changed_writes_nothing(archive):
    build(archive)
    before = site_files(archive)
    time.sleep(0.01)
    report = build(archive)
    assert report.nothing_changed
    assert site_files(archive) == before


def test_adding_posts_rerenders_only_new_posts_and_the_pages_listing_them(archive):
    build(archive)
    before = site_files(archive)
    Archive(archive).write_post(article(7, "大纪元"))
    report = build(archive)
    assert report.parsed == 1
    # The new post, and its neighbour whose "next" link now points at it.
    assert report.rendered_posts == 2
    after = site_files(archive)
    changed = {p for p in after if before.get(p) != after[p]}
    assert any("第7条" in p for p in changed)
    assert "index.html" in changed and "lists/大纪元.html" in changed and "feed.xml" in changed
    assert "lists/美国之音.html" not in changed
    assert not any("布林肯" in p for p in changed)  # untouched posts are not written again


def test_deleted_post_disappears_from_the_site(archive):
    build(archive)
    victim = next((archive / "_posts").rglob("*第2条*"))
    victim.unlink()
    report = build(archive)
    assert report.deleted >= 1
    assert not list((archive / "_site").rglob("*第2条*"))
    assert "第2条" not in (archive / "_site" / "index.html").read_text(encoding="utf-8")


def test_broken_post_is_reported_and_the_rest_is_built(archive):
    (archive / "_posts" / "2024-01-01-broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    report = build(archive)
    assert report.posts == 7
    assert len(report.errors) == 1 and report.errors[0].startswith("_posts/2024-01-01-broken.md: ")
    again = build(archive)
    assert again.errors == report.errors  # still said on the next build


def test_archived_posts_are_built_too(archive):
    folder = archive / "archived" / "2020" / "_posts"
    folder.mkdir(parents=True)
    shutil.move(next((archive / "_posts").rglob("*第1条*")), folder)
    report = build(archive)
    assert report.posts == 7
    assert list((archive / "_site").rglob("*第1条*.html"))


def test_user_templates_override_the_package_ones(archive):
    (archive / "_templates" / "pages").mkdir(parents=True)
    (archive / "_templates" / "post.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1 class="mine">{{ post.title }}</h1>{% endblock %}', encoding="utf-8"
    )
    (archive / "_templates" / "pages" / "about.html").write_text(
        '{% extends "base.html" %}{% block main %}about {{ posts_total }} posts{% endblock %}', encoding="utf-8"
    )
    build(archive)
    assert '<h1 class="mine">布林肯王毅会谈逾7小时' in (archive / "_site" / GOLDEN_URL).read_text(encoding="utf-8")
    assert "about 7 posts" in (archive / "_site" / "about.html").read_text(encoding="utf-8")
    # Changing a template renders everything again.
    (archive / "_templates" / "post.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1 class="other">{{ post.title }}</h1>{% endblock %}', encoding="utf-8"
    )
    report = build(archive)
    assert report.rendered_posts == 7


def test_youtube_posts_embed_the_video_without_cookies(archive):
    Archive(archive).write_post(article(9, "频道", link="https://www.youtube.com/watch?v=dQw4w9WgXcQ"))
    build(archive)
    page = next((archive / "_site").rglob("*第9条*.html")).read_text(encoding="utf-8")
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page


def test_youtube_id():
    assert youtube_id("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1") == "dQw4w9WgXcQ"
    assert youtube_id("https://youtu.be/dQw4w9WgXcQ") == "dQw4w9WgXcQ"
    assert youtube_id("https://www.youtube.com/shorts/dQw4w9WgXcQ") == "dQw4w9WgXcQ"
    assert youtube_id("https://example.com/watch?v=dQw4w9WgXcQ") is None
    assert youtube_id("https://www.youtube.com/watch?v=short") is None


def test_comments_only_with_a_provider_and_comments_true(archive):
    config_path = archive / "newsmirror.toml"
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace("[site]\n", '[site]\ncomments_provider = "utterances"\ncomments_repo = "me/comments"\n', 1), encoding="utf-8")
    Archive(archive).write_post(article(20, comments=False))
    build(archive)
    with_comments = (archive / "_site" / GOLDEN_URL).read_text(encoding="utf-8")
    assert 'repo="me/comments"' in with_comments
    without = next((archive / "_site").rglob("*第20条*.html")).read_text(encoding="utf-8")
    assert "utteranc.es" not in without


def test_baseurl_prefixes_every_link(archive):
    config_path = archive / "newsmirror.toml"
    text = config_path.read_text(encoding="utf-8")
    assert 'baseurl = ""' in text
    config_path.write_text(text.replace('baseurl = ""', 'baseurl = "/mirror"', 1), encoding="utf-8")
    build(archive)
    index = (archive / "_site" / "index.html").read_text(encoding="utf-8")
    assert 'href="/mirror/assets/style.css"' in index
    assert 'href="/mirror/2023/10/28/%E5%B8%83' in index


def test_search_bundles_are_built_and_incremental(archive):
    report = build(archive, with_search=True)
    assert report.errors == []
    bundles = [p for p in (archive / "_site" / "pagefind").iterdir() if p.is_dir()]
    assert len(bundles) == 1 and (bundles[0] / "pagefind-entry.json").exists()
    assert (bundles[0] / "pagefind-ui.js").exists()
    first_entry = (bundles[0] / "pagefind-entry.json").stat().st_mtime_ns
    search_page = (archive / "_site" / "search.html").read_text(encoding="utf-8")
    assert f"/pagefind/{bundles[0].name}/pagefind-ui.js" in search_page

    Archive(archive).write_post(article(30))
    report = build(archive, with_search=True)
    assert len(report.indexed_bundles) == 1 and report.indexed_posts == 1
    assert (bundles[0] / "pagefind-entry.json").stat().st_mtime_ns == first_entry  # the old bundle is kept
    search_page = (archive / "_site" / "search.html").read_text(encoding="utf-8")
    assert '"bundlePath": "/pagefind/' in search_page  # the new bundle is merged in the UI


def test_cli_build_json_and_serve_help(archive):
    done = run_cli("build", "-C", str(archive), "--no-search", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["posts"] == 7 and report["rendered_posts"] == 7
    again = run_cli("build", "-C", str(archive), "--no-search")
    assert again.returncode == 0 and "Nothing changed" in again.stdout
    assert os.path.exists(archive / "_site" / GOLDEN_URL)


def test_fast_scan_finds_what_iter_post_paths_finds(archive):
    (archive / "archived" / "2020" / "_posts").mkdir(parents=True)
    (archive / "archived" / "2020" / "_posts" / "2020-01-01-old.md").write_text("---\ntitle: old\n---\n", encoding="utf-8")
    (archive / "_posts" / "sub").mkdir()
    (archive / "_posts" / "sub" / "2021-01-01-x.markdown").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (archive / "_posts" / ".hidden.md").write_text("", encoding="utf-8")
    (archive / "_posts" / "notes.txt").write_text("", encoding="utf-8")
    posts = Archive(archive)
    assert set(posts.scan_posts()) == {posts.relative(p) for p in posts.iter_post_paths()}


def test_a_permalink_cannot_write_or_delete_outside_the_site(archive):
    hostile = archive / "_posts" / "2024-01-01-escape.md"
    hostile.write_text(
        '---\nlayout: post\ntitle: "逃逸"\ndate: 2024-01-01T00:00:00.000Z\npermalink: /../../escape-from-site.html\n'
        "categories: [ 大纪元 ]\n---\n<div>\n<p>x</p>\n</div>\n",
        encoding="utf-8",
    )
    build(archive)
    assert not (archive.parent / "escape-from-site.html").exists()
    assert not (archive / "escape-from-site.html").exists()
    assert (archive / "_site" / "escape-from-site.html").exists()
    hostile.unlink()
    build(archive)  # removing the post removes its page, inside the site only
    assert not (archive / "_site" / "escape-from-site.html").exists()


def test_a_post_whose_name_holds_a_colon_space_keeps_its_error_across_builds(archive):
    post = archive / "_posts" / "2024-01-02-Q: A.md"
    post.write_text('---\ntitle: "问: 答"\ndate: 2024-01-02T00:00:00Z\n---\n<p>正文</p>\n', encoding="utf-8")
    assert build(archive).errors == []
    post.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    broken = build(archive)
    assert len(broken.errors) == 1 and broken.errors[0].startswith("_posts/2024-01-02-Q: A.md: ")
    (archive / "_posts" / "2024-01-03-other.md").write_text(  # something else changes: the full path runs again
        '---\ntitle: "另一篇"\ndate: 2024-01-03T00:00:00Z\n---\n<p>正文</p>\n', encoding="utf-8"
    )
    assert build(archive).errors == broken.errors
    assert build(archive).errors == broken.errors  # and on the quick "nothing changed" path


def test_giscus_comments_get_their_repository_and_category_ids(archive):
    config_path = archive / "newsmirror.toml"
    settings = (
        '[site]\ncomments_provider = "giscus"\ncomments_repo = "me/comments"\ncomments_repo_id = "R_kgDOabc"\n'
        'comments_category = "Announcements"\ncomments_category_id = "DIC_kwDOxyz"\n'
    )
    config_path.write_text(config_path.read_text(encoding="utf-8").replace("[site]\n", settings, 1), encoding="utf-8")
    build(archive)
    page = (archive / "_site" / GOLDEN_URL).read_text(encoding="utf-8")
    for attribute in ('data-repo="me/comments"', 'data-repo-id="R_kgDOabc"', 'data-category="Announcements"',
                      'data-category-id="DIC_kwDOxyz"'):  # fmt: skip
        assert attribute in page
