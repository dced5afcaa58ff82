"""Hostile HTML goes in, nothing active comes out; clean article HTML comes out unchanged."""

from __future__ import annotations

import re

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsmirror.ingest.sanitize import sanitize_html

BASE = "https://www.example-news.com/gb/2026/11/26/a1.html"

HOSTILE = [
    # script in its spellings
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script/xss src=https://evil.example/x.js></script>",
    "<<script>alert(1);//<</script>",
    "<script\n>alert(1)</script\n>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script>document.write('<scr'+'ipt>alert(1)</scr'+'ipt>')</script>",
    "<script type=module>import('https://evil.example')</script>",
    "<p>text<script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<textarea><script>alert(1)</script></textarea>",
    "<title><script>alert(1)</script></title>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<img src=x ONERROR=alert(1)>",
    "<img src=x onerror\n=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"//>',
    "<body onload=alert(1)><p>x</p></body>",
    "<p onclick=alert(1) onmouseover='alert(2)'>x</p>",
    '<a href="https://ok.example/" onfocus=alert(1) autofocus>x</a>',
    "<div onpointerenter=alert(1)>x</div>",
    "<details open ontoggle=alert(1)>x</details>",
    "<video src=x onerror=alert(1)></video>",
    "<audio src=x onloadstart=alert(1)></audio>",
    '<input autofocus onfocus=alert(1)>',
    "<select onfocus=alert(1) autofocus></select>",
    "<marquee onstart=alert(1)>x</marquee>",
    # URLs
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="data:text/html,<script>alert(1)</script>">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    '<blockquote cite="javascript:alert(1)">x</blockquote>',
    '<q cite="vbscript:x">x</q>',
    '<video poster="javascript:alert(1)" src="https://ok.example/v.mp4"></video>',
    '<source src="javascript:alert(1)">',
    '<a href="file:///etc/passwd">x</a>',
    '<a href="//evil.example/%0ajavascript:alert(1)">x</a>',
    '<img src="x" srcset="javascript:alert(1) 1x">',
    '<img lowsrc="javascript:alert(1)" dynsrc="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">x</button></form>',
    '<base href="javascript:/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<applet code="x"></applet>',
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=20 y=20>x</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe srcdoc=\"<script>alert(1)</script>\"></iframe></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<svg><set attributeName=href to=javascript:alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    "<math href=\"javascript:alert(1)\">x</math>",
    "<math><mi><mglyph><svg><mtext><textarea><path id=\"</textarea><img onerror=alert(1) src=1>\"></path></textarea></mtext></svg></mglyph></mi></math>",
    # srcdoc and frames
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="https://www.youtube.com/embed/abcdefghijk" srcdoc="<script>alert(1)</script>" onload="alert(1)"></iframe>',
    '<iframe src="https://evil.example/"><script>alert(1)</script></iframe>',
    "<frameset><frame src=\"javascript:alert(1)\"></frameset>",
    # CSS
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width:expression(alert(1))">x</p>',
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    '<div style="behavior:url(x.htc)">x</div>',
    '<style>@import "https://evil.example/x.css";</style>',
    "<STYLE>li {list-style-image: url(\"javascript:alert(1)\");}</STYLE><ul><li>x</li></ul>",
    # mis-nested and unclosed
    "<p><b><i>x</b></i></p><script>alert(1)",
    "<a href='x'><img src=x onerror=alert(1)",
    "<div><p>x<div>y</p></div><img src=y onerror=alert(1)>",
    '<img src="x" alt="" onerror="alert(1)"',
    '<table><tr><td><script>alert(1)</script></td></tr>',
    "<p title='</p><script>alert(1)</script>'>x</p>",
    "<a href=\"x\" title=\"\"onclick=\"alert(1)\">x</a>",
    "<img src=`x`onerror=alert(1)>",
    "<</p>iframe src=javascript:alert(1)>",
    "<img src=\"x\"/onerror=alert(1)>",
    "<div id=\"a\"><!--</div><script>alert(1)</script>-->",
    "<button onclick=alert(1)>x</button>",
    "<isindex action=javascript:alert(1) type=image>",
    "<keygen autofocus onfocus=alert(1)>",
]

FORBIDDEN_TAGS = {"script", "style", "form", "object", "embed", "applet", "svg", "math", "frame", "frameset",
                  "base", "meta", "link", "input", "button", "select", "textarea", "template", "noscript"}  # fmt: skip


def assert_inert(output: str) -> None:
    lowered = output.lower()
    assert "<script" not in lowered and "</script" not in lowered
    if not output.strip():
        return
    root = lxml.html.fragment_fromstring(output, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag.lower() not in FORBIDDEN_TAGS, output
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), output
            assert name.lower() not in ("style", "srcdoc", "srcset", "formaction", "action", "xlink:href", "data"), output
            if name.lower() in ("title", "alt", "lang", "dir"):
                continue  # plain text to a browser
            squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
            assert not squeezed.startswith(("javascript:", "vbscript:", "file:")), output
            if squeezed.startswith("data:"):
                assert element.tag == "img" and name == "src" and squeezed.startswith("data:image/") and "svg" not in squeezed
        if element.tag == "iframe":
            assert element.get("src", "").startswith(("https://www.youtube-nocookie.com/embed/", "https://player.vimeo.com/"))
            assert not (element.text or "").strip(), output


