"""A corpus of hostile feeds: what dozens of third-party servers may send a mirror, on purpose or by accident.

Each case is served from the local test server; `install(server)` adds them all and returns the sources.
Shared by the hostile-input test, the Jekyll test and the browser test.
"""

from __future__ import annotations

import gzip
import re
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import escape

# Markup that must never run in a reader's browser, in the spellings sanitizers have missed over the years.
XSS_SNIPPETS = [
    "<script>window.__xss('script')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>window.__xss('nested')</scr</script>ipt>",
    "<script\n>window.__xss('newline')</script\n>",
    '<img src=x onerror="window.__xss(\'onerror\')">',
    "<img src=x oNeRrOr=window.__xss('case')>",
    '<a href="javascript:window.__xss(\'href\')">click</a>',
    '<a href="  JaVaScRiPt:window.__xss(\'spaced\')">click</a>',
    '<a href="java&#x09;script:window.__xss(\'entity\')">click</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    "<svg onload=\"window.__xss('svg')\"><script>window.__xss('svgscript')</script></svg>",
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss(\'mxss\')"></style></mglyph></table></mtext></math>',
    "<iframe srcdoc=\"<script>parent.__xss('srcdoc')</script>\"></iframe>",
    '<iframe src="javascript:parent.__xss(\'iframe\')"></iframe>',
    "<div style=\"background:url(javascript:window.__xss('css'));width:expression(window.__xss('expr'))\">css</div>",
    "<style>body{background:url(\"javascript:window.__xss('style')\")}</style>",
    '<object data="javascript:window.__xss(\'object\')"></object><embed src="javascript:window.__xss(\'embed\')">',
    '<form action="javascript:window.__xss(\'form\')"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss(\'meta\')">',
    '<base href="javascript:window.__xss(\'base\')//">',
    '<body onload="window.__xss(\'body\')">',
    '<details open ontoggle="window.__xss(\'toggle\')">x</details>',
    "<p>unclosed <b>bold <i>italic</p><div><span>mis</div>nested</span>",
    "<!--<script>window.__xss('comment')</script>-->",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__xss('noscript')>\"></noscript>",
    "<template><script>window.__xss('template')</script></template>",
    '<video><source onerror="window.__xss(\'source\')"></video>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
]

# Titles that are YAML, Liquid, Markdown, paths or just long: each must come back exactly.
HOSTILE_TITLES = [
    "key: value",
    "- item",
    "---",
    "!!python/object/apply:os.system ['echo pwned']",
    "&anchor *alias",
    "%TAG ! tag:evil:",
    "@at `tick` | pipe > fold",
    "'single' and \"double\" quotes",
    "back\\slash \\n not a newline",
    "{{ site }}",
    "{% include x %}",
    "{% endraw %} after",
    "{{ \"{\" }} escaped-looking",
    "../../x",
    ".git",
    "CON",
    "a/b\\c",
    "/etc/passwd",
    "# heading? [link](javascript:alert(1)) *emph* _u_",
    "<script>window.__xss('title')</script>",
    "עברית ومرحبا RTL \u202e txt.exe",
    "emoji 😀🇨🇳👨‍👩‍👧 新闻",
    "tab\there and\u2028line separator",
    "标题" * 500,  # 1,000 characters: the longest title kept whole ([fetch] max_title_chars)
]


@dataclass
class HostileSource:
    name: str
    path: str
    expect: str  # "posts" (becomes safe posts) or "error" (one clear line for the source)
    error: str = ""  # a regular expression the error line must match
    titles: list[str] = field(default_factory=list)  # exact titles expected among the posts
    min_posts: int = 0
    settings: dict = field(default_factory=dict)  # the source's own settings beyond name and url
    warning: str = ""  # a regular expression one of the source's warnings must match


def source_settings(server, cases: list[HostileSource]) -> list[dict]:
    """The [[sources]] tables of newsmirror.toml for `cases` served by `server`."""
    return [{"name": c.name, "url": server.url(c.path), **c.settings} for c in cases]


# The run's [fetch] table: short timeouts, and a time limit per item that the nested-<div> item must hit.
FETCH_SETTINGS = "[fetch]\ntimeout = 3\nretries = 0\nmax_bytes = 5_000_000\nitem_time_limit = 5"


def rss(items: list[str], channel: str = "hostile") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(channel)}</title><link>https://hostile.example/</link>" + "".join(items) + "</channel></rss>"
    )


