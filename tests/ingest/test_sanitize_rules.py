"""The sanitizer's rules, each on its own: absolute addresses, lazy images, tracking pixels, video players, what goes
with its content. tests/ingest/test_sanitize_hostile.py is the hostile corpus; here every expected output is written out.
"""

from __future__ import annotations

from datetime import UTC, datetime

import nh3
import pytest

from conftest import post_path, run_cli, write_config
from newsmirror.archive.postformat import parse_post
from newsmirror.ingest.embeds import privacy_embed_url
from newsmirror.ingest.sanitize import FOREIGN_NAMES, html_to_text, is_tracker, pick_lazy_src, sanitize_html
from pagehelpers import rss

BASE = "https://www.example-news.com/gb/2026/11/26/a1.html"
NOCOOKIE = "https://www.youtube-nocookie.com/embed/"


def clean(fragment: str, base: str = BASE) -> str:
    return sanitize_html(fragment, base)


# ---------------------------------------------------------------------------------------------------------------
# Addresses


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<a href="/gb/other.html">x</a>', '<a href="https://www.example-news.com/gb/other.html">x</a>'),
        ('<a href="b2.html">x</a>', '<a href="https://www.example-news.com/gb/2026/11/26/b2.html">x</a>'),
        ('<img src="../img/a.jpg">', '<img src="https://www.example-news.com/gb/2026/11/img/a.jpg">'),
        ('<img src="//cdn.example/a.jpg">', '<img src="https://cdn.example/a.jpg">'),
        ('<a href="?page=2">x</a>', '<a href="https://www.example-news.com/gb/2026/11/26/a1.html?page=2">x</a>'),
        ('<blockquote cite="/source.html">q</blockquote>',
         '<blockquote cite="https://www.example-news.com/source.html">q</blockquote>'),
        ('<video src="v.mp4" poster="p.jpg"></video>',
         '<video src="https://www.example-news.com/gb/2026/11/26/v.mp4" '
         'poster="https://www.example-news.com/gb/2026/11/26/p.jpg"></video>'),
        # already absolute, a fragment, an empty address, mail: as written
        ('<a href="https://other.example/x">x</a>', '<a href="https://other.example/x">x</a>'),
        ('<a href="http://other.example/x">x</a>', '<a href="http://other.example/x">x</a>'),
        ('<a href="#note1">1</a>', '<a href="#note1">1</a>'),
        ('<a href="">x</a>', '<a href="">x</a>'),
        ('<a href="  /gb/other.html ">x</a>', '<a href="https://www.example-news.com/gb/other.html">x</a>'),
        ('<a href="mailto:news@example-news.com">x</a>', '<a href="mailto:news@example-news.com">x</a>'),
        # an address no URL parser takes goes
        ('<a href="http://[x/a">x</a>', "<a>x</a>"),
        ('<a href="//[x/a">x</a>', "<a>x</a>"),
        # schemes other than the web's and mail go, wherever they stand
        ('<a href="ftp://other.example/x">x</a>', "<a>x</a>"),
        ('<q cite="tel:123">x</q>', "<q>x</q>"),
    ],
)
def test_addresses_are_made_absolute_against_the_article(fragment, expected):
    assert clean(fragment) == expected


def test_absolute_addresses_keep_their_host_and_path():
    """An absolute address is not joined, except that its scheme may come out in lower case, as urljoin writes it."""
    fragment = '<a href="HTTPS://Other.example/X">x</a><a href="HTTP://Other.example/Y">y</a>'
    assert clean(fragment, "https://b.example/p.html") == '<a href="https://Other.example/X">x</a><a href="HTTP://Other.example/Y">y</a>'
    assert clean(fragment, "http://b.example/p.html") == '<a href="HTTPS://Other.example/X">x</a><a href="http://Other.example/Y">y</a>'


