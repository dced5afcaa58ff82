"""A list's excerpt and picture of a post: the opening of its text, its first usable image."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsmirror.site.excerpt import EXCERPT_CHARS, excerpt_and_picture


def test_the_text_opens_the_excerpt_with_blocks_apart_and_captions_left_out():
    html = ('<figure><img src="https://img.example/a.jpg"><figcaption>图说：不要</figcaption></figure>'
            "<h2>小标题</h2><p>第一段  的\n文字。</p><script>alert(1)</script><p>Beyond XSS</p>")  # fmt: skip
    assert excerpt_and_picture(html) == ("小标题 第一段 的 文字。 Beyond XSS", "https://img.example/a.jpg")


def test_a_long_text_is_cut_with_an_ellipsis():
    text, picture = excerpt_and_picture("<p>" + "字" * 500 + "</p>")
    assert text == "字" * EXCERPT_CHARS + "…" and picture == ""


def test_only_mirrored_or_http_pictures_are_taken():
    html = ('<img src="javascript:alert(1)"><img src="//evil.example/x.png"><img src="data:image/png;base64,AA">'
            '<img src="/assets/images/ab/cd.webp"><img src="https://later.example/b.png">')  # fmt: skip
    assert excerpt_and_picture(html)[1] == "/assets/images/ab/cd.webp"
    assert excerpt_and_picture('<img src=" javascript:x"><img src="http://ok.example/p.gif">')[1] == "http://ok.example/p.gif"


def test_empty_and_broken_bodies():
    assert excerpt_and_picture("") == ("", "")
    assert excerpt_and_picture("   ") == ("", "")
    assert excerpt_and_picture("<p>未闭合的<b>标签") == ("未闭合的标签", "")


@given(st.text(max_size=300))
def test_any_body_gives_a_bounded_excerpt(html):
    text, picture = excerpt_and_picture(html)
    assert len(text) <= EXCERPT_CHARS + 1 and "\n" not in text
    assert picture == "" or picture.startswith(("/", "http://", "https://"))
