"""`newsmirror recheck` against a real local server whose pages change between runs: edits (every version kept),
deletions (404, a WeChat notice at HTTP 200, a redirect to the front page), a return, a view counter that is no
edit, the schedule and the budget, a killed run, and a state cache deleted."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from conftest import post_files, run_cli, write_config
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import parse_post
from newsmirror.archive.revisions import REVISIONS_DIR, read_histories
from newsmirror.archive.state import State
from newsmirror.config import RecheckConfig, load_config
from newsmirror.operations.fetch import run_fetch
from newsmirror.operations.recheck import due_checkpoint, next_checkpoint, run_recheck
from newsmirror.site.build import build_site
from newsmirror.site.urls import jekyll_slugify_pretty, output_path
from recheckhelpers import (
    ARTICLES,
    PARAGRAPHS,
    article_page,
    feed,
    mirror_articles,
    page,
    second_visit,
    third_visit,
)


@pytest.fixture
def mirrored(server, tmp_path):
    mirror_articles(server, tmp_path)
    return tmp_path


def by_path(report) -> dict[str, object]:
    return {o.url.rsplit("/", 1)[-1]: o for o in report.outcomes}


def post_file(root: Path, title: str) -> Path:
    (path,) = [p for p in post_files(root) if title in p.name]
    return path


def test_edits_deletions_a_return_and_a_counter(mirrored, server):
    root = mirrored
    originals = {p: p.read_bytes() for p in post_files(root)}
    config = load_config(root)

    first = run_recheck(config, everything=True)
    assert {o.status for o in first.outcomes} == {"unchanged"}, first.to_dict()
    assert not first.failures and not (root / REVISIONS_DIR).exists()

    second_visit(server)

    second = by_path(run_recheck(config, everything=True))
    assert second["edited.html"].status == "edited" and second["edited.html"].evidence["version"] == "2"
    assert second["gone.html"].status == "deleted" and second["gone.html"].evidence["http_status"] == "404"
    assert second["wechat.html"].status == "deleted"
    assert second["wechat.html"].evidence["notice"] == "此内容因违规无法查看"
    assert second["wechat.html"].evidence["http_status"] == "200"
    assert second["moved.html"].status == "deleted" and second["moved.html"].evidence["final_url"] == server.url("/")
    assert second["back.html"].status == "deleted" and second["back.html"].evidence["http_status"] == "410"
    assert second["counter.html"].status == "unchanged"
    assert int(second["counter.html"].evidence["changed_chars"]) < 12

    # The third run: edited again, the 410 page back, the others as they were (no second deletion recorded).
    third_visit(server)
    third = by_path(run_recheck(config, everything=True))
    assert third["edited.html"].status == "edited" and third["edited.html"].evidence["version"] == "3"
    assert third["back.html"].status == "unchanged" and third["back.html"].evidence["reason"].startswith("restored")
    assert third["gone.html"].status == "deleted"

    # The posts are byte for byte what fetch wrote; every version and event is a file beside them.
    assert {p: p.read_bytes() for p in post_files(root)} == originals
    histories = read_histories(root)
    edited = histories[post_file(root, "地铁延线").name]
    assert [e.version for e in edited.versions] == [2, 3]
    assert "表示支持" in edited.versions[0].content and "拆迁补偿标准提出质疑" not in edited.versions[0].content
    assert "已提交市人大常委会审议" in edited.versions[1].content
    assert [e.kind for e in histories[post_file(root, "学者谈").name].events] == ["deleted", "restored"]
    assert [e.kind for e in histories[post_file(root, "拆迁补偿").name].events] == ["deleted"]  # found twice, once
    assert post_file(root, "交通局回应").name not in histories

    # The data the Jekyll templates read: each version with its diff to the one before.
    data = json.loads((root / "_data" / "newsmirror_revisions.json").read_text(encoding="utf-8"))
    versions = data["posts"][post_file(root, "地铁延线").name]["versions"]
    assert "<del>提出质疑" in versions[0]["diff"] and "<ins>表示支持" in versions[0]["diff"]
    assert "<ins>记者稍后从交通局获悉" in versions[1]["diff"] and "<del>" not in versions[1]["diff"]
    assert [d["title"] for d in data["deleted"]] and {d["source"] for d in data["deleted"]} == {"测试报"}
    assert len(data["deleted"]) == 3  # 404, notice, redirect; the one that came back is not listed


def test_posts_whose_names_slugify_alike_keep_their_version_pages_apart(server, tmp_path):
    """Two articles whose titles differ only where Jekyll's slug does not ("?" against "-": 2 of the 5,685 real
    posts are such pairs), both edited: each version page has its own address, and the site shows each post's."""
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    titles = {"/one.html": "听证会?纪要", "/two.html": "听证会-纪要"}
    for path, title in titles.items():
        server.add(path, article_page(title, PARAGRAPHS), content_type="text/html; charset=utf-8")
    url = server.add("/feed.xml", feed(server, [(path, title, published) for path, title in titles.items()]))
    write_config(tmp_path, [{"name": "测试报", "url": url, "fulltext": "always"}],
                 extra="[fetch]\nallow_private = ['127.0.0.1']\n")  # fmt: skip
    config = load_config(tmp_path)
    assert run_fetch(config).new_posts == 2
    names = sorted(p.name for p in post_files(tmp_path))
    assert len({jekyll_slugify_pretty(n.rpartition(".")[0]) for n in names}) == 1, names

    added = ["记者稍后从交通局获悉，修改后的方案已提交市人大常委会审议。", "市人大常委会昨日表决通过了修改后的方案，并要求公开评估报告。"]
    for round_ in (2, 3):
        for path, title in titles.items():
            server.add(path, article_page(title, [*PARAGRAPHS, *(f"{title}：{a}" for a in added[: round_ - 1])]),
                       content_type="text/html; charset=utf-8")  # fmt: skip
        outcomes = run_recheck(config, everything=True).outcomes
        assert [o.status for o in outcomes] == ["edited", "edited"], [o.evidence for o in outcomes]
        assert {o.evidence["version"] for o in outcomes} == {str(round_)}

    histories = read_histories(tmp_path)
    permalinks = {name: [e.permalink for e in histories[name].versions] for name in names}
    folders = {name: {link.rpartition("/")[0] for link in links} for name, links in permalinks.items()}
    assert all(len(f) == 1 for f in folders.values()) and len(set.union(*folders.values())) == 2, permalinks
    build_site(config, with_search=False)
    for name, links in permalinks.items():
        title = "听证会-纪要" if "听证会-纪要" in name else "听证会?纪要"
        for link in links:
            shown = (tmp_path / "_site" / output_path(link)).read_text(encoding="utf-8")
            assert f"{title}：" in shown, (name, link)