def test_without_a_base_relative_addresses_stay_relative():
    assert clean('<a href="/gb/other.html">x</a><img src="a.jpg">', "") == '<a href="/gb/other.html">x</a><img src="a.jpg">'


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', '<img src="data:image/png;base64,iVBORw0KGgo=">'),
        ('<img src="DATA:image/gif;base64,R0lGOD==">', '<img src="DATA:image/gif;base64,R0lGOD==">'),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "<img>"),
        ('<img src="data:text/html;base64,PHN2Zz4=">', "<img>"),
        ('<a href="data:image/png;base64,iVBORw0KGgo=">x</a>', "<a>x</a>"),  # pictures only where they show
        ('<source src="data:image/png;base64,iVBORw0KGgo=">', "<source>"),
        ('<video poster="data:image/png;base64,iVBORw0KGgo="></video>', "<video></video>"),
    ],
)
def test_data_addresses_only_as_pictures(fragment, expected):
    assert clean(fragment) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<img src="a.jpg" width="300" height="200">',
         '<img src="https://www.example-news.com/gb/2026/11/26/a.jpg" width="300" height="200">'),
        ('<img width="50%" height="120px">', '<img width="50%" height="120px">'),
        ('<img width="300;color:red" height="x">', "<img>"),
        ('<table><tbody><tr><td colspan="2" rowspan="oops">x</td></tr></tbody></table>',
         '<table><tbody><tr><td colspan="2">x</td></tr></tbody></table>'),
        ('<ol start="3" type="a"><li value="5">x</li></ol>', '<ol start="3" type="a"><li value="5">x</li></ol>'),
        ('<font color="red">x</font>', '<font color="red">x</font>'),
        ('<p title="t" lang="zh" dir="ltr">x</p>', '<p title="t" lang="zh" dir="ltr">x</p>'),
    ],
)
def test_attributes_kept_are_the_allowed_ones_with_numbers_where_numbers_belong(fragment, expected):
    assert clean(fragment) == expected


IMG = "https://img.example/a.jpg"


@pytest.mark.parametrize(
    ("policy", "kept"),
    [
        ("no-referrer", True),  # what the real posts carry (315 of 5,685)
        ("No-Referrer", True),  # an enumerated attribute: its value is read without case
        (" same-origin ", True),
        ("strict-origin", True),
        ("strict-origin-when-cross-origin", True),  # the browsers' default
        # policies that tell the image host more than the default does: the reader's page address, or its origin
        # over plain http
        ("unsafe-url", False),
        ("no-referrer-when-downgrade", False),
        ("origin", False),
        ("origin-when-cross-origin", False),
        ("", False),
        ("no-referrer unsafe-url", False),
    ],
)
def test_an_images_referrer_policy_stays_when_it_tells_no_more_than_the_default(policy, kept):
    written = f'<img src="{IMG}" referrerpolicy="{policy}">'
    assert clean(written) == (written if kept else f'<img src="{IMG}">')


def test_a_lazy_images_referrer_policy_stays_with_its_real_picture():
    lazy = f'<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="{IMG}" referrerpolicy="no-referrer">'
    assert clean(lazy) == f'<img src="{IMG}" referrerpolicy="no-referrer">'


def test_a_referrer_policy_only_on_images():
    assert clean('<a href="https://a.example/" referrerpolicy="no-referrer">x</a>') == '<a href="https://a.example/">x</a>'


