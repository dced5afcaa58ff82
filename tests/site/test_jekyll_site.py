"""The site `init` writes builds under real Jekyll with no error or warning, at the URLs `newsmirror build` uses."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import GOLDEN_NAME, GOLDEN_POST, post_files, run_cli
from newsmirror.archive.layout import Archive
from newsmirror.models import Article

pytestmark = [pytest.mark.jekyll, pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not installed")]

HOSTILE_TITLES = [
    'He said "hi" \\ back: now',
    "#hash --- dashes",
    "--- dashes ---",
    "---",
    "？？？……",
    "{{ site }} and {% include x %}",
    "{% endraw %} closes {% raw %}",
    "{{ page.title }}",
    "line\nbreak\r\nand more",
    "Title ending with dots...",
    "a/b c?d*e<f>g|h",
    "  leading and trailing spaces  ",
    "中文：标点，测试！“引号”（括号）",
    "Ünïcödé café naïve",
    "100% sure & safe; a=b+c, (x) @home ~tilde 'quote'",
    "emoji 🎉 here",
    "tab\there",
    "[link](javascript:alert(1)) <script>alert(1)</script>",
    "*stars* _under_ `code` $math$",
    "yes",
    "null",
    "2023-10-28",
    ": colon first",
    "- dash first",
    "key: value # comment",
    "Same  Title",  # with "Same Title" below: Jekyll's slugs collide
    "Same Title",
]
HOSTILE_CONTENT = (
    "<p>{{ site.title }} and {% include nothing.html %} and {%- raw -%} and {{ '{' }}</p>"
    "<p>{% endraw %} {{{ triple }}} {%% double %%}</p><pre>{{ x | y }}</pre>"
)


def make_posts(root: Path, count: int) -> None:
    archive = Archive(root)
    rng = random.Random(7)
    start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    sources = ["大纪元", "美国之音", "BBC 中文", "Source: One"]
    for i in range(count):
        title = HOSTILE_TITLES[i] if i < len(HOSTILE_TITLES) else f"第{i}条新闻 {rng.choice(['美中', '台海', '香港'])}会谈"
        source = sources[i % len(sources)]
        moment = start + timedelta(hours=0 if title.startswith("Same") else i * 7)
        link = f"https://www.youtube.com/watch?v=dQw4w9WgXc{i % 10}" if i == 30 else f"https://news.example/{i}.html"
        archive.write_post(
            Article(
                title=title,
                date=moment,
                author=source if i % 3 else f"记者{i}",
                link=link,
                source=source,
                content=HOSTILE_CONTENT if i < len(HOSTILE_TITLES) else f"<p>正文 {i} {{{{ x }}}}</p><p>第二段</p>",
                tags=[source, "新闻"] if i % 2 else [source],
                categories=[source],
                comments=bool(i % 2),
            )
        )


def test_init_site_builds_under_jekyll_without_warnings_at_the_builder_urls(tmp_path):
    root = tmp_path / "mirror"
    assert run_cli("init", str(root)).returncode == 0
    make_posts(root, 300)
    shutil.copyfile(GOLDEN_POST, root / "_posts" / GOLDEN_NAME)
    # lists/<source>.md and sources.md, as a fetch writes them: the source pages of the Jekyll site.
    from newsmirror.archive.indexes import write_indexes
    from newsmirror.archive.layout import PostSummary
    from newsmirror.archive.postformat import parse_post as parse

    summaries = []
    for path in post_files(root):
        post = parse(path.read_text(encoding="utf-8"))
        summaries.append(PostSummary(path=Archive(root).relative(path), title=post.title, date=post.date, source=post.source))
    write_indexes(Archive(root), summaries, sorted({s.source for s in summaries}), 100)

    jekyll = subprocess.run(
        ["jekyll", "build", "--destination", str(tmp_path / "jekyll_site")],
        cwd=root, capture_output=True, text=True, timeout=600,
    )
    output = jekyll.stdout + jekyll.stderr
    assert jekyll.returncode == 0, output
    # The one pair whose slugs collide draws Jekyll's "Conflict" notice (Jekyll keeps one of them); nothing else
    # may warn. The notice's lines name the shared destination and the two posts.
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", output).splitlines()]
    conflict = [i for i, line in enumerate(lines) if line.startswith("Conflict:")]
    assert len(conflict) == 1, output
    notice = lines[conflict[0] : conflict[0] + 5]
    assert "Same-Title.html" in notice[2] and "Same" in notice[3] and "Same" in notice[4], output
    rest = lines[: conflict[0]] + lines[conflict[0] + 5 :]
    assert not [line for line in rest if re.search(r"warn|error|deprecat|conflict|liquid", line, re.I)], output

    built = run_cli("build", "-C", str(root), "--json")
    assert built.returncode == 0, built.stderr
    import json

    report = json.loads(built.stdout)
    assert report["errors"] == []
    assert len(report["collisions"]) == 1 and "Same" in report["collisions"][0]

    def post_pages(site: Path) -> set[str]:
        return {
            p.relative_to(site).as_posix()
            for p in site.rglob("*.html")
            if p.relative_to(site).parts[0].isdigit() and len(p.relative_to(site).parts[0]) == 4
        }

    jekyll_posts = post_pages(tmp_path / "jekyll_site")
    our_posts = post_pages(root / "_site")
    assert len(jekyll_posts) == 300  # 301 posts, one pair shares a URL under Jekyll
    extra = our_posts - jekyll_posts
    assert jekyll_posts <= our_posts
    assert len(extra) == 1 and next(iter(extra)).endswith("-2.html")

    # What Jekyll shows for hostile text: literally, as newsmirror build does.
    golden_url = "2023/10/28/布林肯王毅会谈逾7小时-盘点美中冲突领域.html"
    page = (tmp_path / "jekyll_site" / golden_url).read_text(encoding="utf-8")
    assert "布林肯王毅会谈逾7小时 盘点美中冲突领域</h1>" in page
    assert "以下是布林肯在会议期间提出的美中分歧的相关议题" in page
    liquid_post = next(p for p in post_files(root) if "include x" in p.name)
    from newsmirror.archive.postformat import parse_post
    from newsmirror.site.urls import post_url

    post = parse_post(liquid_post.read_text(encoding="utf-8"))
    rendered = (tmp_path / "jekyll_site" / post_url(liquid_post.name, post.date).lstrip("/")).read_text(encoding="utf-8")
    assert "{{ site }} and {% include x %}</h1>" in rendered
    assert "{{ site.title }} and {% include nothing.html %}" in rendered
    ours = (root / "_site" / post_url(liquid_post.name, post.date).lstrip("/")).read_text(encoding="utf-8")
    assert "{{ site }} and {% include x %}</h1>" in ours
    assert "{{ site.title }} and {% include nothing.html %}" in ours

    # Pagination, feed, sitemap and the source pages Jekyll makes from lists/*.md, at the builder's URLs.
    counts = {source: sum(1 for s in summaries if s.source == source) for source in {s.source for s in summaries}}
    for source, count in counts.items():
        name = source.replace(":", "_")  # lists/<source>.md: the archive's file-name rule
        jekyll_list = (tmp_path / "jekyll_site" / "lists" / f"{name}.html").read_text(encoding="utf-8")
        ours_list = (root / "_site" / "lists" / f"{name}.html").read_text(encoding="utf-8")
        assert jekyll_list.count("<li>") == count  # Jekyll: every post of the source on one page
        assert ours_list.count("<li>") == min(count, 100)  # ours: the newest 100, older ones on numbered pages
    assert (tmp_path / "jekyll_site" / "sources.html").exists() and (root / "_site" / "sources.html").exists()
    assert (tmp_path / "jekyll_site" / "page2" / "index.html").exists()
    assert (tmp_path / "jekyll_site" / "feed.xml").exists()
    assert (tmp_path / "jekyll_site" / "sitemap.xml").exists()
    assert "youtube-nocookie.com/embed/dQw4w9WgXc0" in "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "jekyll_site").rglob("*.html") if "第30条" in p.name
    )


def test_jekyll_comments_only_with_a_provider_and_comments_true(tmp_path):
    root = tmp_path / "mirror"
    assert run_cli("init", str(root)).returncode == 0
    archive = Archive(root)
    moment = datetime(2024, 2, 1, tzinfo=UTC)
    for title, comments in (("有评论", True), ("无评论", False)):
        archive.write_post(Article(title=title, date=moment, author="源", link="https://news.example/" + title,
                                   source="源", content="<p>x</p>", comments=comments))

    def build() -> dict[str, str]:
        done = subprocess.run(["jekyll", "build"], cwd=root, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return {t: (root / "_site" / "2024" / "02" / "01" / f"{t}.html").read_text(encoding="utf-8") for t in ("有评论", "无评论")}

    pages = build()
    assert "utteranc.es" not in pages["有评论"] and "giscus" not in pages["有评论"]
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('  provider: ""', '  provider: "utterances"').replace('  repo: ""', '  repo: "me/comments"', 1), encoding="utf-8")
    pages = build()
    assert 'repo="me/comments"' in pages["有评论"]
    assert "utteranc.es" not in pages["无评论"]
