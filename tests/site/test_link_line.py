"""The link line `[title](link)` shows the title itself, escaped only where kramdown would read it as syntax.

Real Jekyll (kramdown 2.4, GFM input) renders one site holding a post per title: every ASCII punctuation character
alone, doubled, tripled and paired, with Chinese text around it, and the constructs each escaping rule is for. The
link text must be the title exactly, with no element but the `<a>` in its paragraph. `newsmirror build` shows the
same titles: it reads no link line (only the body inside `<div>`), its heading is the `title:` of the header.
"""

from __future__ import annotations

import re
import shutil
import string
import subprocess
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import post_files, run_cli
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import (
    markdown_link_line,
    markdown_link_target,
    markdown_link_text,
    markdown_link_title,
    parse_post,
)
from newsmirror.models import Article

needs_jekyll = pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not installed")

SHAPES = (
    "{c}", "{c}{c}", "{c}{c}{c}", "x{c}y", "{c}x{c}", "{c}{c}x{c}{c}", "中{c}文", "{c}中文{c}", "新闻 {c}标题{c} 今日",
    "{c} 开头", "结尾 {c}", "结尾{c}",
)  # fmt: skip
CONSTRUCTS = [
    "(x)", "[x]", "{x}", "<x>", "*x*", "**x**", "_x_", "__x__", "`x`", "``x``", "~~x~~", "$x$", "$$x$$",
    "<b>x</b>", "<script>alert(1)</script>", "<!-- x -->", "<http://x.example>", "<a@b.example>", "&amp;", "&lt;b&gt;",
    "&#58;", "&#x3a;", "&copy;", "&", "2&3", "{{x}}", "{% x %}", "{{ site.title }}", "{%- raw -%}", "\\", "a\\",
    "\\*x\\*", "\\\\", "{:.c}", "x{: .c}", "{::comment}x{:/}", "{::nomarkdown}<b>x</b>{:/}", "[a]: b", "a]: b",
    "[^1]: b", "^x", "a[^1]b", "![x](y)", "[x](y)", "x [a] y", "[x][y]", "[", "]", "a[b", "a]b", "]a[", "x -- y --- z",
    "wait...", "a << b >> c", '"q"', "it's", "# x", "> x", "- x", "+ x", "1. x", "| a | b |", ": x", "*[x]: y",
    "http://x.example/a_b_c", "snake_case_name", "中_文_字", "a_b_", "x * y * z", "_ x _",
]  # fmt: skip
REAL = [  # as real mirrors write them
    "梁文道：成都49中事件再反转!人为什么会对别人的痛苦视而不见", "《新闻联播》|中美会谈", "韩战#01 志愿军", "估值$6亿的公司",
    "[Eng Sub] 中国的年轻人", "第2&3集", "給社區的一封信：Matters 與 LikeCoin宣佈合作 ^_^", "韓戰 02  志願軍",
    "民進黨明白美國不會為台灣和大陸全面攤牌　台灣只是…",
]  # fmt: skip
# A title's `*`, `_`, `$$` or `~~` could pair with one in the address, which kramdown reads on the same line.
WITH_LINKS = {
    "^_^ 合作": "https://news.example/a_b_.html",
    "一个*星号": "https://news.example/x*y*z",
    "$$ 价格": "https://news.example/$$a$$",
    "~~ 波浪": "https://news.example/~~a~~",
    "a_b": "https://news.example/_x_",
}
TITLES = sorted({shape.format(c=c) for c in string.punctuation for shape in SHAPES} | set(CONSTRUCTS) | set(REAL))
START = datetime(2020, 1, 1, 8, 0, tzinfo=UTC)


def link_of(i: int, title: str) -> str:
    return WITH_LINKS.get(title, f"https://news.example/{i}.html")


