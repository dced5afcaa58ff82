"""The post format: exact output for ordinary input, and a lossless round trip for any input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import GOLDEN_POST, post_files, run_cli, write_config
from newsmirror.archive.postformat import (
    MAX_NAME_BYTES,
    PostFormatError,
    escape_liquid,
    format_date,
    join_content_lines,
    markdown_link_target,
    markdown_link_text,
    parse_post,
    post_filename,
    render_post,
    unescape_liquid,
    yaml_quoted,
    yaml_scalar,
)
from newsmirror.models import Article


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


@pytest.fixture
def deadline():
    """A header that is never closed must be refused at once: fail the test after 5 s instead of hanging."""
    import signal

    def expire(signum, frame):
        raise TimeoutError("still reading the front matter after 5 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 5.0)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.usefixtures("deadline")
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no header here", "no YAML front matter (the file does not start with ---)"),
        ("\ufeffno header here", "no YAML front matter (the file does not start with ---)"),
        ("---\ntitle: x\n", "the YAML front matter is not closed by a --- line"),
        ("---\ntitle: x\n----\nbody", "the YAML front matter is not closed by a --- line"),
        ("---\ntitle: x\n--- x\nbody", "the YAML front matter is not closed by a --- line"),
        ("---x\ntitle: x\n", "the YAML front matter is not closed by a --- line"),
        ("---\ntitle: a\x07b\n---\n",
         "the YAML header does not parse: unacceptable character #x0007: control characters are not allowed"),
        ('---\ntitle: "C:\\dir"\n---\nbody', "the YAML header does not parse at line 2: found unknown escape character"),
        ('---\ntitle: x\nauthor: "C:\\dir"\n---\n', "the YAML header does not parse at line 3: found unknown escape character"),
        ("---\ntitle: [x\n---\n", "the YAML header does not parse at line 3: did not find expected ',' or ']'"),
        ("---\n- a\n- b\n---\n", "the YAML header is not a mapping"),
        ("---\njust text\n---\n", "the YAML header is not a mapping"),
    ],
)
def test_unreadable_posts_raise_with_the_reason(text, message):
    with pytest.raises(PostFormatError) as raised:
        parse_post(text)
    assert str(raised.value) == message


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
    (tests/e2e/test_hostile_links.py checks it under real Jekyll)."""
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
# Content as the pipeline hands it over: one line (the sanitizer's output joined), so that the expected body is the
# content itself, not something computed by the code under test.
_line_text = st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=120)
_html = st.lists(
    st.one_of(_line_text.map(lambda s: s.replace("<", "&lt;")),
              st.sampled_from(["<p>", "</p>", "<b>x</b>", "{{", "{%", "%}", '{{ "{" }}', "<div>", "</div>"])),
    max_size=20,
).map(lambda pieces: "<p>" + "".join(pieces) + "</p>")


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
    assert post.content == content
    # The header is a YAML mapping on its own lines: no field can spill into another.
    header = text.split("\n---\n")[0]
    assert len(header.splitlines()) == 9
    assert yaml.safe_load(f"k: {yaml_quoted(title)}")["k"] == title


# ---------------------------------------------------------------------------------------------------------------
# Issue 19: each rule of the format on its own, with the expected text written out.


@pytest.fixture(params=["UTC", "Asia/Shanghai"])
def local_timezone(request, monkeypatch):
    """Dates are written in UTC whatever the machine's zone: the date code runs under UTC and under UTC+8."""
    import time

    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    assert time.localtime(0).tm_gmtoff == (0 if request.param == "UTC" else 8 * 3600)  # the zone is really in force
    yield request.param
    monkeypatch.undo()
    time.tzset()


SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.usefixtures("local_timezone")
@pytest.mark.parametrize(
    ("moment", "written", "millis", "day"),
    [
        (datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC), "2023-10-28T18:43:48.000Z", 1698518628000, "2023-10-28"),
        (datetime(2023, 10, 29, 2, 43, 48, 123000, tzinfo=SHANGHAI), "2023-10-28T18:43:48.123Z", 1698518628123, "2023-10-28"),
        (datetime(2023, 12, 31, 23, 30, tzinfo=UTC), "2023-12-31T23:30:00.000Z", 1704065400000, "2023-12-31"),
        (datetime(2024, 1, 1, 7, 59, 59, 999000, tzinfo=SHANGHAI), "2023-12-31T23:59:59.999Z", 1704067199999, "2023-12-31"),
        (datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), "1969-12-31T23:59:59.999Z", -1, "1969-12-31"),
    ],
)
def test_dates_are_written_in_utc_whatever_the_local_zone(moment, written, millis, day):
    text = render_post(article(date=moment, title="t"))
    assert f"\ndate: {written}\n" in text
    assert text.split("---\n", 2)[2].startswith(f"<!--{millis}-->\n")
    assert format_date(moment) == written
    assert post_filename(article(date=moment, title="t")) == f"{day}-t.md"
    assert parse_post(text).date == moment
    below_a_millisecond = moment.replace(microsecond=moment.microsecond + 999)
    assert format_date(below_a_millisecond) == written  # cut, not rounded, as toISOString does
    assert render_post(article(date=below_a_millisecond, title="t")) == text