def test_a_text_made_by_other_settings_or_code_is_no_edit(server, tmp_path):
    """The post's text was made under other settings (here remove_selectors): the page, unchanged, gives another
    text. Made again the earlier way it shows no edit: none is recorded, the new text is kept to compare with, and a
    real edit after it is recorded against that text; settings changed and the article edited at once, the edit is
    told as well. Where the earlier making cannot be made again (other code, as after an upgrade, or a making not
    known: a state cache rebuilt), the check records nothing, keeps the new text and warns."""
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    note = "另据了解，本次听证会的全部发言记录已由市档案馆存档备查。"

    def show(paragraphs: list[str]) -> None:
        body = article_page("听证会纪要", paragraphs).replace("</article>", f"<p class='note'>{note}</p></article>")
        server.add("/a.html", body, content_type="text/html; charset=utf-8")

    def configure(remove: list[str]):
        write_config(tmp_path, [{"name": "测试报", "url": url, "fulltext": "always", "remove_selectors": remove}],
                     extra="[fetch]\nallow_private = ['127.0.0.1']\n")  # fmt: skip
        return load_config(tmp_path)

    show(PARAGRAPHS)
    url = server.add("/feed.xml", feed(server, [("/a.html", "听证会纪要", published)]))
    assert run_fetch(configure([])).new_posts == 1
    (post,) = post_files(tmp_path)
    assert note in parse_post(post.read_text(encoding="utf-8")).content

    config = configure([".note"])
    report = run_recheck(config, everything=True)
    (outcome,) = report.outcomes
    assert outcome.status == "unchanged" and outcome.evidence["reason"].startswith("no edit"), outcome.evidence
    assert not report.warnings and not (tmp_path / REVISIONS_DIR).exists()

    supported = "多名居民代表对方案中的拆迁补偿标准表示支持，认为现行标准总体合理。"
    show([*PARAGRAPHS[:2], supported, *PARAGRAPHS[3:]])
    (edited,) = run_recheck(config, everything=True).outcomes
    assert edited.status == "edited" and edited.evidence["version"] == "2", edited.evidence
    assert int(edited.evidence["changed_chars"]) < 60  # the sentence rewritten, not the note too
    (version,) = read_histories(tmp_path)[post.name].versions
    assert "表示支持" in version.content and note not in version.content
    again = run_recheck(config, everything=True)
    assert [o.status for o in again.outcomes] == ["unchanged"] and not again.warnings, again.to_dict()

    added = "记者稍后从交通局获悉，修改后的方案已提交市人大常委会审议。"
    show([*PARAGRAPHS[:2], supported, *PARAGRAPHS[3:], added])  # edited while the settings change back
    (both,) = run_recheck(configure([]), everything=True).outcomes
    assert both.status == "edited" and both.evidence["version"] == "3", both.evidence
    assert int(both.evidence["changed_chars"]) < 40  # the sentence added, told apart from the note coming back
    assert note in read_histories(tmp_path)[post.name].versions[-1].content  # the version as the settings make it

    shutil.rmtree(tmp_path / ".newsmirror")  # the making of the post and of its versions no longer known
    show([*PARAGRAPHS[:2], supported, *PARAGRAPHS[3:], added, "市人大常委会昨日表决通过了修改后的方案。"])
    unknown = run_recheck(configure([]), everything=True)
    assert [o.status for o in unknown.outcomes] == ["unchanged"] and len(unknown.warnings) == 1, unknown.to_dict()
    assert len(read_histories(tmp_path)[post.name].versions) == 2


