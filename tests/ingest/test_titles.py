"""The one rule for titles (ingest.articles.title_text), for fetch, add and import --repair alike: a title is kept
as the source gives it (entities decoded, surrounding white space trimmed); a stretch of white space holding a line
break or a tab becomes one space, control characters and the byte order mark go. The post's title line, link line
and file name carry the same title."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import post_files, run_cli, write_config
from newsmirror.archive.postformat import parse_post, post_filename, render_post
from newsmirror.config import SourceConfig
from newsmirror.ingest.articles import build_article, normalise_title, title_text
from newsmirror.ingest.feeds import parse_feed
from newsmirror.ingest.fulltext import extract_article
from newsmirror.models import Article, Entry
from newsmirror.operations.import_ import repair_text

NOW = datetime(2024, 1, 2, 3, 4, tzinfo=UTC)
SOURCE = SourceConfig(name="标题", url="https://titles.example/feed")

# What the feed gives (as the XML text of <title>, so "&#13;" is a carriage return) → the title of the post.
FEED_TITLES = [
    ("民進黨明白美國不會為台灣和大陸全面攤牌\u3000台灣只是", "民進黨明白美國不會為台灣和大陸全面攤牌\u3000台灣只是"),
    ("韓戰 02  志願軍", "韓戰 02  志願軍"),
    ("俄罗斯正模仿\u200a—\u200a— Wikileaks 披露", "俄罗斯正模仿\u200a—\u200a— Wikileaks 披露"),
    ("亦正亦邪元数据\u00a0上篇\u00a0 要品尝", "亦正亦邪元数据\u00a0上篇\u00a0 要品尝"),
    ("标题\t第二部分", "标题 第二部分"),
    ("第一行&#13;&#10;第二行", "第一行 第二行"),
    ("缩进的\r\n        第二行", "缩进的 第二行"),
    ("甲\u2028乙\u2029丙", "甲 乙 丙"),
    ("甲\u0085乙", "甲 乙"),
    ("\n   两头的空白 \u3000\n", "两头的空白"),
    ("\ufeff字节序\ufeff标记", "字节序标记"),
]
# JSON Feed can carry what XML cannot: control characters.
JSON_TITLES = [
    ("控制\u0008字符\u0007", "控制字符"),
    ("\u0008俄罗斯\u001f正\u007f模\u0090仿", "俄罗斯正模仿"),
    ("空\u0000字符  留下", "空字符  留下"),
]


def _rss(titles: list[str]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://titles.example/rss/{i}</link>"
        f"<pubDate>Mon, 06 Nov 2023 07:{i:02d}:00 GMT</pubDate><description>&lt;p&gt;正文&lt;/p&gt;</description></item>"
        for i, title in enumerate(titles)
    )
    return f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def _json_feed(titles: list[str]) -> str:
    items = [
        {"id": str(i), "url": f"https://titles.example/json/{i}", "title": title, "content_html": "<p>正文</p>",
         "date_published": f"2023-11-06T08:{i:02d}:00Z"}
        for i, title in enumerate(titles)
    ]  # fmt: skip
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": items})


def _written(root) -> dict[str, tuple[str, str, str]]:
    """Each post's (file name, title line, link line), by its address."""
    found = {}
    for path in post_files(root):
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        post = parse_post(text)
        title_line = next(line for line in lines if line.startswith("title: "))
        link_line = lines[lines.index("---", 1) + 2]
        found[post.link] = (path.name, title_line, link_line)
        assert post.title == title_line[len('title: "') : -1]  # nothing in these titles needs a YAML escape
    return found


