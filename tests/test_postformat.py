"""The post format: exact output for ordinary input, and a lossless round trip for any input."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOLDEN_POST
from newsmirror.models import Article
from newsmirror.postformat import (
    MAX_NAME_BYTES,
    PostFormatError,
    escape_liquid,
    format_date,
    join_content_lines,
    markdown_link_target,
    parse_post,
    post_filename,
    render_post,
    unescape_liquid,
    yaml_quoted,
    yaml_scalar,
)


def article(**changes) -> Article:
    values = dict(
        title="布林肯王毅会谈逾7小时 盘点美中冲突领域",
        date=datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC),
        author="大纪元",
        link="https://www.epochtimes.com/gb/23/10/28/n14105046.htm",
        source="大纪元",
        content="<p>第一段</p><p>第二段</p>",
    )
    values.update(changes)
    return Article(**values)


def test_ordinary_article_has_the_golden_header_and_body_shape():
    text = render_post(article())
    golden = GOLDEN_POST.read_text(encoding="utf-8")
    assert text.split("<div>\n")[0] == golden.split("<div>\n")[0]
    assert text.endswith("<div>\n<p>第一段</p><p>第二段</p>\n</div>\n")


def test_golden_post_rerenders_identically_from_its_parsed_form():
    golden = GOLDEN_POST.read_text(encoding="utf-8")
    post = parse_post(golden)
    again = article(title=post.title, date=post.date, author=post.author, link=post.link, content=post.content)
    assert render_post(again) == golden


def test_date_is_written_like_javascript_toisostring():
    assert format_date(datetime(2023, 10, 28, 18, 43, 48, 123456, tzinfo=UTC)) == "2023-10-28T18:43:48.123Z"


def test_file_name_is_date_and_first_50_characters_with_slashes_doubled():
    title = "美国/中国" + "字" * 60
    name = post_filename(article(title=title))
    assert name == "2023-10-28-美国--中国" + "字" * 45 + ".md"
    assert post_filename(article(), suffix=2) == "2023-10-28-布林肯王毅会谈逾7小时 盘点美中冲突领域-2.md"


@pytest.mark.parametrize("title", ["---", "...", "- - -", "？！", "---."])
def test_titles_jekyll_would_slug_to_nothing_get_a_name(title):
    assert post_filename(article(title=title)) == "2023-10-28-untitled.md"


@pytest.mark.parametrize(
    "title",
    ["../../etc/passwd", ".git", "CON", "a/b\\c", "x\x00y\nz", "what: now?", "<script>", "   ", "..", "😀" * 80],
)
def test_file_names_stay_valid_everywhere(title):
    name = post_filename(article(title=title))
    assert "/" not in name and "\\" not in name
    assert not re.search(r'[\x00-\x1f:*?"<>|]', name)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert re.match(r"^\d{4}-\d\d-\d\d-.+\.md$", name)


@pytest.mark.parametrize(
    "value",
    ["大纪元", "https://x.com/a?b=c#d", "true", "null", "1.5", "- item", "key: value", "#hash", "a #b", "'q'",
     "2023-01-01", "[x]", "{y}", "@at", "", " lead", "trail ", "yes", "~", "0x1F", "1e3", "!!python/object", ".5_", "+.29_"],
)  # fmt: skip
def test_yaml_scalars_read_back_as_the_same_string(value):
    assert yaml.safe_load(f"k: {yaml_scalar(value)}") == {"k": value}
    assert yaml.safe_load(f"k: [ {yaml_scalar(value, in_flow=True)} ]") == {"k": [value]}


def test_plain_scalars_are_kept_where_the_golden_format_has_them():
    assert yaml_scalar("大纪元") == "大纪元"
    assert yaml_scalar("https://www.epochtimes.com/gb/23/10/28/n14105046.htm").startswith("https://")


@pytest.mark.parametrize(
    "text", ["{{ site }}", "{% include x %}", "{% endraw %}", "{{{", "{%{", "{{ \"{\" }}", "a{b}c", "}}%}"]
)
def test_liquid_escaping_round_trips(text):
    escaped = escape_liquid(text)
    assert "{{" not in re.sub(r'\{\{ "\{" \}\}', "", escaped)
    assert "{%" not in escaped
    assert unescape_liquid(escaped) == text


def test_unreadable_posts_raise_with_a_reason():
    with pytest.raises(PostFormatError, match="front matter"):
        parse_post("no header here")
    with pytest.raises(PostFormatError, match="does not parse"):
        parse_post('---\ntitle: "C:\\dir"\n---\nbody')


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)", "JaVaScRiPt&#58;alert(1)",
     "&#x6A;avascript:alert(1)", "javascript&colon;alert(1)", "java&#x09;script:alert(1)", " \x01javascript:alert(1)",
     "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "", "/relative/path", "//host/x", "http:x"],
)  # fmt: skip
def test_title_line_links_nowhere_unless_the_address_is_http(link):
    assert markdown_link_target(link) == ""
    text = render_post(article(link=link))
    assert "\n[布林肯王毅会谈逾7小时 盘点美中冲突领域]()\n" in text
    assert parse_post(text).link == link  # from: keeps what the feed said; the site layouts decide about links


@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("https://www.epochtimes.com/gb/23/10/28/n14105046.htm", "https://www.epochtimes.com/gb/23/10/28/n14105046.htm"),
        ("https://x/?a=1&b=2", "https://x/?a=1&amp;b=2"),
        ("https://x/?a=1&amp;b=2", "https://x/?a=1&amp;amp;b=2"),
        ("https://x/p&#58;q&colon;r&#x3a;s", "https://x/p&amp;#58;q&amp;colon;r&amp;#x3a;s"),
        ("HTTP://x/(a) b<c>", "HTTP://x/%28a%29%20b%3Cc%3E"),
    ],
)
def test_title_line_target_is_the_address_as_written_for_kramdown(link, target):
    """kramdown copies a character reference in a link target into the href as it stands (the browser then decodes
    it) and escapes a bare `&`; `&amp;` for every `&` makes the browser read exactly `link`
    (tests/test_hostile_links.py checks it under real Jekyll)."""
    assert markdown_link_target(link) == target


# ---------------------------------------------------------------------------------------------------------------
# Property tests: whatever the feed sends, the post reads back to the same article.

_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=120)
_titles = st.one_of(
    _text.filter(lambda s: s.strip()),
    st.sampled_from(['a "quoted" \\ title', "key: value", "- item", "---", "{{ site }}", "{% endraw %}",
                     "#hash", "!!python/object:os.system", "line\nbreak", "\u2028\x85\ufeff", "`code` *b* [l](x)"]),
)  # fmt: skip
_urls = st.builds(lambda path: "https://example.com/" + path, st.text(alphabet="abc/?=&#%:_-{}.", max_size=40))
_html = st.lists(
    st.one_of(_text.map(lambda s: s.replace("<", "&lt;")), st.sampled_from(["<p>", "</p>", "<b>x</b>", "{{", "{%", "%}"])),
    max_size=20,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_titles,
    author=_text,
    link=_urls,
    source=_text.filter(lambda s: s.strip()),
    content=_html,
    millis=st.integers(min_value=0, max_value=4_102_444_800_000),
)
def test_any_article_round_trips_through_the_post_format(title, author, link, source, content, millis):
    from datetime import timedelta

    date = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    original = article(title=title, author=author, link=link, source=source, content=content, date=date)
    text = render_post(original)
    post = parse_post(text)
    assert post.title == title
    assert post.date == date
    assert post.author == author
    assert post.link == link
    assert post.source == source
    assert post.content == join_content_lines(content)
    # The header is a YAML mapping on its own lines: no field can spill into another.
    header = text.split("\n---\n")[0]
    assert len(header.splitlines()) == 9
    assert yaml.safe_load(f"k: {yaml_quoted(title)}")["k"] == title
