"""The general extraction rules, each on a small page of its own: what they drop, and what they must leave alone.

These pages are written here, not taken from a corpus, so that the rules are checked on markup that no corpus holds.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from newsmirror.ingest.fulltext import extract_article
from newsmirror.ingest.sanitize import html_to_text, sanitize_html

URL = "https://news.example.net/2026/a.html"
PARAGRAPHS = [
    "据报道，当地时间周二上午，市政府宣布将在明年全面调整公共交通票价，引发市民广泛讨论。",
    "交通局官员表示，票价调整是为了应对不断上升的运营成本，同时也会推出更多优惠方案照顾低收入群体。",
    "不少市民对此表示担忧，认为在经济不景气的情况下加价会加重普通家庭的负担。",
    "学者指出，公共交通的定价应当兼顾财政可持续性和社会公平，政府需要更加透明地公开成本数据。",
    "据悉，新的票价方案将在下个月提交议会审议，预计年底前会有最终结果。",
]


def page(*, before: str = "", middle: str = "", after: str = "", outside: str = "", body_class: str = "x2") -> str:
    first = "".join(f"<p>{t}</p>" for t in PARAGRAPHS[:3])
    rest = "".join(f"<p>{t}</p>" for t in PARAGRAPHS[3:])
    return (
        '<html><head><meta property="og:title" content="市政府宣布调整公共交通票价"></head><body>'
        '<div class="hd"><a href="/">首页</a></div><div class="x1"><h1>市政府宣布调整公共交通票价</h1>'
        f'<div class="{body_class}">{before}{first}{middle}{rest}{after}</div>{outside}</div></body></html>'
    )


def text_of(html: str) -> str:
    return html_to_text(sanitize_html(extract_article(html, URL).content, URL))


def assert_whole_article(text: str) -> None:
    for paragraph in PARAGRAPHS:
        assert paragraph in text


COMMENTS = "".join(
    f'<div class="c-1"><span>用户{i}</span><span>2026-09-30 13:0{i}</span><p>这是一条比较长的读者留言，说的是票价的事情，但并不是文章的一部分{i}。</p></div>'
    for i in range(6)
)


@pytest.mark.parametrize(
    "block",
    [
        f'<div class="c-9f2a"><h4>评论 (6)</h4>{COMMENTS}</div>',  # hashed class name: the heading says what it is
        f'<div class="pinglun-box">{COMMENTS}</div>',  # pinyin class name
        f'<div class="userCommentList">{COMMENTS}</div>',  # camelCase class name
        '<div class="q7"><h3>你可能感興趣</h3><ul><li><a href="/1">另一则新闻的标题</a><p>另一则新闻的摘要，不是本文。</p></li></ul></div>',
        '<section class="s1"><h2>More stories</h2><div><a href="/2">Another headline</a><p>Another summary, not this article.</p></div></section>',
        '<div class="n1"><span>赞助内容</span><a href="https://promo.example/"><p>限时优惠 旧机换新最高可省三成，不是本文</p></a></div>',
    ],
)
def test_blocks_headed_or_named_as_boilerplate_are_dropped(block):
    text = text_of(page(outside=block))
    assert_whole_article(text)
    for phrase in ("读者留言", "另一则新闻", "Another", "限时优惠", "评论", "你可能", "赞助"):
        assert phrase not in text


def test_an_inline_read_also_list_goes_but_the_article_around_it_stays():
    text = text_of(page(middle='<p><b>相关阅读：</b></p><p><a href="/1">另一则新闻标题一</a></p><p><a href="/2">另一则新闻标题二</a></p>'))
    assert_whole_article(text)
    assert "相关阅读" not in text and "另一则新闻" not in text


def test_header_lines_and_promotions_go():
    text = text_of(
        page(
            before="<p>2026-11-20 09:15　来源：新华社</p><p>撰文：王小明</p>",
            after="<p>（责编：李明）</p><p>下载本报App，随时随地看新闻</p><p>关注我们的微信公众号</p>",
        )
    )
    assert_whole_article(text)
    for phrase in ("09:15", "撰文", "责编", "下载本报", "关注我们"):
        assert phrase not in text


@pytest.mark.parametrize(
    "kept",
    [
        "<p>关注此事的网友在Facebook上留言说，他们希望政府能够公开更多关于票价调整的细节。</p>",  # a sentence, not a promotion
        "<p>来源：新华社</p>",  # a source credit the outlet prints as part of the article
        "<p>责任编辑：李穆</p>",  # a newsroom's own signature
        "<table><tr><td>生效日期</td><td>2026年1月1日 10:00</td></tr></table>",  # a date in a table is content
        "<p>《人民日报》（2026年11月18日 02 版）</p>",
    ],
)
def test_content_that_looks_like_boilerplate_stays(kept):
    text = text_of(page(after=kept))
    assert_whole_article(text)
    assert html_to_text(kept).strip().split()[-1] in text


def test_an_article_body_named_commentary_is_not_a_comment_section():
    assert_whole_article(text_of(page(body_class="commentary-body")))


def test_a_sub_heading_inside_the_article_is_kept():
    text = text_of(page(middle="<h2>最新</h2>"))
    assert_whole_article(text)
    assert text.index("最新") > text.index(PARAGRAPHS[2])


def test_amp_images_are_figures_with_their_captions():
    figure = '<figure><amp-img src="/img/flood.jpg" width="800" height="533" layout="responsive"></amp-img><figcaption>地铁站出入口被雨水倒灌</figcaption></figure>'
    html = page(middle=figure + '<amp-ad type="doubleclick"><div placeholder>广告</div></amp-ad>')
    content = extract_article(html, URL).content
    assert '<img src="https://news.example.net/img/flood.jpg"' in content
    assert "<figcaption>地铁站出入口被雨水倒灌</figcaption>" in content
    assert "广告" not in content


def test_a_gallery_before_the_body_keeps_its_pictures_and_captions_in_order():
    slides = "".join(
        f'<div class="slide"><img src="/lazy.gif" data-src="/g/{i}.jpg"><div class="photo-caption">图{i}：现场照片说明</div></div>'
        for i in range(3)
    )
    html = page().replace('<div class="x2">', f'<div class="gallery"><div class="wrap">{slides}</div></div><div class="x2">')
    content = extract_article(html, URL).content
    text = html_to_text(sanitize_html(content, URL))
    assert_whole_article(text)
    positions = [text.index(f"图{i}：现场照片说明") for i in range(3)]
    assert positions == sorted(positions) and positions[-1] < text.index(PARAGRAPHS[0])
    assert all(f"/g/{i}.jpg" in content for i in range(3))


def test_importing_the_pipeline_does_not_import_trafilatura():
    code = "import sys, newsmirror.operations.fetch; print('trafilatura' in sys.modules, 'charset_normalizer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


YOUTUBE = '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="560" height="315" allowfullscreen></iframe>'


@pytest.mark.parametrize(
    ("where", "frame", "expected"),
    [
        ("middle", YOUTUBE, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        # a lazy player: the address waits in data-src
        ("middle", '<div class="v"><iframe src="about:blank" data-src="https://player.vimeo.com/video/76979871"></iframe></div>',
         "https://player.vimeo.com/video/76979871?dnt=1"),
        ("before", '<iframe src="https://youtu.be/dQw4w9WgXcQ"></iframe>', "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ],
)
def test_video_players_in_the_article_are_kept_in_place(where, frame, expected):
    content = sanitize_html(extract_article(page(**{where: frame}), URL).content, URL)
    assert content.count("<iframe") == 1 and f'src="{expected}"' in content
    before_frame = html_to_text(content[: content.index("<iframe")])
    if where == "middle":  # after the third paragraph, as on the page
        assert PARAGRAPHS[2] in before_frame and PARAGRAPHS[3] not in before_frame
    else:
        assert before_frame.strip() == ""
    assert_whole_article(html_to_text(content))


def _frame(video: str) -> str:
    return f'<iframe src="https://www.youtube.com/embed/{video}"></iframe>'


def _order(content: str, *needles: str) -> list[int]:
    return [content.index(needle) for needle in needles]


def test_players_keep_their_order_and_follow_figures_headings_and_quotes():
    figure = '<figure><img src="https://img.example/a.jpg"><figcaption>市长在记者会上回答提问时的情景</figcaption></figure>'
    middle = (
        f"{_frame('AAAAAAAAAAA')}{_frame('BBBBBBBBBBB')}"  # two players after one paragraph: page order
        f"{figure}{_frame('CCCCCCCCCCC')}"  # after a figure: after the whole figure
        f"<h2>各方反应</h2>{_frame('DDDDDDDDDDD')}"  # after a heading: in that heading's section
        f"<blockquote><p>{'这是一段引述的话，说明了票价调整的理由和时间表。' * 2}</p></blockquote>{_frame('EEEEEEEEEEE')}"
    )
    content = sanitize_html(extract_article(page(middle=middle), URL).content, URL)
    a, b, fig, c, heading, d, quote_end, e, next_paragraph = _order(
        content, "AAAAAAAAAAA", "BBBBBBBBBBB", "<figure", "CCCCCCCCCCC", "<h2>各方反应", "DDDDDDDDDDD", "</blockquote>",
        "EEEEEEEEEEE", PARAGRAPHS[3],
    )
    assert content.index(PARAGRAPHS[2]) < a < b < fig < c < heading < d < quote_end < e < next_paragraph
    assert_whole_article(html_to_text(content))


def test_a_related_videos_list_and_addressless_frames_are_not_the_articles():
    related = f"<h3>More videos</h3><div class=\"playlist\">{_frame('RRRRRRRRRRR')}{_frame('SSSSSSSSSSS')}</div>"
    empty = '<iframe srcdoc="<p>x</p>"></iframe><iframe data-src="http://["></iframe><iframe src=""></iframe>'
    content = extract_article(page(middle=empty, after=related), "https://www.youtube.com/watch?v=dQw4w9WgXcQ").content
    assert "<iframe" not in content  # not the page's own address made a player, nor the list, nor a crash
    assert_whole_article(html_to_text(content))


def test_a_player_after_a_byline_leads_the_text():
    before = f"<p>记者 王明</p>{_frame('LLLLLLLLLLL')}"
    content = extract_article(page(before=before), URL).content
    assert "LLLLLLLLLLL" in content and content.index("LLLLLLLLLLL") < content.index(PARAGRAPHS[0])


def test_a_frame_in_the_article_that_is_no_player_comes_back_as_a_link():
    # as in a feed's content (ingest/sanitize.py): the reader learns that something was there, a chart, a podcast
    frame = '<iframe src="/embed/chart.html?id=7" title="民调 图表" width="600" height="400"></iframe>'
    content = extract_article(page(middle=frame), URL).content
    written = sanitize_html(content, URL)
    link = '<a href="https://news.example.net/embed/chart.html?id=7">民调 图表</a>'
    assert link in written and "<iframe" not in written
    assert written.index(PARAGRAPHS[1]) < written.index(link) < written.index(PARAGRAPHS[3])
    assert_whole_article(html_to_text(content))


def test_a_hidden_frame_in_the_article_stays_out():
    content = extract_article(page(middle='<iframe src="https://x.example/f" style="display:none"></iframe>'), URL).content
    assert "x.example" not in sanitize_html(content, URL)


def test_players_outside_the_article_stay_out():
    outside = f'<div class="side">{YOUTUBE.replace("dQw4w9WgXcQ", "AAAAAAAAAAA")}</div>'
    content = extract_article(page(outside=outside), URL).content
    assert "<iframe" not in content
    assert_whole_article(html_to_text(content))


def test_a_video_figure_keeps_its_player():
    caption = "环境部长在立法院说明碳费开征的时程。"
    figure = (
        '<figure class="video_embed"><div class="video_wrapper"><iframe src="https://www.youtube.com/embed/abcDEF12345?rel=0"'
        ' allowfullscreen></iframe><img class="poster" src="https://img.example/p.jpg" alt=""></div>'
        f'<figcaption class="video_caption">{caption}</figcaption></figure>'
    )
    content = sanitize_html(extract_article(page(middle=figure), URL).content, URL)
    assert 'src="https://www.youtube-nocookie.com/embed/abcDEF12345"' in content
    assert html_to_text(content).count(caption) == 1
    assert_whole_article(html_to_text(content))


def test_a_caption_left_as_loose_text_after_its_image_is_not_said_twice():
    """trafilatura can give <img>caption (the caption as the image's tail text); the figure made of it holds the
    caption, and the loose copy goes."""
    import lxml.html

    from newsmirror.ingest.fulltext import _mend

    caption = "环境部长在立法院说明碳费开征的时程。"
    body = lxml.html.fragment_fromstring(
        f'<div><p>{PARAGRAPHS[0]}</p><img src="https://img.example/p.jpg" alt="">{caption}\n<h2>产业界忧成本上升</h2>'
        f"<p>{PARAGRAPHS[1]}</p></div>"
    )
    _mend(body, {"https://img.example/p.jpg": caption}, "市政府宣布调整公共交通票价")
    assert body.text_content().count(caption) == 1
    assert body.find(".//figure/figcaption").text == caption


def test_an_image_address_urljoin_refuses_does_not_fail_the_article():
    figure = '<figure><img src="http://[x/a.png"><figcaption>一张地址坏掉的图片的说明文字</figcaption></figure>'
    wrapper = '<div><img src="http://[y/b.png"><p class="caption">另一张地址坏掉的图片</p></div>'
    content = extract_article(page(middle=figure + wrapper), URL).content
    assert_whole_article(html_to_text(content))


def test_a_lazy_player_in_feed_content_is_kept_and_an_empty_frame_never_becomes_one():
    lazy = '<p>看视频</p><iframe src="about:blank" data-src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>'
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in sanitize_html(lazy, URL)
    assert "data-src" not in sanitize_html(lazy, URL)
    empty = '<p>没有地址的框</p><iframe src=""></iframe>'
    assert "<iframe" not in sanitize_html(empty, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def test_a_player_after_a_list_follows_the_whole_list():
    items = "".join(f"<li>{'票价调整方案的第几个要点，说明了具体安排。' * 2}{n}</li>" for n in range(3))
    content = sanitize_html(extract_article(page(middle=f"<ul>{items}</ul>{_frame('UUUUUUUUUUU')}"), URL).content, URL)
    assert content.index("</ul>") < content.index("UUUUUUUUUUU") < content.index(PARAGRAPHS[3])