def _one_article(server, tmp_path, note: str):
    """One article with a note paragraph after its text, fetched two hours ago; returns show(paragraphs, note),
    configure(**source settings) and the post's path."""
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)

    def show(paragraphs: list[str], shown_note: str = note) -> None:
        body = article_page("听证会纪要", paragraphs).replace("</article>", f"<p class='note'>{shown_note}</p></article>")
        server.add("/a.html", body, content_type="text/html; charset=utf-8")

    def configure(**settings):
        write_config(tmp_path, [{"name": "测试报", "url": url, "fulltext": "always", **settings}],
                     extra="[fetch]\nallow_private = ['127.0.0.1']\n")  # fmt: skip
        return load_config(tmp_path)

    show(PARAGRAPHS)
    url = server.add("/feed.xml", feed(server, [("/a.html", "听证会纪要", published)]))
    assert run_fetch(configure()).new_posts == 1
    (post,) = post_files(tmp_path)
    return show, configure, post


def test_settings_changes_told_apart_from_edits_in_every_order(server, tmp_path):
    """A selector added as the block it removes changes is no edit (the text mirrored is as it was); a later
    version is never taken as made the way its post was; a page that answers 304 after the source's texts moved to
    its feed tells that nothing changed there."""
    show, configure, post = _one_article(server, tmp_path, "记者张三。")
    show(PARAGRAPHS, "更正：本文此前误将听证会日期写为前日，现已更正，特此说明并向读者致歉。")
    (quiet,) = run_recheck(configure(remove_selectors=[".note"]), everything=True).outcomes
    assert quiet.status == "unchanged" and not (tmp_path / REVISIONS_DIR).exists(), quiet.evidence

    show([*PARAGRAPHS, "记者稍后从交通局获悉，修改后的方案已提交市人大常委会审议。"])  # an edit: version 2
    (edited,) = run_recheck(configure(remove_selectors=[".note"]), everything=True).outcomes
    assert edited.status == "edited", edited.evidence
    state = State.open(Archive(tmp_path))
    state.db.execute("DELETE FROM recheck_texts")  # as a post's last checkpoint leaves it: the making of v2 unknown
    state.close()
    # The note back in the text (a selector that removes nothing): made the post's way, the text would show the note
    # against version 2, which was made without it.
    show([*PARAGRAPHS, "记者稍后从交通局获悉，修改后的方案已提交市人大常委会审议。"], "本报记者张三、李四、王五对本文亦有贡献。")
    again = run_recheck(configure(remove_selectors=[".nothing"]), everything=True)
    assert [o.status for o in again.outcomes] == ["unchanged"], again.to_dict()  # not compared as made like the post
    assert len(read_histories(tmp_path)[post.name].versions) == 1