@pytest.mark.parametrize("hostile", HOSTILE)
def test_nothing_active_survives(hostile):
    output = sanitize_html(f"<p>before</p>{hostile}<p>after</p>", BASE)
    assert_inert(output)
    assert "alert(" not in output.replace("&lt;", "<") or "<script" not in output.lower()
    assert output.startswith("<p>before</p>")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_nothing_active_survives_alone(hostile):
    assert_inert(sanitize_html(hostile, BASE))


def test_no_alert_text_becomes_markup():
    # Text that merely *reads* like code may stay as text, but never as a tag or attribute.
    for hostile in HOSTILE:
        output = sanitize_html(hostile, BASE)
        for element in lxml.html.fragment_fromstring(output or "<i></i>", create_parent="div").iter():
            # (inside an http address, as browsers also read `<img/src=x/onerror=…>`, it is an inert path)
            # (title and alt are plain text to a browser, whatever they say)
            values = [v for k, v in element.attrib.items()
                      if k not in ("title", "alt") and not (k in ("href", "src") and v.startswith("https://"))]
            assert "alert" not in " ".join(values), (hostile, output)


CLEAN = [
    "<p>【大纪元2026年11月26日讯】正文第一段。</p><p>第二段，带<a href=\"https://www.example-news.com/gb/tag/x.html\">链接</a>。</p>",
    "<h2>小标题</h2><p>段落<strong>加粗</strong>与<em>强调</em>。</p><blockquote><p>引语</p></blockquote>",
    "<ul><li>一</li><li>二</li></ul><ol><li>甲</li><li>乙</li></ol>",
    '<figure><img src="https://img.example-news.com/a.jpg" alt="图"><figcaption>图片说明</figcaption></figure>',
    "<table><thead><tr><th>年份</th><th>数量</th></tr></thead><tbody><tr><td>2025</td><td>3</td></tr></tbody></table>",
    '<p><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" width="560" height="315" allowfullscreen=""></iframe></p>',
    '<p>图：<img src="data:image/png;base64,iVBORw0KGgo=" alt="点"></p>',
    "<pre><code>a &lt; b &amp;&amp; c</code></pre><p>x<br>y</p><hr>",
]


@pytest.mark.parametrize("clean", CLEAN)
def test_clean_article_html_is_unchanged(clean):
    assert sanitize_html(clean, BASE) == clean


# -- property tests ------------------------------------------------------------------------------------------

TAGS = ["p", "div", "a", "img", "script", "style", "svg", "math", "iframe", "b", "table", "td", "tr", "form",
        "object", "embed", "template", "noscript", "textarea", "title", "select", "video", "blockquote", "mglyph"]  # fmt: skip
ATTRIBUTES = ["href", "src", "onerror", "onclick", "style", "srcdoc", "cite", "data-src", "srcset", "xlink:href",
              "title", "poster", "action", "formaction", "width", "height"]  # fmt: skip
VALUES = ["javascript:alert(1)", "JaVa\tScRiPt:alert(1)", "vbscript:x", "data:text/html,<script>alert(1)</script>",
          "data:image/png;base64,AAAA", "https://ok.example/a.jpg", "/relative/x.png", "x\" onerror=\"alert(1)",
          "expression(alert(1))", "<script>alert(1)</script>", "1", "", "'><script>alert(1)</script>"]  # fmt: skip

attribute = st.tuples(st.sampled_from(ATTRIBUTES), st.sampled_from(VALUES), st.sampled_from(['"', "'", ""]))
start_tag = st.builds(
    lambda tag, attrs, close: f"<{tag}" + "".join(f" {n}={q}{v}{q}" for n, v, q in attrs) + (" />" if close else ">"),
    st.sampled_from(TAGS), st.lists(attribute, max_size=4), st.booleans(),
)
piece = st.one_of(
    start_tag,
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.text(alphabet="ab<>&\"'=/ 中文;:", max_size=8),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&#106;", "&lt;", "<svg", "<script", "javascript:"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(piece, max_size=14).map("".join))
def test_property_output_is_always_inert(fragment):
    assert_inert(sanitize_html(fragment, BASE))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(piece, max_size=14).map("".join))
def test_property_sanitizing_twice_changes_nothing(fragment):
    once = sanitize_html(fragment, BASE)
    assert sanitize_html(once, BASE) == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<>&"), max_size=60))
def test_property_plain_text_paragraphs_pass_unchanged(text):
    fragment = f"<p>{text}</p>"
    output = sanitize_html(fragment, BASE)
    assert lxml.html.fragment_fromstring(output, create_parent="div").text_content() == text


@pytest.mark.parametrize(
    ("address", "embed"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/videoseries?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
         "https://www.youtube-nocookie.com/embed/videoseries?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG"),
        ("https://www.youtube.com/embed/videoseries?list=", None),  # a playlist player without a list
        ("https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&page=1",
         "https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&page=1&autoplay=0"),
        ("https://player.bilibili.com/player.html?autoplay=1", None),  # no video: an empty player
        ("https://vimeo.com/channels/staffpicks/123456", "https://player.vimeo.com/video/123456?dnt=1"),
        ("https://evil.example/embed/dQw4w9WgXcQ", None),
    ],
)
def test_player_addresses(address, embed):
    from newsmirror.ingest.embeds import privacy_embed_url

    assert privacy_embed_url(address) == embed