def test_fetch_keeps_titles_as_the_feed_gives_them(server, tmp_path):
    rss = server.add("/titles.xml", _rss([given for given, _ in FEED_TITLES]), content_type="application/rss+xml")
    feed = server.add("/titles.json", _json_feed([given for given, _ in JSON_TITLES]), content_type="application/feed+json")
    write_config(tmp_path, [{"name": "标题", "url": rss}, {"name": "控制", "url": feed}])
    result = run_cli("fetch", "-C", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = _written(tmp_path)
    expected = [(f"https://titles.example/rss/{i}", t, "2023-11-06") for i, (_, t) in enumerate(FEED_TITLES)]
    expected += [(f"https://titles.example/json/{i}", t, "2023-11-06") for i, (_, t) in enumerate(JSON_TITLES)]
    assert len(written) == len(expected)
    for link, title, day in expected:
        assert written[link] == (f"{day}-{title}.md", f'title: "{title}"', f"[{title}]({link})"), title


@pytest.mark.skipif(shutil.which("ruby") is None, reason="ruby is not installed")
def test_jekylls_yaml_reads_every_title_line_back():
    """Psych (Jekyll's YAML) reads the title line as written: the kept titles with spaces of every kind, and, for
    the YAML escapes themselves, strings the title rule would have changed (line breaks, NEL, BOM, controls)."""
    kept = [t for _, t in FEED_TITLES + JSON_TITLES]
    raw = ["a\u2028b\u2029c\x85d\ufeffe\tf\r\ng\x08h\x00i\x7fj\x9fk", '"quoted" \\ back\\slash', " \u3000edges\u3000 "]
    articles = [_article(t) for t in kept] + [Article(title=t, date=NOW, author="a", link="", source="s", content="")
                                              for t in raw]  # fmt: skip
    lines = [render_post(article).split("\n")[2] for article in articles]
    script = 'require "yaml"; require "json"; puts JSON.generate(STDIN.read.split("\\n").map { |l| YAML.safe_load(l)["title"] })'
    read = subprocess.run(["ruby", "-e", script], input="\n".join(lines), capture_output=True, text=True, check=True)
    assert json.loads(read.stdout) == kept + raw


def _article(title: str):
    entry = Entry(source=SOURCE.name, title=title, link="https://titles.example/a", guid="", author="", published=NOW,
                  content="<p>正文</p>")  # fmt: skip
    return build_article(entry, SOURCE, "<p>正文</p>", NOW)


# ---------------------------------------------------------------------------------------------------------------
# The documented rule, written out a second way: the property tests hold title_text to it.

_BREAKS = "\t\n\x0b\x0c\r\x85\u2028\u2029"


def documented(title: str) -> str:
    kept = "".join(
        c for c in title
        if c in _BREAKS or not (unicodedata.category(c) in ("Cc", "Cs") or c == "\ufeff")
    )  # fmt: skip
    runs = ("".join(run) for _, run in itertools.groupby(kept, key=str.isspace))
    return "".join(" " if any(c in _BREAKS for c in run) else run for run in runs).strip()


_WINDOWS = str.maketrans({"\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜"})
_spaces = st.sampled_from([" ", "  ", "\u3000", "\u00a0", "\u200a", "\t", "\r\n", "\n  ", "\u2028", "\u2029", "\x85",
                           "\x0b", "\x0c", "\ufeff", "\x08", "\x00", "\x1f", "\x7f", "\x9f", "\u200b", "\u202e"])  # fmt: skip
_any_title = st.lists(st.one_of(st.text(max_size=8), _spaces), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(title=_any_title)
def test_any_title_reads_back_from_its_post_changed_only_as_documented(title):
    article = _article(title)
    post = parse_post(render_post(article))
    expected = documented(title) or normalise_title(_entry(""))  # no title at all: the untitled fallback
    assert article.title == post.title == expected
    assert title_text(expected) == expected  # the rule is idempotent: a post's title passes it unchanged
    body_lines = render_post(article).split("\n---\n", 1)[1].split("\n")
    assert body_lines[1].startswith("[") and body_lines[2] == "------"  # the link line is one line
    part = post_filename(article)[len("2024-01-02-") : -len(".md")]
    assert part == expected[:50].replace("/", "--").translate(_WINDOWS) or part == "untitled"


def _entry(title: str) -> Entry:
    return Entry(source=SOURCE.name, title=title, link="", guid="", author="", published=NOW, content="<p>正文</p>")


_feed_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="<&"), max_size=30)  # no markup


@settings(max_examples=200, deadline=None)
@given(title=st.lists(st.one_of(_feed_text, _spaces), max_size=8).map("".join))
def test_a_json_feeds_title_becomes_the_post_title_changed_only_as_documented(title):
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "url": "https://titles.example/x", "title": title, "content_html": "<p>x</p>"}]})  # fmt: skip
    (entry,) = parse_feed(body.encode(), SOURCE.name, now=NOW).entries
    assert entry.title == documented(title)


def test_title_text_exactly():
    assert title_text("  a  b\u3000c\u00a0d\u200ae  ") == "a  b\u3000c\u00a0d\u200ae"
    assert title_text("a \t b\t\tc") == "a b c"  # the spaces next to a tab are part of the one stretch
    assert title_text("a\r\nb\rc\nd\x0be\x0cf") == "a b c d e f"
    assert title_text("a\u3000\n\u3000b") == "a b"
    assert title_text("\x08a\x00b\x1c\x1d\x1e\x1fc\x7fd\x80\x9fe\x85f") == "abcde f"
    assert title_text("\ufeffa\ufeffb") == "ab"
    assert title_text("a\u200bb\u200dc\u202ed\u2066e") == "a\u200bb\u200dc\u202ed\u2066e"  # format characters are text
    assert title_text("1 < 2 &amp; <b>") == "1 < 2 &amp; <b>"  # decoding is the parser's, once
    assert title_text("\t\n \u3000") == ""