def test_a_page_unchanged_since_its_texts_moved_to_the_feed_is_no_lost_edit(server, tmp_path):
    _show, configure, _post = _one_article(server, tmp_path, "记者张三。")
    assert [o.status for o in run_recheck(configure(), everything=True).outcomes] == ["unchanged"]  # validators kept
    items = feed(server, [("/a.html", "听证会纪要", datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))])
    server.add("/feed.xml", items.replace("的摘要".encode(), "的摘要，全文见网页。".encode() * 3))
    report = run_recheck(configure(fulltext="never"), everything=True)
    (outcome,) = report.outcomes
    assert outcome.status == "unchanged" and outcome.evidence["http_status"] == "304", outcome.evidence
    assert not report.warnings, report.warnings  # the page, and so the article, is as the last check read it


def test_a_posts_last_check_keeps_no_text_to_compare_with(mirrored, server):
    """At its last checkpoint (30 days), a post whose text, made under other settings, becomes the text to compare
    with keeps none in the state: nothing would use it but an --all, which then finds the making unknown."""
    state = State.open(Archive(mirrored))
    last = min(s.date for s in state.summaries()) + timedelta(days=30)
    state.close()
    config_text = (mirrored / "newsmirror.toml").read_text(encoding="utf-8")
    (mirrored / "newsmirror.toml").write_text(config_text.replace('fulltext = "always"', 'fulltext = "always"\nremove_selectors = ["p:nth-of-type(3)"]'), encoding="utf-8")  # fmt: skip
    for path in ARTICLES:  # other bytes, the same article: its text is made again
        page(server, path, views=5678)
    report = run_recheck(load_config(mirrored), everything=True, now=last)
    assert {o.status for o in report.outcomes} == {"unchanged"} and not report.warnings, report.to_dict()
    assert {o.evidence["reason"][:7] for o in report.outcomes} == {"no edit"}  # made again the earlier way
    state = State.open(Archive(mirrored))
    try:
        assert {(m.next_due, m.making, m.baseline) for m in state.recheck_marks().values()} == {(None, "", None)}
        assert state.db.execute("SELECT COUNT(*) FROM recheck_texts").fetchone()[0] == 0
    finally:
        state.close()


def test_a_fresh_checkout_keeps_how_the_posts_texts_were_made(mirrored, server):
    """The scheduled workflow checks the repository out afresh each run (every post file a new mtime) and restores
    the state cache: the posts are read again, and still known as made the way recheck makes them, so an edit is
    one."""
    later = time.time() + 3600
    for post in post_files(mirrored):
        os.utime(post, (later, later))
    second_visit(server)
    outcomes = by_path(run_recheck(load_config(mirrored), everything=True))
    assert outcomes["edited.html"].status == "edited", outcomes["edited.html"].evidence