def item(title: str | None, link: str | None, body: str = "<p>正文</p>", date: str | None = "Mon, 06 Nov 2023 07:00:00 GMT", guid: str | None = None) -> str:
    parts = ["<item>"]
    if title is not None:
        parts.append(f"<title>{escape(title)}</title>")
    if link is not None:
        parts.append(f"<link>{escape(link)}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{escape(guid)}</guid>')
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    parts.append(f"<description>{escape(body)}</description></item>")
    return "".join(parts)


def _drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/xml")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for _ in range(60):
            handler.wfile.write(b"<")
            handler.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/xml")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<item><title>" + b"x" * 65_000 + b"</title></item>"
    try:
        handler.wfile.write(b"%x\r\n<rss><channel>\r\n" % len(b"<rss><channel>"))
        for _ in range(100_000):  # ~6.5 GB at most; the client gives up long before
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass


def redirect_to(location: str):
    """A route handler answering 301 to `location`."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(301)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return handler


def install(server, other_host=None, many: bool = True) -> list[HostileSource]:
    """Serve every hostile case; `other_host` (a second LocalServer on 127.0.0.2) takes the cross-host redirect;
    `many=False` leaves out the 10,000-item feed (for the site builds)."""
    cases: list[HostileSource] = []
    golden_like = rss([item("一条正常的新闻", "https://hostile.example/ok")])

    def add(name: str, path: str, body: bytes | str = b"", expect: str = "posts", error: str = "", titles=(), min_posts=0,
            warning: str = "", **route):
        server.add(path, body, **route)
        cases.append(HostileSource(name, path, expect, error, list(titles), min_posts, warning=warning))

    full = rss([item(f"完整的新闻{i}", f"https://hostile.example/t{i}") for i in range(20)])
    add("截断的XML", "/truncated.xml", full[: len(full) // 2], expect="posts", min_posts=1)
    add("网页冒充", "/html.xml", "<!DOCTYPE html><html><head><title>Blocked</title></head><body>登录</body></html>", expect="error", error="HTML page", content_type="text/html")
    add("坏XML", "/malformed.xml", "<rss><channel><item><title>x</titl></item>>>", expect="error", error="malformed XML")
    add("UTF16有BOM", "/utf16-bom.xml", rss([item("UTF-16 带 BOM", "https://hostile.example/u16b")]).replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"), titles=["UTF-16 带 BOM"])
    add("UTF16无BOM", "/utf16-nobom.xml", rss([item("UTF-16 无 BOM", "https://hostile.example/u16")]).replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16-le"), titles=["UTF-16 无 BOM"])
    add("UTF8有BOM", "/utf8-bom.xml", b"\xef\xbb\xbf" + rss([item("UTF-8 带 BOM", "https://hostile.example/u8b")]).encode(), titles=["UTF-8 带 BOM"])
    add("错误声明", "/wrong-decl.xml", rss([item("声明是 Big5 实为 UTF-8", "https://hostile.example/wd")]).replace('encoding="utf-8"', 'encoding="big5"').encode(), titles=["声明是 Big5 实为 UTF-8"])
    add("GBK声明错误", "/gbk-as-utf8.xml", rss([item("声明 UTF-8 实为 GBK", "https://hostile.example/gbk")]).encode("gbk"), titles=["声明 UTF-8 实为 GBK"], content_type="application/xml; charset=utf-8")
    laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ) + ']><rss version="2.0"><channel><item><title>&lol9;</title><link>https://hostile.example/lol</link></item></channel></rss>'
    add("十亿笑声", "/laughs.xml", laughs, expect="any")
    xxe = '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><item><title>XXE &xxe; 结束</title><link>https://hostile.example/xxe</link><description>&xxe;</description></item></channel></rss>'
    add("外部实体", "/xxe.xml", xxe, expect="any")
    bomb = gzip.compress(b"<rss>" + b" " * 100_000_000, compresslevel=6)  # ~100 KB on the wire, 100 MB inside
    add("压缩炸弹", "/bomb.xml", bomb, expect="error", error="too large", etag=False, headers={"Content-Encoding": "gzip"})
    add("无尽响应", "/endless.xml", expect="error", error="too large|timed out", handler=_endless)
    add("滴水", "/drip.xml", expect="error", error="timed out", handler=_drip)
    add("重定向循环", "/loop-a.xml", expect="error", error="redirect loop", handler=redirect_to("/loop-b.xml"))
    server.add("/loop-b.xml", handler=redirect_to("/loop-a.xml"))
    server.add("/chain-end.xml", rss([item("重定向链的终点", "https://hostile.example/chain")]))
    for i in range(3):
        server.add(f"/chain{i}.xml", handler=redirect_to(f"/chain{i + 1}.xml" if i < 2 else "/chain-end.xml"))
    cases.append(HostileSource("重定向链", "/chain0.xml", "posts", titles=["重定向链的终点"]))
    for i in range(12):
        server.add(f"/long{i}.xml", handler=redirect_to(f"/long{i + 1}.xml"))
    cases.append(HostileSource("过长重定向", "/long0.xml", "error", error="too many redirects"))
    if other_host is not None:
        _internal_addresses(server, other_host, cases)
    if many:
        ten_thousand = rss([item(f"第{i}条", f"https://hostile.example/many/{i}", date=None) for i in range(10_000)])
        add("一万条", "/many.xml", ten_thousand, min_posts=500, warning=r"has 10000 items; read the newest 500")
    dupes = rss([item("重复的guid", f"https://hostile.example/dupe?utm_source={i}", guid="same-guid") for i in range(5)])
    add("重复guid", "/dupes.xml", dupes, titles=["重复的guid"], min_posts=1)
    add(
        "缺字段",
        "/missing.xml",
        rss([
            item(None, "https://hostile.example/notitle", body="<p>没有标题的文章，正文的开头会成为标题。</p>"),
            item("没有链接", None, guid="no-link-guid"),
            item("没有链接也没有guid", None),
            item("没有日期", "https://hostile.example/nodate", date=None),
            item(None, None, body=""),
        ]),
        titles=["没有链接", "没有链接也没有guid", "没有日期"],
        min_posts=4,
    )
    controls = rss([item("控制\x00字符\x01和\x1bNUL", "https://hostile.example/ctl", body="<p>正文\x00带\x07控制字符</p>")]).replace("\x00", "&#0;")
    add("控制字符", "/controls.xml", controls.encode("utf-8"), min_posts=1)
    add(
        "敌意标题",
        "/titles.xml",
        rss([item(t, f"https://hostile.example/title/{i}") for i, t in enumerate(HOSTILE_TITLES)]),
        # Titles are text: markup in them is dropped (as feed readers do), white space is folded.
        titles=[" ".join(re.sub(r"<[^>]*>", "", t).replace("\u2028", " ").split()) for t in HOSTILE_TITLES],
    )
    add(
        "脚本内容",
        "/xss.xml",
        rss([item(f"XSS {i}", f"https://hostile.example/xss/{i}", body=f"<p>前文</p>{snippet}<p>后文</p>") for i, snippet in enumerate(XSS_SNIPPETS)]),
        min_posts=len(XSS_SNIPPETS),
    )
    add(
        "Liquid内容",
        "/liquid.xml",
        rss([item("Liquid 正文", "https://hostile.example/liquid", body="<p>{{ site.time }} {% include evil.html %} {% raw %}x{% endraw %} {% endraw %} {{{ a }}}</p>")]),
        titles=["Liquid 正文"],
    )
    add("坏地址图片", "/bad-url.xml", rss([item("图片地址坏了", "https://hostile.example/badurl", body='<p>文</p><img src="http://[x/a.png"><a href="http://[y">链接</a>')]), titles=["图片地址坏了"])
    atom_year_one = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><entry><title>公元一年的日期</title>'
        '<link href="https://hostile.example/year1"/><id>y1</id><updated>0001-01-01T00:00:00+01:00</updated>'
        "<content type=\"html\">&lt;p&gt;文&lt;/p&gt;</content></entry><entry><title>九九九九年</title>"
        '<link href="https://hostile.example/year9999"/><id>y9</id><updated>9999-12-31T23:59:59-01:00</updated></entry></feed>'
    )
    add("极端日期", "/dates.xml", atom_year_one, titles=["公元一年的日期", "九九九九年"])
    bad_json = '{"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": [{"id": "1", "url": "https://hostile.example/j\\ud800k", "title": "JSON 里的孤立代理项\\ud800", "content_html": "<p>x</p>", "authors": 5}]}'
    add("坏JSON", "/bad.json", bad_json, titles=["JSON 里的孤立代理项"], content_type="application/feed+json")
    add("正常", "/normal.xml", golden_like, titles=["一条正常的新闻"])
    _heavy_items(add)
    return cases


# Links a feed may carry that must never become a live link: the items keep their text, without a link.
SCRIPT_LINKS = [
    "javascript:window.__xss('link')",
    "java\tscript:window.__xss('tab')",
    " JaVaScRiPt&#58;window.__xss('entity')",
    "&#x6A;avascript:window.__xss('hex')",
    "data:text/html,<script>window.__xss('data')</script>",
    "vbscript:msgbox(1)",
]


def _heavy_items(add) -> None:
    """Items built to cost time or space: each is a post (or one warning), never a stalled or bloated run."""
    add("图片标签洪水", "/img-flood.xml", rss([item("十万个未闭合的 img", "https://hostile.example/imgflood", body="<p>前</p>" + "<img " * 20_000)]), titles=["十万个未闭合的 img"])
    author = "<author>" + "a@" * 20_000 + "</author>"
    add("作者洪水", "/author-flood.xml", rss([item("四万字节的作者", "https://hostile.example/author").replace("<description>", author + "<description>")]), titles=["四万字节的作者"])
    add("超长标题", "/huge-title.xml", rss([item("长" * 100_000, "https://hostile.example/huge-title")]), min_posts=1, warning=r"title over its size limit")
    nested = "<div>" * 100_000 + "深" + "</div>" * 100_000
    add("深层嵌套", "/nested.xml", rss([item("十万层嵌套", "https://hostile.example/nested", body=nested), item("嵌套之后的正常文章", "https://hostile.example/after-nested")]),
        titles=["嵌套之后的正常文章"], warning=r"item https://hostile.example/nested not written: making it safe took longer than")
    add("脚本链接", "/script-links.xml", rss([item(f"脚本链接 {i}", link) for i, link in enumerate(SCRIPT_LINKS)]),
        titles=[f"脚本链接 {i}" for i in range(len(SCRIPT_LINKS))])


def _internal_addresses(server, internal, cases: list[HostileSource]) -> None:
    """Items pointing at a host on the operator's network (`internal`, 127.0.0.2): nothing may be fetched from it
    unless the source's allowlist names it. The feed's own host (127.0.0.1) is the operator's and stays reachable."""
    internal.add("/admin", "<html><body><article><p>" + "内网管理页面的机密内容。" * 60 + "</p></article></body></html>", content_type="text/html")
    internal.add("/secret.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    internal.add("/moved.xml", rss([item("搬到另一台主机", "https://hostile.example/moved")]))
    server.add("/to-internal", handler=redirect_to(internal.url("/admin")))

    def add(name, path, body=b"", **options) -> None:
        route = options.pop("handler", None)
        server.add(path, body, handler=route) if route else server.add(path, body)
        cases.append(HostileSource(name, path, **options))

    add("内网全文", "/internal-fulltext.xml", rss([item("链接指向内网", internal.url("/admin"), body="<p>摘要</p>")]),
        expect="posts", titles=["链接指向内网"], settings={"fulltext": "always"}, warning=r"refused: 127\.0\.0\.2 resolves to the non-public address")
    add("重定向到内网", "/redirect-internal.xml", rss([item("同主机链接重定向到内网", server.url("/to-internal"), body="<p>摘要</p>")]),
        expect="posts", titles=["同主机链接重定向到内网"], settings={"fulltext": "always"}, warning=r"refused: 127\.0\.0\.2")
    add("内网图片", "/internal-image.xml", rss([item("图片在内网", "https://hostile.example/img", body=f'<p>文</p><img src="{internal.url("/secret.png")}">')]),
        expect="posts", titles=["图片在内网"], settings={"mirror_images": True}, warning=r"image http://127\.0\.0\.2.* not mirrored: refused")
    add("跨主机", "/moved.xml", expect="error", error=r"refused: 127\.0\.0\.2 resolves to the non-public address", handler=redirect_to(internal.url("/moved.xml")))
    add("跨主机已允许", "/moved-allowed.xml", expect="posts", titles=["搬到另一台主机"], settings={"allow_private": ["127.0.0.2"]},
        handler=redirect_to(internal.url("/moved.xml")))


INTERNAL_PATHS = ("/admin", "/secret.png")  # what no run may fetch from the internal host


# Installed before any page script: every payload calls window.__xss(label); alert/prompt/confirm are recorded too.
HOOK = """
window.__xssLog = [];
window.__xss = function (label) { window.__xssLog.push(String(label)); };
for (const name of ['alert', 'prompt', 'confirm']) {
  window[name] = function (message) { window.__xssLog.push(name + ':' + message); };
}
"""



# What must not survive in any post, however it was spelled on the way in.
FORBIDDEN = [
    re.compile(r"<\s*script", re.I),
    re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),  # event handlers
    re.compile(r"""<[^>]*=\s*["']?[^"'>]*(?:java|vb)script\s*:""", re.I),  # script URLs in any attribute
    re.compile(r"""<[^>]*=\s*["']?\s*data:(?!image/(?:png|jpe?g|gif|webp|avif|bmp);)""", re.I),
    re.compile(r"<\s*(?:style|object|embed|form|meta|base|svg|math|template|noscript|button|body)\b", re.I),
    re.compile(r"<[^>]*\s(?:srcdoc|style)\s*=", re.I),
    re.compile(r"root:x:0:0"),  # /etc/passwd through an external entity
]