# ---------------------------------------------------------------------------------------------------------------
# Images: how a tag is read, lazy images, srcset, tracking pixels


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<IMG SRC="a.jpg" ALT="x">', '<img src="https://www.example-news.com/gb/2026/11/26/a.jpg" alt="x">'),
        ("<img src='a.jpg' alt='x'>", '<img src="https://www.example-news.com/gb/2026/11/26/a.jpg" alt="x">'),
        ("<img src=a.jpg alt=x>", '<img src="https://www.example-news.com/gb/2026/11/26/a.jpg" alt="x">'),
        ('<img src="a.jpg" src="b.jpg">', '<img src="https://www.example-news.com/gb/2026/11/26/a.jpg">'),
        ('<img src="a.jpg?x=1&amp;y=2">', '<img src="https://www.example-news.com/gb/2026/11/26/a.jpg?x=1&amp;y=2">'),
        ("<img alt='say \"hi\" &amp; go' src=a.jpg>",
         '<img alt="say &quot;hi&quot; &amp; go" src="https://www.example-news.com/gb/2026/11/26/a.jpg">'),
        ('<p>a</p><img src="a.jpg"', "<p>a</p>"),  # a tag the input ends in
    ],
)
def test_image_tags_are_read_as_a_browser_reads_them(fragment, expected):
    assert clean(fragment) == expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"data-src": "real.jpg"}, "real.jpg"),
        ({"src": "placeholder.gif", "data-original": "real.jpg"}, "real.jpg"),
        ({"src": "data:image/gif;base64,R0lGOD==", "data-lazy-src": "real.jpg"}, "real.jpg"),
        ({"src": "about:blank", "data-actualsrc": " real.jpg "}, "real.jpg"),
        ({"src": "/img/loading.svg", "data-url": "real.jpg"}, "real.jpg"),
        ({"src": "spacer.png", "data-echo": "real.jpg"}, "real.jpg"),
        ({"src": "  ", "data-src": "real.jpg"}, "real.jpg"),
        ({"data-src": " ", "data-original": "second.jpg"}, "second.jpg"),
        ({"src": "real.jpg", "data-src": "other.jpg"}, "real.jpg"),  # a real src wins
        ({"src": "blank.gif"}, "blank.gif"),  # nothing better: kept
        ({"srcset": "a.jpg 320w, b.jpg 1024w, c.jpg 640w"}, "b.jpg"),
        ({"src": "lazy.png", "srcset": "a.jpg 1x, b.jpg 2x"}, "b.jpg"),
        ({"src": "lazy.png", "data-srcset": "a.jpg 1.5x, b.jpg"}, "a.jpg"),
        ({"src": "real.jpg", "srcset": "big.jpg 2x"}, "real.jpg"),
        ({"srcset": "only.jpg"}, "only.jpg"),
        ({"srcset": "only.jpg 1x"}, "only.jpg"),
        ({"srcset": "a.jpg, b.jpg 1.5x"}, "b.jpg"),  # no descriptor counts as 1x
        ({"srcset": "a.jpg 2x, b.jpg 2x"}, "a.jpg"),  # the first of equals
        ({"srcset": "a.jpg 1.5x, b.jpg bogus"}, "a.jpg"),  # an unreadable descriptor counts as 1x
        ({"srcset": "a.jpg 1x,, b.jpg 2x"}, "b.jpg"),
        ({"srcset": "a.jpg -1.5x"}, ""),  # no candidate with a negative density
        ({"srcset": ""}, ""),
        ({"alt": "x"}, ""),
    ],
)
def test_the_picture_an_image_shows(attributes, expected):
    assert pick_lazy_src(attributes) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<img src="placeholder.gif" data-src="/img/real.jpg" data-srcset="x 1x" loading="lazy" sizes="100vw">',
         '<img src="https://www.example-news.com/img/real.jpg">'),
        ('<img data-original="real.jpg" alt="图">', '<img alt="图" src="https://www.example-news.com/gb/2026/11/26/real.jpg">'),
        ('<img srcset="s.jpg 320w, l.jpg 1024w">', '<img src="https://www.example-news.com/gb/2026/11/26/l.jpg">'),
        ('<img alt="无图">', '<img alt="无图">'),
    ],
)
def test_lazy_images_get_their_real_picture(fragment, expected):
    assert clean(fragment) == expected


@pytest.mark.parametrize(
    "image",
    [
        '<img src="https://img.example/p.gif" width="1" height="1">',
        '<img src="https://img.example/p.gif" width="0" height="0">',
        '<img src="https://img.example/p.gif" width="1px" height="1px">',
        '<img src="https://img.example/p.gif" width=" 1 " height="0">',
        '<img src="https://pixel.wp.com/g.gif?blog=1">',
        '<img src="https://PIXEL.WP.COM/g.gif">',
        '<img src="https://feeds.feedburner.com/~r/example/~4/abc">',
        '<img src="https://feeds2.feedburner.com/~ff/example?d=abc">',
        '<img src="https://connect.facebook.com/tr?id=1&amp;ev=PageView">',
        '<img src="https://stats.example.wp.com/beacon.gif">',
        '<img src="https://www.google-analytics.com/collect?v=1">',
        '<img src="/~r/example/~4/abc">',  # relative, on a feedburner page
        '<img src="http://[x/a.png">',  # no browser could load it either
    ],
)
def test_tracking_pixels_go(image):
    assert clean(f"<p>a</p>{image}<p>b</p>", "https://feeds.feedburner.com/example/a.html") == "<p>a</p><p>b</p>"