def test_an_untitled_item_takes_its_text():
    entry = _entry("\x08 \t ")
    entry.content = "<p>第一段\u3000文字</p>\n<p>第二段</p>"
    assert normalise_title(entry) == "第一段 文字 第二段"  # text made of HTML is folded, as a browser shows it


# ---------------------------------------------------------------------------------------------------------------
# add: a page's title, which trafilatura folds, is taken with the page's own spacing


def _page(head: str, heading: str) -> str:
    paragraph = "<p>这是正文的一段，内容足够长，可以被当作文章来读，也足够让抽取器相信它是正文。</p>"
    return f"<html><head>{head}</head><body><article><h1>{heading}</h1>{paragraph * 8}</article></body></html>"


@pytest.mark.parametrize(
    ("head", "heading", "title"),
    [
        ('<meta property="og:title" content="民進黨\u3000台灣只是  棋子">', "民進黨\u3000台灣只是  棋子", "民進黨\u3000台灣只是  棋子"),
        ("<title>韓戰 02\u00a0 志願軍 | 某网站</title>", "韓戰 02\u00a0 志願軍", "韓戰 02\u00a0 志願軍"),
        ("<title>一篇文章</title>", "换行的\n      标题\t第三段", "换行的 标题 第三段"),  # HTML shows it so, too
    ],
)
def test_add_keeps_the_pages_spacing(head, heading, title):
    page = extract_article(_page(head, heading), "https://titles.example/page.html")
    assert page.title == title


def test_add_writes_the_title_as_the_page_gives_it(server, tmp_path):
    write_config(tmp_path, [])
    title = "民進黨\u3000台灣只是  棋子"
    page = _page(f"<title>{title}</title>", title)
    url = server.add("/page.html", page, content_type="text/html; charset=utf-8")
    result = run_cli("add", url, "-C", str(tmp_path), "--allow-private")
    assert result.returncode == 0, result.stderr
    (path,) = post_files(tmp_path)
    shown = "民進黨\u3000台灣只是 棋子"  # HTML shows two ASCII spaces of text as one; U+3000 stays
    assert path.name.endswith(f"-{shown}.md")
    text = path.read_text(encoding="utf-8")
    assert parse_post(text).title == shown and f"\n[{shown}](" in text


# ---------------------------------------------------------------------------------------------------------------
# import --repair: the same rule for the title it recovers


def test_repair_keeps_the_title_under_the_same_rule():
    text = (
        '---\nlayout: post\ntitle: "韓戰 02  志願軍\u3000C:\\d\ttab"\ndate: NaN\nfrom: https://x.example/a\n---\n'
        "<div>\n<p>x</p>\n</div>\n"
    )
    fixed, _ = repair_text(text, "_posts/2023-01-01-a.md")
    assert fixed is not None
    assert parse_post(fixed).title == "韓戰 02  志願軍\u3000C:\\d tab"
    assert "\n[韓戰 02  志願軍\u3000C:" in fixed


def test_repair_takes_a_title_line_without_header_title_under_the_same_rule():
    text = "---\nlayout: post\ndate: NaN\n---\n<!--1-->\n[甲\u3000乙\x08  丙](https://x.example/a)\n------\n\n<div>\n<p>x</p>\n</div>\n"
    fixed, _ = repair_text(text, "_posts/2023-01-01-a.md")
    assert fixed is not None and parse_post(fixed).title == "甲\u3000乙  丙"


# ---------------------------------------------------------------------------------------------------------------
# Real Jekyll: names and titles holding every kind of kept white space build, at the URLs newsmirror build uses


@pytest.mark.jekyll
@pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not installed")
def test_jekyll_builds_kept_white_space_at_the_builder_urls(tmp_path):
    from newsmirror.archive.layout import Archive
    from newsmirror.site.urls import post_url

    root = tmp_path / "mirror"
    assert run_cli("init", str(root)).returncode == 0
    archive = Archive(root)
    titles = [title for _, title in FEED_TITLES + JSON_TITLES]
    for i, title in enumerate(titles):
        article = _article(title)
        article.link, article.date = f"https://titles.example/{i}", datetime(2024, 1, 2, i, tzinfo=UTC)
        archive.write_post(article)
    jekyll = subprocess.run(["jekyll", "build", "--destination", str(tmp_path / "jekyll_site")], cwd=root,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert jekyll.returncode == 0 and "warn" not in (jekyll.stdout + jekyll.stderr).lower(), jekyll.stdout + jekyll.stderr
    assert run_cli("build", "-C", str(root)).returncode == 0
    for path in post_files(root):
        post = parse_post(path.read_text(encoding="utf-8"))
        url = post_url(path.name, post.date).lstrip("/")
        page = (tmp_path / "jekyll_site" / url).read_text(encoding="utf-8")
        assert (root / "_site" / url).exists(), url
        assert f"{post.title}</h1>" in page, post.title  # the title as kept, every space in it
