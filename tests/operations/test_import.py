"""Importing a legacy mirror: a generated archive of a few thousand posts with broken ones among them."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import post_files, run_cli
from newsmirror.archive.postformat import parse_post, post_filename, render_post
from newsmirror.config import load_config
from newsmirror.models import Article
from newsmirror.operations.import_ import lenient_header, post_problem, repair_text

SOURCES = ["大纪元", "美国之音", "BBC中文"]
HOSTS = {"大纪元": "www.epochtimes.com", "美国之音": "www.voachinese.com", "BBC中文": "www.bbc.com"}


def legacy_article(index: int, source: str, date: datetime) -> Article:
    title = f"{source}新闻 第{index}号：测试标题 {index % 7} 【{'{{'} liquid {'}}'}】" if index % 97 == 0 else f"{source}新闻 第{index}号"
    return Article(
        title=title,
        date=date,
        author=source,
        link=f"https://{HOSTS[source]}/gb/{index}.htm",
        source=source,
        content=f"<p>第{index}号的正文。</p><p>第二段 {{% raw %}}</p>",
        tags=[source],
        categories=[source],
    )


BROKEN = {
    # name: (text, reason fragment)
    "2023-05-01-backslash.md": (
        '---\nlayout: post\ntitle: "路径 C:\\Users\\news 与 \\d 正则"\ndate: 2023-05-01T08:00:00.000Z\nauthor: 大纪元\n'
        "from: https://www.epochtimes.com/gb/backslash.htm\ntags: [ 大纪元 ]\ncomments: True\ncategories: [ 大纪元 ]\n---\n"
        "<!--1682928000000-->\n[路径 C:\\\\Users\\\\news 与 \\\\d 正则](https://www.epochtimes.com/gb/backslash.htm)\n------\n\n"
        "<div>\n<p>反斜杠的文章。</p>\n</div>\n",
        "the YAML header does not parse",
    ),
    "NaN-NaN-NaN-nan-date.md": (
        "---\nlayout: post\ntitle: \"无日期的文章\"\ndate: NaN-NaN-NaNTNaN:NaN:NaN.NaNZ\nauthor: 美国之音\n"
        "from: https://www.voachinese.com/a/nan-date.html\ntags: [ 美国之音 ]\ncomments: True\ncategories: [ 美国之音 ]\n---\n"
        "<!--NaN-->\n[无日期的文章](https://www.voachinese.com/a/nan-date.html)\n------\n\n<div>\n<p>日期坏了。</p>\n</div>\n",
        "cannot be read",
    ),
    "2023-06-02-invalid-date.md": (
        "---\nlayout: post\ntitle: \"Invalid Date 的文章\"\ndate: Invalid Date\nauthor: 美国之音\n"
        "from: https://www.voachinese.com/a/invalid-date.html\ntags: [ 美国之音 ]\ncomments: True\ncategories: [ 美国之音 ]\n---\n"
        "<!--1685692800000-->\n[Invalid Date 的文章](https://www.voachinese.com/a/invalid-date.html)\n------\n\n"
        "<div>\n<p>日期写成了 Invalid Date。</p>\n</div>\n",
        "cannot be read",
    ),
    "2023-07-03-no-from.md": (
        "---\nlayout: post\ntitle: \"没有来源地址\"\ndate: 2023-07-03T09:30:00.000Z\nauthor: BBC中文\n"
        "tags: [ BBC中文 ]\ncomments: True\ncategories: [ BBC中文 ]\n---\n"
        "<!--1688376600000-->\n[没有来源地址](https://www.bbc.com/zhongwen/simp/no-from)\n------\n\n<div>\n<p>缺少 from。</p>\n</div>\n",
        "no `from:` address",
    ),
    "2023-07-04-hopeless.md": (
        "---\nlayout: post\ntitle: \"坏\nthis header never closes\n",
        "not closed",
    ),
}


def write_legacy_archive(root: Path, feeds: dict[str, str], count: int = 3000) -> dict:
    """A mirror as the older tool left it: _posts/, archived/<rotation day>/, subs.json, allurls.dat."""
    rng = random.Random(5)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    (root / "_posts").mkdir(parents=True)
    articles = []
    for index in range(count):
        source = SOURCES[index % 3]
        date = start + timedelta(minutes=37 * index + rng.randint(0, 30))
        article = legacy_article(index, source, date)
        folder = root / "_posts" if index >= count - 400 else root / "archived" / f"2024-0{1 + index % 3}-15"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / post_filename(article)).write_text(render_post(article), encoding="utf-8")
        articles.append(article)
    for name, (text, _) in BROKEN.items():
        folder = root / ("archived/2024-01-15" if name.startswith("NaN") else "_posts")
        (folder / name).write_text(text, encoding="utf-8")
    (root / "subs.json").write_text(json.dumps([{"site": s, "url": feeds[s]} for s in SOURCES], ensure_ascii=False))
    # URLs the old tool archived but whose posts are gone (deleted by hand, lost in a rewrite).
    gone = [f"http://{HOSTS['大纪元']}/gb/gone-{i}.htm?utm_source=rss" for i in range(300)]
    (root / "allurls.dat").write_text("\n".join([a.link for a in articles[:50]] + gone) + "\n")
    return {"articles": articles, "gone": gone}


def rss(items: list[tuple[str, str, datetime]]) -> str:
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<pubDate>{d.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate><description>&lt;p&gt;{escape(t)}&lt;/p&gt;</description></item>"
        for t, link, d in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>https://x/</link>{body}</channel></rss>'


def hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for top in ("_posts", "archived")
        for p in (root / top).rglob("*")
        if p.is_file()
    }


@pytest.mark.slow
def test_import_repair_then_fetch_overlapping_feeds_writes_no_duplicate(tmp_path, server):
    root = tmp_path / "mirror"
    paths = {s: f"/feed/{i}.xml" for i, s in enumerate(SOURCES)}
    feeds = {s: server.url(p) for s, p in paths.items()}
    legacy = write_legacy_archive(root, feeds)
    before = hashes(root)
    assert len(before) == 3000 + len(BROKEN)

    result = run_cli("import", str(root), "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["posts"] == 3000 + len(BROKEN)
    assert report["sources_added"] == SOURCES
    assert report["legacy_urls"] == 350
    reasons = {b["path"].rsplit("/", 1)[-1]: b["reason"] for b in report["broken"]}
    assert set(reasons) == set(BROKEN)
    for name, (_, fragment) in BROKEN.items():
        assert fragment in reasons[name], (name, reasons[name])
    assert hashes(root) == before  # import alone changes no post
    config = load_config(root)
    assert [(s.name, s.url) for s in config.sources] == [(s, feeds[s]) for s in SOURCES]
    assert ".newsmirror/" in (root / ".gitignore").read_text()

    text = run_cli("import", str(root))
    assert "2023-07-04-hopeless.md: the YAML front matter is not closed" in text.stderr
    assert "--repair" in text.stdout

    repaired = run_cli("import", str(root), "--repair", "--json")

    assert repaired.returncode == 0, repaired.stderr
    outcome = {b["path"].rsplit("/", 1)[-1]: b for b in json.loads(repaired.stdout)["broken"]}
    assert {n for n, b in outcome.items() if b["repaired"]} == set(BROKEN) - {"2023-07-04-hopeless.md"}
    assert "cannot repair" in outcome["2023-07-04-hopeless.md"]["repair_note"]
    after = hashes(root)
    changed = {p for p in before if before[p] != after[p]}
    assert {p.rsplit("/", 1)[-1] for p in changed} == set(BROKEN) - {"2023-07-04-hopeless.md"}  # no valid post changed
    posts = {p.rsplit("/", 1)[-1]: parse_post((root / p).read_text(encoding="utf-8")) for p in changed}
    assert posts["2023-05-01-backslash.md"].title == "路径 C:\\Users\\news 与 \\d 正则"
    assert posts["2023-05-01-backslash.md"].content == "<p>反斜杠的文章。</p>"
    assert posts["NaN-NaN-NaN-nan-date.md"].date == datetime(2024, 1, 15, tzinfo=UTC)  # the rotation folder's day
    assert posts["2023-06-02-invalid-date.md"].date == datetime(2023, 6, 2, 8, tzinfo=UTC)  # the <!--time--> line
    assert posts["2023-07-03-no-from.md"].link == "https://www.bbc.com/zhongwen/simp/no-from"
    again = json.loads(run_cli("import", str(root), "--json").stdout)
    assert [b["path"].rsplit("/", 1)[-1] for b in again["broken"]] == ["2023-07-04-hopeless.md"]

    # The feeds overlap the archive: old posts (some with decorated addresses), allurls.dat-only addresses, the
    # repaired post's recovered address, and two new articles per source.
    now = datetime(2026, 11, 20, tzinfo=UTC)
    articles = legacy["articles"]
    for source in SOURCES:
        mine = [a for a in articles if a.source == source]
        items = [(a.title, a.link, a.date) for a in mine[-20:]]
        items += [(a.title, a.link.replace("https://", "http://") + "?utm_medium=feed", a.date) for a in mine[:5]]
        items += [(f"新文章 {source} {k}", f"https://{HOSTS[source]}/gb/new-{k}.htm", now) for k in range(2)]
        if source == "大纪元":
            items += [("已归档", url, now) for url in legacy["gone"][:10]]
            items += [("反斜杠", "https://www.epochtimes.com/gb/backslash.htm", now)]
        if source == "BBC中文":
            items += [("没有来源地址", "https://www.bbc.com/zhongwen/simp/no-from", now)]
        server.add(paths[source], rss(items))
    settled = hashes(root)

    fetched = run_cli("fetch", "-C", str(root), "--json")

    assert fetched.returncode == 0, fetched.stderr
    run_report = json.loads(fetched.stdout)
    assert {s["name"]: s["new"] for s in run_report["sources"]} == dict.fromkeys(SOURCES, 2)
    final = hashes(root)
    assert all(final[p] == h for p, h in settled.items())  # nothing already there was rewritten
    new = set(final) - set(settled)
    assert len(new) == 6 and all(p.startswith("_posts/") for p in new)
    links = [parse_post((root / p).read_text(encoding="utf-8")).link for p in final if not p.endswith("hopeless.md")]
    assert len(links) == len(set(links))  # no duplicate anywhere


def test_a_fresh_clone_without_cache_still_knows_allurls(tmp_path, server):
    root = tmp_path / "mirror"
    url = server.add("/feed.xml", rss([("旧的", "https://www.epochtimes.com/gb/gone-1.htm", datetime(2025, 1, 1, tzinfo=UTC)),
                                       ("新的", "https://www.epochtimes.com/gb/new.htm", datetime(2025, 1, 2, tzinfo=UTC))]))
    (root / "_posts").mkdir(parents=True)
    (root / "subs.json").write_text(json.dumps([{"site": "大纪元", "url": url}], ensure_ascii=False))
    (root / "allurls.dat").write_text("http://www.epochtimes.com/gb/gone-1.htm#comments\n")
    assert run_cli("import", str(root)).returncode == 0
    import shutil

    shutil.rmtree(root / ".newsmirror")  # a fresh clone has no cache

    result = run_cli("fetch", "-C", str(root), "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sources"][0]["new"] == 1
    assert [p.name for p in post_files(root)] == ["2025-01-02-新的.md"]


def test_import_refuses_a_directory_that_is_no_mirror(tmp_path):
    result = run_cli("import", str(tmp_path))
    assert result.returncode == 2 and "is this a mirror repository" in result.stderr


def test_import_keeps_an_existing_config_and_adds_only_new_sources(tmp_path):
    root = tmp_path / "m"
    (root / "_posts").mkdir(parents=True)
    (root / "newsmirror.toml").write_text('[site]\ntitle = "我的"\n\n[[sources]]\nname = "大纪元"\nurl = "https://a.example/feed"\n')
    (root / "subs.json").write_text(json.dumps([{"site": "大纪元", "url": "https://a.example/feed"},
                                                {"site": "法广", "url": "https://b.example/rss"}], ensure_ascii=False))
    assert run_cli("import", str(root)).returncode == 0
    config = load_config(root)
    assert config.site.title == "我的"
    assert [s.name for s in config.sources] == ["大纪元", "法广"]


def test_repair_keeps_a_body_that_is_not_the_mirror_layout():
    text = '---\ntitle: "a\\d"\ndate: 2023-01-01\nfrom: https://x.example/a\n---\nFree *markdown* body\n\nwith {{ "{" }}{ x }}\n'
    fixed, note = repair_text(text, "_posts/2023-01-01-a.md")
    assert fixed is not None and "body kept" in note
    assert fixed.endswith('---\nFree *markdown* body\n\nwith {{ "{" }}{ x }}\n')
    assert parse_post(fixed).title == "a\\d"


def test_lenient_header_reads_what_yaml_refuses():
    data = lenient_header('title: "C:\\new \\q"\nfrom: https://x/a\ntags: [ 甲 ]\ndate: NaN\n')
    assert data["title"] == "C:\\new \\q" and data["from"] == "https://x/a" and data["tags"] == ["甲"]
    assert data["date"] == "NaN"


@settings(max_examples=150, deadline=None)
@given(title=st.text(min_size=1, max_size=60).filter(lambda t: t.strip() and "\n" not in t and "\r" not in t))
def test_repair_of_an_unescaped_title_always_reads_back(title):
    raw = title.replace('"', '\\"')
    text = f'---\nlayout: post\ntitle: "{raw}"\ndate: 2023-01-01T00:00:00.000Z\nfrom: https://x.example/a\n---\n<div>\n<p>x</p>\n</div>\n'
    if post_problem(text) is None:
        return  # valid posts are never repaired
    fixed, _ = repair_text(text, "_posts/2023-01-01-a.md")
    assert fixed is not None
    assert post_problem(fixed) is None
    assert parse_post(fixed).link == "https://x.example/a"


@pytest.mark.parametrize(
    ("link_text", "title"),
    [("梁文道\\!人为什么 \\| \\#01 2&amp;3", "梁文道!人为什么 | #01 2&3"), ("a\\*b\\* \\[Eng Sub\\]", "a*b* [Eng Sub]")],
)
def test_repair_takes_a_missing_title_from_the_link_line_unescaped(link_text, title):
    """A post without title: gets the link line's text as its title, read back from Markdown (older mirrors
    escaped far more than needed), not with its backslashes and entities."""
    text = f"---\ndate: 2023-01-01\nfrom: https://x.example/a\n---\n<!--1-->\n[{link_text}](https://x.example/a)\n"
    fixed, _ = repair_text(text, "_posts/2023-01-01-a.md")
    assert fixed is not None and parse_post(fixed).title == title