@pytest.mark.parametrize(
    "src",
    [
        "https://i0.wp.com/example-news.com/photo.jpg",  # WordPress's image CDN: the article's pictures
        "https://example-news.files.wordpress.com/2026/11/photo.jpg",
        "https://img.example/pixels/photo.jpg",  # tracker-like path, but no tracker host
        "https://img.example/tr?id=1",
        "https://s0.wp.com/collect",  # a tracker path needs its query
        "https://img.feedburner.com/logo.png",
        "https://scontent.facebook.com/photo.jpg",
    ],
)
def test_ordinary_pictures_stay_even_on_tracker_domains(src):
    assert clean(f'<img src="{src}" width="600" height="1">') == f'<img src="{src}" width="600" height="1">'
    assert clean(f'<img src="{src}" width="1" height="400">') == f'<img src="{src}" width="1" height="400">'
    assert is_tracker(src) is False


def test_an_image_without_an_address_is_no_tracker():
    assert clean('<img width="1" height="1">') == '<img width="1" height="1">'


@pytest.mark.parametrize("size", ['width="1"', 'height="1"', 'width="1" height=""', 'width="0" height="auto"'])
def test_one_small_side_alone_is_no_pixel(size):
    assert clean(f'<img src="https://img.example/p.gif" {size}>').startswith('<img src="https://img.example/p.gif"')


# ---------------------------------------------------------------------------------------------------------------
# Video players