POSTS = [*TITLES, *WITH_LINKS]
_MARKER = re.compile(r"<p>正文(\d+)</p>")


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> Path:
    """An archive with one post per title, each on its own day (no two URLs collide), its body `<p>正文<i></p>`."""
    root = tmp_path_factory.mktemp("link_line") / "mirror"
    assert run_cli("init", str(root)).returncode == 0
    archive = Archive(root)
    for i, title in enumerate(POSTS):
        archive.write_post(Article(title=title, date=START + timedelta(days=i), author="源", link=link_of(i, title),
                                   source="源", content=f"<p>正文{i}</p>"))  # fmt: skip
    return root


def post_pages(site: Path) -> dict[int, Path]:
    """Each post's page in a built site, found by its body (not by URL: the URL rules are tested elsewhere)."""
    pages = {}
    for path in site.glob("[0-9][0-9][0-9][0-9]/**/*.html"):
        found = _MARKER.findall(path.read_text(encoding="utf-8"))
        assert len(found) == 1, (path, found)
        pages[int(found[0])] = path
    assert sorted(pages) == list(range(len(POSTS)))
    return pages


class _Page(HTMLParser):
    """The `<h1>`, and the first paragraph of the post's content: its elements, its link's href and text, and its
    text outside the link."""

    def __init__(self, content_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.content_class = content_class
        self.heading: str | None = None
        self.in_heading = self.in_content = self.in_paragraph = self.in_link = self.done = False
        self.elements: list[str] = []
        self.href: str | None = None
        self.link_text = self.outside = self.content_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "h1" and self.heading is None:
            self.in_heading, self.heading = True, ""
        elif tag == "div" and self.content_class in classes:
            self.in_content = True
        elif self.in_content and not self.done and not self.in_paragraph and tag == "p":
            self.in_paragraph = True
        elif self.in_content and not self.done:  # an element before the paragraph counts as one in it
            self.elements.append(tag)
            if tag == "a":
                self.in_link, self.href = True, dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self.in_heading = False
        elif tag == "a":
            self.in_link = False
        elif tag == "p" and self.in_paragraph:
            self.in_paragraph, self.done = False, True
        elif tag == "div":
            self.in_content = False

    def handle_data(self, data: str) -> None:
        if self.in_heading and self.heading is not None:
            self.heading += data
        if self.in_content:
            self.content_text += data
        if self.in_link:
            self.link_text += data
        elif self.in_paragraph:
            self.outside += data


def read_page(path: Path, content_class: str) -> _Page:
    page = _Page(content_class)
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.mark.jekyll
@needs_jekyll
def test_jekyll_shows_every_title_as_its_link_text_and_nothing_else(mirror, tmp_path):
    destination = tmp_path / "jekyll_site"
    done = subprocess.run(["jekyll", "build", "--destination", str(destination)],
                          cwd=mirror, capture_output=True, text=True, timeout=600)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not re.search(r"warn|error|conflict|liquid", output, re.I), output
    wrong = {}
    for i, path in post_pages(destination).items():
        title = POSTS[i]
        page = read_page(path, "kramdown-body")
        seen = (page.elements, page.href, page.link_text, page.outside, page.heading)
        if seen != (["a"], link_of(i, title), title, "\n——", title):  # `------` below the line: two em dashes
            wrong[title] = seen
    assert not wrong, "\n".join(f"{t!r}: {markdown_link_text(t)!r} → {s!r}" for t, s in wrong.items())


def test_newsmirror_build_shows_every_title_and_no_link_line(mirror):
    built = run_cli("build", "-C", str(mirror))
    assert built.returncode == 0, built.stderr
    wrong = {}
    for i, path in post_pages(mirror / "_site").items():
        page = read_page(path, "content")
        seen = (page.heading, page.elements, page.content_text.strip())
        if seen != (POSTS[i], [], f"正文{i}"):  # the content is the article's own <p>, no link line before it
            wrong[POSTS[i]] = seen
    assert not wrong, wrong


def test_the_posts_read_back_with_their_titles(mirror):
    titles = sorted(parse_post(p.read_text(encoding="utf-8")).title for p in post_files(mirror))
    assert titles == sorted(POSTS)


# Each rule, as written (README "The link line"): an escape where kramdown would read syntax, none elsewhere.
WRITTEN = [
    ("梁文道：成都49中事件再反转!人为什么", "梁文道：成都49中事件再反转!人为什么"),
    ("a|b #01 $6亿 [Eng Sub] 2&3 snake_case ^_^ (x) {x} @x =x +x %x ;x ,x ?x /x", None),
    ("\\", "\\\\"), ("a\\b", "a\\b"), ("a\\ b", "a\\ b"), ("a\\*", "a\\\\*"), ("a\\|b", "a\\\\|b"),
    ('"q"', '\\"q\\"'), ("it's", "it\\'s"),
    ("a[b", "a\\[b"), ("a]b", "a\\]b"), ("[x]", "[x]"), ("][", "\\]\\["),
    ("![x](y)", "\\![x](y)"), ("!\\[x", "!\\\\\\[x"), ("x!y", "x!y"),
    ("[a]: b", "[a]\\: b"), ("a]: b", "a\\]\\: b"), ("a: [b]: c", "a: [b]\\: c"),
    ("{:.c}", "\\{:.c}"), ("{::comment}", "\\{::comment}"), ("{x}", "{x}"),
    ("<b>", "\\<b>"), ("<!--", "\\<!\\--"), ("a < b", "a < b"), ("a<", "a<"), ("<<", "\\<<"),
    (">>", "\\>>"), ("a > b", "a > b"), ("--", "\\--"), ("---", "\\-\\--"), ("a-b", "a-b"),
    ("...", "\\..."), ("..", ".."), ("`x`", "\\`x\\`"), ("a`b", "a`b"),
    ("$$x$$", "\\$$x\\$$"), ("$$x", "$$x"), ("~~x~~", "\\~~x\\~~"), ("~x~", "~x~"),
    ("*x*", "\\*x*"), ("x*", "x*"), ("2 * 3 * 4", "2 * 3 * 4"), ("_x_", "\\_x_"), ("a_b_c", "a_b_c"),
    ("&lt;", "&amp;lt;"), ("&#58;", "&amp;#58;"), ("a & b", "a & b"), ("&x", "&x"),
    ("^x", "&#94;x"), ("a[^1]", "a[&#94;1]"), ("a^b", "a^b"),
    ("{{x}} {% y %}", "{{x}} {% y %}"),  # Liquid: render_post's escape_liquid, over the whole body
]  # fmt: skip


@pytest.mark.parametrize(("title", "written"), WRITTEN)
def test_each_rule_escapes_only_syntax(title, written):
    assert markdown_link_text(title) == (title if written is None else written)


def test_a_title_pairs_with_the_address_on_its_line():
    assert markdown_link_line("^_^", "https://x.example/a_b") == "[&#94;\\_^](https://x.example/a_b)"
    assert markdown_link_line("x_y _z", "https://x.example/_a_") == "[x_y \\_z](https://x.example/_a_)"
    assert markdown_link_line("a*", "https://x.example/*") == "[a\\*](https://x.example/*)"
    assert markdown_link_line("*a", "https://x.example/*") == "[\\*a](https://x.example/*)"
    assert markdown_link_line("$$a", "https://x.example/$$") == "[\\$$a](https://x.example/$$)"
    assert markdown_link_line("~~a", "https://x.example/~~") == "[\\~~a](https://x.example/~~)"
    assert markdown_link_line("`a", "https://x.example/`") == "[`a](https://x.example/%60)"


def test_the_link_text_reads_back_as_the_title():
    for i, title in enumerate(POSTS):
        assert markdown_link_title(markdown_link_text(title, markdown_link_target(link_of(i, title)))) == title
    for title, _ in WRITTEN:
        assert markdown_link_title(markdown_link_text(title)) == title


def test_an_older_link_line_reads_back_too():
    older = "梁文道：成都49中事件再反转\\!人为什么 \\| \\#01 \\$6亿 \\[Eng Sub\\] 2&amp;3 a\\_b \\\\ \\中"
    assert markdown_link_title(older) == "梁文道：成都49中事件再反转!人为什么 | #01 $6亿 [Eng Sub] 2&3 a_b \\ \\中"