def test_json_lists_every_outcome_and_a_state_cache_deleted_loses_nothing(mirrored, server):
    root = mirrored
    page(server, "/edited.html", [*PARAGRAPHS, "此后，市政府发言人宣布，听证会的全部记录将在下周公开发布。"])
    del server.routes["/gone.html"]
    result = run_cli("recheck", "--all", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    assert len(outcomes) == 6 and all(set(o) == {"url", "post", "status", "evidence"} for o in outcomes)
    assert sorted(o["status"] for o in outcomes) == ["deleted", "edited", "unchanged", "unchanged", "unchanged", "unchanged"]
    assert all((root / o["post"]).is_file() for o in outcomes)

    def counts() -> dict:
        state = State.open(Archive(root))
        try:
            state.sync_with_disk()
            state.sync_revisions()
            return {k: (v.edited_posts, v.versions, v.deleted) for k, v in state.revision_counts().items()}
        finally:
            state.close()

    before = counts()
    assert before == {"测试报": (1, 1, 1)}
    files = sorted(p.relative_to(root) for p in (root / REVISIONS_DIR).rglob("*") if p.is_file())
    shutil.rmtree(root / ".newsmirror")
    assert counts() == before
    again = run_cli("recheck", "--all", "--json", "-C", str(root))  # schedule lost with the cache: checked again
    assert again.returncode == 0, again.stderr
    assert sorted(o["status"] for o in json.loads(again.stdout)).count("edited") == 0  # the version is known
    assert sorted(p.relative_to(root) for p in (root / REVISIONS_DIR).rglob("*") if p.is_file()) == files


def test_the_feed_content_is_compared_for_a_source_that_mirrors_it(server, tmp_path):
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    long_text = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)

    def rss(content: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>t</title><item><title>全文在订阅里</title><link>{server.url('/a.html')}</link>"
            f"<pubDate>{format_datetime(published)}</pubDate><content:encoded><![CDATA[{content}]]></content:encoded>"
            "</item></channel></rss>"
        ).encode()

    url = server.add("/feed.xml", rss(long_text))
    server.add("/a.html", "<html><body><p>另一种排版的页面</p></body></html>", content_type="text/html")
    write_config(tmp_path, [{"name": "订阅", "url": url}], extra="[fetch]\nallow_private = ['127.0.0.1']\n")
    config = load_config(tmp_path)
    assert run_fetch(config).new_posts == 1
    # The page is nothing like the feed's text: no edit, since the post was made from the feed.
    assert [o.status for o in run_recheck(config, everything=True).outcomes] == ["unchanged"]
    server.add("/feed.xml", rss(long_text.replace(PARAGRAPHS[2], "居民代表对拆迁补偿标准没有提出异议。")))
    report = run_recheck(config, everything=True)
    assert [o.status for o in report.outcomes] == ["edited"], report.to_dict()
    assert report.requests == 2  # the page and the feed


def test_the_schedule_falls_and_the_budget_holds(mirrored, server):
    settings = RecheckConfig()
    published = datetime(2026, 1, 1, tzinfo=UTC)
    assert due_checkpoint(published, None, published + timedelta(minutes=30), settings) is None
    assert due_checkpoint(published, None, published + timedelta(hours=2), settings) == published + timedelta(hours=1)
    checked = published + timedelta(hours=2)
    assert due_checkpoint(published, checked, published + timedelta(hours=5), settings) is None
    assert due_checkpoint(published, checked, published + timedelta(hours=7), settings) == published + timedelta(hours=6)
    assert due_checkpoint(published, checked, published + timedelta(days=40), settings) == published + timedelta(days=30)
    assert next_checkpoint(published, checked, settings) == published + timedelta(hours=6)
    assert next_checkpoint(published, published + timedelta(days=31), settings) is None

    config = load_config(mirrored)
    before = sum(server.hits.values())
    limited = run_recheck(config, budget=4)  # published two hours ago: all six due for their 1 h revisit
    assert (limited.due, limited.later, len(limited.outcomes), limited.requests) == (6, 2, 4, 4)
    assert sum(server.hits.values()) - before == 4
    rest = run_recheck(config)
    assert (rest.due, len(rest.outcomes)) == (2, 2)
    assert run_recheck(config).due == 0  # nothing due until the 6 h revisit
    later = run_recheck(config, now=datetime.now(UTC) + timedelta(hours=5))
    assert later.due == 6
    # The revisit asked conditionally: the unchanged pages answered 304.
    assert {o.evidence["http_status"] for o in later.outcomes} == {"304"}