@pytest.mark.parametrize(
    ("address", "embed"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10", NOCOOKIE + "dQw4w9WgXcQ"),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", NOCOOKIE + "dQw4w9WgXcQ"),
        ("https://youtube.com/embed/dQw4w9WgXcQ?autoplay=1", NOCOOKIE + "dQw4w9WgXcQ"),
        ("//www.youtube.com/embed/dQw4w9WgXcQ", NOCOOKIE + "dQw4w9WgXcQ"),
        ("https://www.youtube.com/v/dQw4w9WgXcQ", NOCOOKIE + "dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", NOCOOKIE + "dQw4w9WgXcQ"),
        ("https://youtu.be/Xa1b2c3d4eX/", NOCOOKIE + "Xa1b2c3d4eX"),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", NOCOOKIE + "dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/videoseries?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
         NOCOOKIE + "videoseries?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG"),
        ("https://www.youtube.com/embed/videoseries?list=short", None),
        ("https://www.youtube.com/watch?v=bad!id", None),
        ("https://www.youtube.com/watch", None),
        ("https://www.youtube.com/channel/UCabcdefghijk", None),
        ("https://player.vimeo.com/video/123456", "https://player.vimeo.com/video/123456?dnt=1"),
        ("https://vimeo.com/123456/", "https://player.vimeo.com/video/123456?dnt=1"),
        ("https://vimeo.com/about", None),
        ("https://player.bilibili.com/player.html?page=3&cid=2&bvid=BV1xx411c7mD&p=4&aid=1&autoplay=1&foo=x",
         "https://player.bilibili.com/player.html?aid=1&bvid=BV1xx411c7mD&cid=2&p=4&page=3&autoplay=0"),
        ("https://player.bilibili.com/player.html?aid=170001", "https://player.bilibili.com/player.html?aid=170001&autoplay=0"),
        ("https://player.bilibili.com/player.html?cid=2&page=1", None),
        ("https://player.bilibili.com/other.html?bvid=BV1xx411c7mD", None),
        ("https://www.dailymotion.com/embed/video/x8abc12", "https://www.dailymotion.com/embed/video/x8abc12"),
        ("https://geo.dailymotion.com/embed/video/x8abc12", "https://www.dailymotion.com/embed/video/x8abc12"),
        ("https://www.dailymotion.com/embed/video/x8-c12", None),
        ("https://www.dailymotion.com/video/x8abc12", None),
        ("https://evil.example/embed/video/x8abc12", None),
        ("https://evil.example/player.html?bvid=BV1xx411c7mD", None),
        ("https://[x/embed/dQw4w9WgXcQ", None),
        ("", None),
    ],
)
def test_player_addresses_become_privacy_friendly_embeds(address, embed):
    assert privacy_embed_url(address) == embed


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ('<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="560" height="315" allowfullscreen></iframe>',
         f'<iframe src="{NOCOOKIE}dQw4w9WgXcQ" width="560" height="315" allowfullscreen=""></iframe>'),
        ('<IFRAME SRC="https://vimeo.com/123456"></IFRAME>', '<iframe src="https://player.vimeo.com/video/123456?dnt=1"></iframe>'),
        ('<iframe src="about:blank" data-src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
         f'<iframe src="{NOCOOKIE}dQw4w9WgXcQ"></iframe>'),
        ('<iframe data-lazy-src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>', f'<iframe src="{NOCOOKIE}dQw4w9WgXcQ"></iframe>'),
        ('<iframe data-url="//www.youtube.com/embed/dQw4w9WgXcQ"></iframe>', f'<iframe src="{NOCOOKIE}dQw4w9WgXcQ"></iframe>'),
        ('<iframe src="/embed/dQw4w9WgXcQ"></iframe>', f'<iframe src="{NOCOOKIE}dQw4w9WgXcQ"></iframe>'),  # relative
        # any other frame: a link to the address it shows, its fallback content gone (issue 10; it used to vanish)
        ('<iframe src="https://evil.example/">fallback <b>text</b></iframe>',
         '<a href="https://evil.example/">evil.example</a>'),
        ("<iframe></iframe>", ""),
    ],
)
def test_frames_are_players_links_or_nothing(frame, expected):
    assert clean(f"<p>a</p>{frame}<p>b</p>", "https://www.youtube.com/watch?v=dQw4w9WgXcQ") == f"<p>a</p>{expected}<p>b</p>"


def test_a_frame_without_an_address_is_no_player_whatever_the_page():
    for page in ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.dailymotion.com/embed/video/"):
        assert clean("<p>a</p><iframe></iframe><iframe src=' '></iframe>", page) == "<p>a</p>"


def test_a_frames_content_goes_and_a_player_beside_it_stays():
    fragment = ('<iframe src="https://evil.example/x">inert</iframe>'
                '<iframe src="https://youtu.be/dQw4w9WgXcQ"></iframe><iframe>gone</iframe>')  # fmt: skip
    assert clean(fragment) == f'<a href="https://evil.example/x">evil.example/x</a><iframe src="{NOCOOKIE}dQw4w9WgXcQ"></iframe>'


# ---------------------------------------------------------------------------------------------------------------
# What goes with its content, what loses only its tags


@pytest.mark.parametrize(
    "element",
    [
        "<svg><text x='0' y='15'>SVG文字</text></svg>",
        "<noscript><p>请启用脚本</p></noscript>",
        "<template><p>模板文字</p></template>",
        "<math><mi>数学</mi></math>",
        "<script>var a = 1;</script>",
        "<style>p { color: red }</style>",
        "<textarea>输入框文字</textarea>",
        "<select><option>选项</option></select>",
        "<button>按钮</button>",
        "<object data='x.swf'>对象文字</object>",
        "<title>标题文字</title>",
        "<xmp>xmp文字</xmp>",
        "<noembed>noembed文字</noembed>",
    ],
)
def test_these_go_with_everything_inside(element):
    assert clean(f"<p>前</p>{element}<p>后</p>") == "<p>前</p><p>后</p>"


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<section><p>x</p></section><custom-tag>y</custom-tag>", "<section><p>x</p></section>y"),
        ("<form><p>表单里的段落</p></form>", "<p>表单里的段落</p>"),
        ("<p>a<!-- 注释 -->b</p>", "<p>ab</p>"),
        ('<a href="https://x.example/" target="_blank" rel="opener">x</a>', '<a href="https://x.example/">x</a>'),
        ("", ""),
    ],
)
def test_unknown_tags_lose_only_their_tags_and_comments_go(fragment, expected):
    assert clean(fragment) == expected