@pytest.mark.usefixtures("local_timezone")
@pytest.mark.parametrize(
    ("line", "moment"),
    [
        ("date: 2023-10-28T18:43:48.000Z", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ("date: 2023-10-28 18:43:48", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),  # no zone: UTC, as Jekyll's config says
        ("date: 2023-10-29 02:43:48 +08:00", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ("date: 2023-10-28", datetime(2023, 10, 28, tzinfo=UTC)),
        ('date: "2023-10-28T18:43:48"', datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ('date: " 2023-10-29T02:43:48+08:00 "', datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ('date: "2023-10-28T18:43:48.5Z"', datetime(2023, 10, 28, 18, 43, 48, 500000, tzinfo=UTC)),
        ("date: 2023-10-28T18:43:48z", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),  # YAML leaves it a string
        ("date: Invalid Date", None),
        ("date: 1698518628", None),
        ("title: no date", None),
    ],
)
def test_front_matter_dates_are_read_as_utc(line, moment):
    date = parse_post(f"---\n{line}\n---\nbody").date
    assert date == moment
    if moment is not None:
        assert date.utcoffset() == timedelta(0) or "+08:00" in line


def test_dates_of_other_types():
    from newsmirror.archive.postformat import as_datetime

    assert as_datetime(datetime(2023, 1, 2, 3, 4, 5)).tzinfo is UTC  # naive: UTC
    assert as_datetime(datetime(2023, 1, 2, 3, 4, 5, tzinfo=SHANGHAI)).tzinfo is SHANGHAI  # aware: as it is
    assert as_datetime(date(2023, 1, 2)) == datetime(2023, 1, 2, tzinfo=UTC)
    assert as_datetime(date(2023, 1, 2)).tzinfo is UTC
    assert as_datetime("2023-01-02T03:04:05+08:00").utcoffset() == timedelta(hours=8)
    assert as_datetime("2023-01-02T03:04:05").tzinfo is UTC
    assert as_datetime(None) is None and as_datetime(3.5) is None and as_datetime("") is None


def test_the_title_line_escapes_markdown_and_keeps_one_line():
    title = "a*b_c [d] `e` <f> |g| $h! #i & \\ {j}\nk\r\nl\u2028m"
    line = "a*b_c [d] \\`e\\` \\<f> |g| $h! #i & \\ {j} k l m"  # only what kramdown would read as syntax
    assert markdown_link_text(title) == line
    text = render_post(article(title=title, link="https://x.example/a"))
    assert f"\n{line}](https://x.example/a)\n------\n" in text.replace("\n[", "\n", 1)
    assert f"\n[{line}](https://x.example/a)\n------\n" in text
    assert parse_post(text).title == title


def test_link_targets_are_percent_encoded_not_cut():
    link = "https://x.example/a b(c)<d>{e}|f\\g^h`i'j\"k\x7fl\x01m"
    target = "https://x.example/a%20b%28c%29%3Cd%3E%7Be%7D%7Cf%5Cg%5Eh%60i%27j%22k%7Fl%01m"
    assert markdown_link_target(link) == target
    assert "](https://x.example/a%20b%28c%29%3Cd%3E%7Be%7D%7Cf%5Cg%5Eh%60i%27j%22k%7Fl%01m)\n" in render_post(article(link=link))


@pytest.mark.parametrize("comments", [True, False])
def test_comments_off_is_written_and_read_back(comments):
    text = render_post(article(comments=comments))
    assert f"\ncomments: {comments}\n" in text
    assert parse_post(text).comments is comments
    assert parse_post(text).front_matter["comments"] is comments


def test_a_post_without_a_comments_line_has_comments():
    assert parse_post("---\ntitle: x\n---\nbody").comments is True
    assert parse_post("---\ntitle: x\ncomments: false\n---\nbody").comments is False


GOLDEN_FIELDS = {
    "title": "布林肯王毅会谈逾7小时 盘点美中冲突领域",
    "date": datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC),
    "author": "大纪元",
    "link": "https://www.epochtimes.com/gb/23/10/28/n14105046.htm",
    "source": "大纪元",
    "tags": ["大纪元"],
    "categories": ["大纪元"],
    "comments": True,
}


@pytest.mark.parametrize("variant", ["as written", "BOM", "CRLF", "BOM and CRLF"])
def test_bom_and_crlf_read_as_the_plain_post(variant):
    """A post saved by a Windows editor (BOM) or checked out with core.autocrlf (CRLF) is the same post."""
    golden = GOLDEN_POST.read_text(encoding="utf-8")
    text = golden.replace("\n", "\r\n") if "CRLF" in variant else golden
    text = "\ufeff" + text if "BOM" in variant else text
    post = parse_post(text, path="p.md")
    for field, value in GOLDEN_FIELDS.items():
        assert getattr(post, field) == value, field
    assert post.path == "p.md"
    assert post.content.startswith("<p>【大纪元2023年10月28日讯】") and post.content.endswith("</p>")
    assert "\r" not in post.content and "<!--" not in post.content and "------" not in post.content
    assert post.front_matter["layout"] == "post"


@pytest.mark.parametrize(
    ("text", "header", "body"),
    [
        ("---\ntitle: x\n---\nbody\n", "title: x\n", "body\n"),
        ("\ufeff---\ntitle: x\n---\nbody", "title: x\n", "body"),
        ("---\r\ntitle: x\r\n---\r\nbody\r\n", "title: x\r\n", "body\r\n"),
        ("---\ntitle: x\n---", "title: x\n", ""),  # closed at the end of the file
        ("---\n---\nbody", "", "body"),  # an empty header
        ("---\ntitle: x\n----\n--- \n---\nbody", "title: x\n----\n--- \n", "body"),  # only a line of just ---
        ("---\ntitle: x\n---\n---\nbody\n---\n", "title: x\n", "---\nbody\n---\n"),
        ("---\ntitle: x\n----\n---\nbody\n---\nmore", "title: x\n----\n", "body\n---\nmore"),  # the first closing line
        ("---\na: 1\n---\n\n<div>\nx\n</div>\n", "a: 1\n", "\n<div>\nx\n</div>\n"),
    ],
)
@pytest.mark.usefixtures("deadline")
def test_front_matter_is_split_at_its_closing_line(text, header, body):
    from newsmirror.archive.postformat import split_front_matter

    assert split_front_matter(text) == (header, body)


def test_an_empty_header_reads_as_no_fields():
    post = parse_post("---\n---\n<div>\n<p>x</p>\n</div>\n")
    assert (post.title, post.author, post.link, post.source, post.date) == ("", "", "", "", None)
    assert (post.tags, post.categories, post.front_matter, post.content) == ([], [], {}, "<p>x</p>")


@pytest.mark.parametrize(
    ("header", "source", "tags"),
    [
        ("categories: [ a, b ]\ntags: [ c ]", "a", ["c"]),
        ("tags: [ c, d ]", "c", ["c", "d"]),
        ("tags: c", "c", ["c"]),
        ("tags: [ 1, ~, x ]", "1", ["1", "x"]),
        ("categories: []\ntags: []", "", []),
    ],
)
def test_the_source_is_the_first_category_else_the_first_tag(header, source, tags):
    post = parse_post(f"---\n{header}\n---\n")
    assert post.source == source and post.tags == tags


def test_body_content_outside_the_mirror_format_is_the_whole_body_with_liquid_undone():
    from newsmirror.archive.postformat import body_content, post_content

    assert body_content('<p>{{ "{" }}{ x }}</p>\n') == "<p>{{ x }}</p>\n"
    assert body_content('x\n<div>\n<p>{{ "{" }}% y %}</p>\n</div>\n') == "<p>{% y %}</p>"
    assert post_content("---\na: 1\n---\n<div>\n<p>b</p>\n</div>\n") == "<p>b</p>"


def test_read_front_matter_reads_the_first_64_kb_only(tmp_path):
    from newsmirror.archive.postformat import read_front_matter

    post = tmp_path / "p.md"
    post.write_bytes(b'---\ntitle: "\xff\xfe"\nauthor: a\n---\n' + b"x" * 100_000)
    assert read_front_matter(post) == {"title": "\ufffd\ufffd", "author": "a"}  # broken bytes do not stop it
    # A header closed past the first 64 KB (here at byte 65,560) is not read as one.
    long = b"---\nt: " + b"a" * 65_549 + b"\n---\nbody"
    assert long.index(b"\n---\n") == 65_556
    post.write_bytes(long)
    with pytest.raises(PostFormatError) as raised:
        read_front_matter(post)
    assert str(raised.value) == "the YAML front matter is not closed by a --- line"


@pytest.mark.parametrize(
    ("value", "plain", "in_flow"),
    [
        ("大纪元", "大纪元", "大纪元"),
        ("a:b", "a:b", '"a:b"'),
        ("a,b", "a,b", '"a,b"'),
        ("a#b", "a#b", '"a#b"'),
        ("aXb", "aXb", "aXb"),
        ("caseX", "caseX", "caseX"),
        ("a", "a", "a"),
        ("1:30", '"1:30"', '"1:30"'),  # YAML 1.1 (PyYAML) reads a plain 1:30 as 90
        ("190:20:30", '"190:20:30"', '"190:20:30"'),
        ("ab ", '"ab "', '"ab "'),
        ("a:", '"a:"', '"a:"'),
        ("-ab", '"-ab"', '"-ab"'),
        ("?x", '"?x"', '"?x"'),
        (":x", '":x"', '":x"'),
        ("a'b", '"a\'b"', '"a\'b"'),
        ("a\tb", '"a\\tb"', '"a\\tb"'),
        ("a: b", '"a: b"', '"a: b"'),
        ("a #b", '"a #b"', '"a #b"'),
        (" . ", '" . "', '" . "'),
        ("", '""', '""'),
    ],
)
def test_plain_or_quoted_scalars(value, plain, in_flow):
    assert yaml_scalar(value) == plain
    assert yaml_scalar(value, in_flow=True) == in_flow
    assert yaml.safe_load(f"k: {plain}") == {"k": value}


def test_a_title_or_author_like_1_30_stays_text():
    assert yaml.safe_load("author: 1:30") == {"author": 90}  # what a plain scalar would become
    text = render_post(article(title="1:30", author="1:30", tags=["1:30", "a,b"], categories=["12:05"]))
    assert '\ntitle: "1:30"\nauthor: "1:30"\n' in text.replace("\ndate: 2023-10-28T18:43:48.000Z", "")
    assert '\ntags: [ "1:30", "a,b" ]\n' in text and '\ncategories: [ "12:05" ]\n' in text
    post = parse_post(text)
    assert (post.title, post.author, post.tags, post.categories, post.source) == ("1:30", "1:30", ["1:30", "a,b"], ["12:05"], "12:05")


def test_yaml_escapes():
    assert yaml_quoted("\x01\x7f\ufeff\x85\t\r\n\"\\\u2028\u2029\x00\x9f") == '"\\x01\\x7f\\ufeff\\N\\t\\r\\n\\"\\\\\\L\\P\\0\\x9f"'
    assert yaml_quoted("大纪元") == '"大纪元"'


def test_flow_lists():
    from newsmirror.archive.postformat import yaml_flow_list

    assert yaml_flow_list(["a", "b c", "d,e"]) == '[ a, b c, "d,e" ]'
    assert yaml_flow_list([]) == "[  ]"
    text = render_post(article(tags=[], categories=[]))
    assert "\ntags: [ 大纪元 ]\n" in text and "\ncategories: [ 大纪元 ]\n" in text


def test_liquid_escaping_exactly():
    from newsmirror.archive.postformat import liquid_unsafe

    assert escape_liquid("{{ x }} {% y %} {z}") == '{{ "{" }}{ x }} {{ "{" }}% y %} {z}'
    assert escape_liquid("a{b") == "a{b"
    assert unescape_liquid('{{ "{" }}{ x }}') == "{{ x }}"
    assert unescape_liquid("{{ x }}") == "{{ x }}"
    assert liquid_unsafe("{{ x }}") and liquid_unsafe("{% y %}") and not liquid_unsafe("{ x } %}")
    assert not liquid_unsafe(escape_liquid("{{ x }} {% y %} {{{"))
    assert liquid_unsafe('{{{ "{" }}{')  # what is left once the escapes are read still opens a tag


def test_content_lines_are_stripped_and_joined():
    assert join_content_lines("  <p>a</p>\n\t<p>b</p>  \r\n<p>c\x00\x07d</p>\u2028<p>e</p>") == "<p>a</p><p>b</p><p>cd</p><p>e</p>"
    assert join_content_lines("") == ""


@pytest.mark.parametrize(
    ("char", "kept"),
    [("中", True), ("a", True), ("é", True), ("\u0301", True), ("5", True), ("٣", True), (".", True), ("~", True),
     ("@", True), ("Ⅻ", False), ("-", False), (" ", False), ("#", False), ("²", False)],
)  # fmt: skip
def test_characters_jekyll_keeps_in_a_slug(char, kept):
    from newsmirror.archive.postformat import jekyll_slug_keeps

    assert jekyll_slug_keeps(char) is kept


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("a/b", "2023-10-28-a--b.md"),
        ('a\\:*?"<>|', "2023-10-28-a＼：＊？＂＜＞｜.md"),
        ('\\:*?"<>|', "2023-10-28-untitled.md"),  # their full-width forms are punctuation: Jekyll's slug is empty
        ("a:b", "2023-10-28-a：b.md"),
        ("a\x00b\x1fc\u2028d", "2023-10-28-a b c d.md"),
        (" . ", "2023-10-28-untitled.md"),
        (" .. ", "2023-10-28-untitled.md"),
        ("   ", "2023-10-28-untitled.md"),
        ("-.", "2023-10-28-untitled.md"),
        ("-.X", "2023-10-28--.X.md"),
        ("..a", "2023-10-28-..a.md"),
    ],
)
def test_file_name_title_parts(title, name):
    assert post_filename(article(title=title)) == name
    assert post_filename(article(title=title), suffix=1) == name
    assert post_filename(article(title=title), suffix=3) == name[:-3] + "-3.md"


def test_file_names_stay_under_255_bytes_with_room_for_a_suffix(monkeypatch):
    """50 characters are at most 200 bytes; were the title part longer, the name is cut at a character boundary."""
    import newsmirror.archive.postformat as postformat

    monkeypatch.setattr(postformat, "TITLE_CHARS_IN_NAME", 100)
    name = post_filename(article(title="𠮷" * 100))  # 4 bytes each in UTF-8
    assert name == "2023-10-28-" + "𠮷" * 58 + ".md"  # 11 + 232 + 3 bytes: 8 left for "-NNNN"
    assert post_filename(article(title="ab" + "𠮷" * 98)) == "2023-10-28-ab" + "𠮷" * 57 + ".md"  # cut inside a character


@pytest.mark.parametrize("tz", ["UTC", "Asia/Shanghai"])
def test_fetch_writes_utc_dates_and_comments_off_whatever_the_local_zone(server, tmp_path, tz):
    from pagehelpers import rss

    item = {"title": "午夜前后", "link": "https://news.example/a", "description": "<p>正文</p>",
            "date": datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)}  # fmt: skip  (02:43 on the 29th in Shanghai)
    server.add("/feed.xml", rss([item]))
    write_config(tmp_path, [{"name": "新闻", "url": server.url("/feed.xml"), "comments": False}])
    result = run_cli("fetch", "-C", str(tmp_path), env={"TZ": tz})
    assert result.returncode == 0, result.stderr
    assert [p.name for p in post_files(tmp_path)] == ["2023-10-28-午夜前后.md"]
    text = (tmp_path / "_posts" / "2023" / "10" / "2023-10-28-午夜前后.md").read_text(encoding="utf-8")
    assert text == (
        "---\nlayout: post\ntitle: \"午夜前后\"\ndate: 2023-10-28T18:43:48.000Z\nauthor: 新闻\n"
        "from: https://news.example/a\ntags: [ 新闻 ]\ncomments: False\ncategories: [ 新闻 ]\n---\n"
        "<!--1698518628000-->\n[午夜前后](https://news.example/a)\n------\n\n<div>\n<p>正文</p>\n</div>\n"
    )