def test_a_killed_recheck_leaves_every_post_and_revision_whole(mirrored, server):
    root = mirrored
    for path in ARTICLES:
        page(server, path, [*PARAGRAPHS, f"本报最新消息：{ARTICLES[path]}一事仍在进一步调查之中，详情请关注后续报道。"])
    for path in list(ARTICLES)[3:]:
        server.routes[path].delay = 30.0  # half of the pages answer at once, the rest long after the kill
    originals = {p: p.read_bytes() for p in post_files(root)}
    import newsmirror

    code_root = str(Path(newsmirror.__file__).resolve().parent.parent)
    child = subprocess.Popen(
        [sys.executable, "-m", "newsmirror", "recheck", "--all", "-C", str(root)],
        env={"PYTHONPATH": code_root, "PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((root / REVISIONS_DIR).rglob("*edited.md"))) < 3:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    written = list((root / REVISIONS_DIR).rglob("*edited.md"))
    assert len(written) == 3
    assert not list((root / REVISIONS_DIR).rglob(".*"))  # no temporary file left
    for event in written:
        assert event.read_text(encoding="utf-8").endswith("\n</div>\n")
    for path in list(ARTICLES)[3:]:
        server.routes[path].delay = 0
    report = run_recheck(load_config(root), everything=True)  # the edits already recorded are known
    assert sorted(o.status for o in report.outcomes) == ["edited"] * 3 + ["unchanged"] * 3
    assert len(list((root / REVISIONS_DIR).rglob("*edited.md"))) == 6  # each edit once
    assert {p: p.read_bytes() for p in post_files(root)} == originals
    for path in post_files(root):
        parse_post(path.read_text(encoding="utf-8"))


def test_fetch_recheck_then_status_and_doctor_count_per_source(mirrored, server):
    root = mirrored
    second_visit(server)
    result = run_cli("fetch", "--recheck", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["new_posts"] == 0 and len(report["recheck"]) == 6  # every article due for its 1 h revisit
    assert sorted(o["status"] for o in report["recheck"]) == ["deleted"] * 4 + ["edited", "unchanged"]
    status = json.loads(run_cli("status", "--json", "-C", str(root)).stdout)
    (source,) = status["sources"]
    assert (source["edited_posts"], source["versions"], source["deleted"]) == (1, 1, 4)
    table = run_cli("status", "-C", str(root)).stdout
    assert "1/4" in table
    doctor = json.loads(run_cli("doctor", "--json", "-C", str(root)).stdout)
    assert doctor["revisions"] == {"测试报": {"edited": 1, "versions": 1, "deleted": 4}}


def test_run_every_can_recheck_after_each_fetch(mirrored, server):
    from newsmirror.operations.run import run_every

    page(server, "/edited.html", [*PARAGRAPHS, "此后，市政府发言人宣布，听证会的全部记录将在下周公开发布。"])
    lines: list[str] = []
    outcomes = run_every(mirrored, timedelta(seconds=0.1), max_runs=1, log=lines.append, recheck=True)
    assert outcomes[0].ok, lines
    assert "recheck: 1 edited, 0 deleted, 5 unchanged, 0 failed" in outcomes[0].line