def test_html_to_text():
    assert html_to_text("<p>a&amp;b</p><p>c</p>") == " a&b  c "
    assert html_to_text("x <y") == "x <y"
    assert html_to_text("1 &lt; 2 and <b>3</b>") == "1 < 2 and  3 "


# ---------------------------------------------------------------------------------------------------------------
# Through the command


def test_fetch_writes_feed_content_made_safe_and_absolute(server, tmp_path):
    body = (
        '<p>正文<a href="/gb/related.html">相关</a></p>'
        '<img src="../img/a.jpg" alt="图一">'
        '<img src="placeholder.gif" data-src="/img/lazy.jpg">'
        '<img src="https://pixel.wp.com/g.gif?blog=1">'
        '<img src="https://img.example/p.gif" width="1" height="1">'
        '<img src="https://i0.wp.com/example-news.com/photo.jpg">'
        "<svg><text>SVG文字</text></svg><noscript>请启用脚本</noscript><template>模板</template>"
        '<iframe src="https://www.youtube.com/watch?v=dQw4w9WgXcQ"></iframe>'
    )
    item = {"title": "安全的正文", "link": BASE, "description": body, "date": datetime(2026, 11, 26, 8, 0, tzinfo=UTC)}
    server.add("/feed.xml", rss([item]))
    write_config(tmp_path, [{"name": "新闻", "url": server.url("/feed.xml")}])
    result = run_cli("fetch", "-C", str(tmp_path))
    assert result.returncode == 0, result.stderr
    post = parse_post(post_path(tmp_path, "2026-11-26-安全的正文.md").read_text(encoding="utf-8"))
    assert post.content == (
        '<p>正文<a href="https://www.example-news.com/gb/related.html">相关</a></p>'
        '<img src="https://www.example-news.com/gb/2026/11/img/a.jpg" alt="图一">'
        '<img src="https://www.example-news.com/img/lazy.jpg">'
        '<img src="https://i0.wp.com/example-news.com/photo.jpg">'
        f'<iframe src="{NOCOOKIE}dQw4w9WgXcQ"></iframe>'
    )


@pytest.mark.parametrize("name", sorted(FOREIGN_NAMES))
def test_svg_and_mathml_names_outside_svg_show_their_text_as_a_browser_does(name):
    fragment = f'<h3><{name} class="g">绿色承诺 Green</{name}></h3><p>后</p>'
    assert "Green" not in nh3.clean(fragment)  # why the table exists: nh3 alone drops the words
    assert clean(fragment) == "<h3><span>绿色承诺 Green</span></h3><p>后</p>"
    assert clean(fragment.upper().replace("绿色承诺 GREEN", "x")) == "<h3><span>x</span></h3><p>后</p>"


@pytest.mark.parametrize(
    "fragment, expected",
    [
        # inside an <svg> or <math> (removed with their content) nothing changes: no text escapes a drawing
        ("<svg><text>刻度 10</text><tspan>y</tspan></svg><p><tspan>x</tspan></p>", "<p></p>"),
        ("<math><mi>x</mi></math><p><mtext>t</mtext></p>", "<p></p>"),
        # names that only begin like one stay unknown elements: their tag goes, their text stays
        ("<p><gx>a</gx><text-box>b</text-box><paths>c</paths></p>", "<p>abc</p>"),
        ("<p>a <g/> b</p>", "<p>a <span> b</span></p>"),  # no self-closing tags in HTML: as a browser reads it
    ],
)
def test_foreign_names_elsewhere(fragment, expected):
    assert clean(fragment) == expected
