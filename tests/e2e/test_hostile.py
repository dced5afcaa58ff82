"""The hostile corpus in one real run: each case becomes a correct, safe post or one clear error line."""

from __future__ import annotations

import json
import re
import resource

import pytest

import hostile
from conftest import LocalServer, post_files, post_path, run_cli, write_config
from hostile import FORBIDDEN
from newsmirror.archive.postformat import MAX_NAME_BYTES, parse_post


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    server = LocalServer().start()
    other = LocalServer(host="127.0.0.2").start()
    root = tmp_path_factory.mktemp("hostile")
    try:
        cases = hostile.install(server, other)
        write_config(root, hostile.source_settings(server, cases), extra=hostile.FETCH_SETTINGS)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result = run_cli("fetch", "-C", str(root), "--json", timeout=300)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        second = run_cli("fetch", "-C", str(root), "--json", timeout=300)
        yield {"root": root, "cases": cases, "result": result, "second": second, "peak_kib": max(before, peak_kib),
               "internal": other}
    finally:
        server.stop()
        other.stop()


def _posts(root):
    return [(p, parse_post(p.read_text(encoding="utf-8"), p)) for p in post_files(root)]


def test_the_run_finishes_and_reports_every_source(hostile_run):
    result = hostile_run["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert {s["name"] for s in report["sources"]} == {c.name for c in hostile_run["cases"]}


def test_each_case_is_a_post_or_one_clear_error(hostile_run):
    report = {s["name"]: s for s in json.loads(hostile_run["result"].stdout)["sources"]}
    stderr = hostile_run["result"].stderr
    posts_by_source: dict[str, list] = {}
    for _path, post in _posts(hostile_run["root"]):
        posts_by_source.setdefault(post.source, []).append(post)
    for case in hostile_run["cases"]:
        outcome = report[case.name]
        if case.expect == "error":
            assert outcome["status"] == "error", (case.name, outcome)
            assert re.search(case.error, outcome["errors"][0]), (case.name, outcome["errors"])
            line = [line for line in stderr.splitlines() if line.startswith("error") and f" {case.name} (" in line]
            assert len(line) == 1 and re.search(case.error, line[0]), (case.name, stderr)
        elif case.expect == "posts":
            assert outcome["status"] == "ok", (case.name, outcome)
            got = posts_by_source.get(case.name, [])
            assert len(got) >= max(case.min_posts, len(case.titles)), (case.name, len(got))
            titles = {p.title for p in got}
            for title in case.titles:
                assert title in titles, (case.name, title, sorted(titles)[:5])
        if case.warning:
            assert any(re.search(case.warning, w) for w in outcome["warnings"]), (case.name, outcome["warnings"])
        else:  # "any": either is fine, but it must be one or the other, cleanly
            assert outcome["status"] in ("ok", "error"), (case.name, outcome)


def test_no_post_carries_anything_that_could_run(hostile_run):
    checked = 0
    for path, post in _posts(hostile_run["root"]):
        text = path.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1]
        for pattern in FORBIDDEN:
            assert not pattern.search(post.content), (path.name, pattern.pattern, post.content[:300])
        # The title line of the body is Markdown: raw HTML there would run, so it must be escaped.
        assert "<script" not in body.split("\n")[1], path.name
        for frame in re.findall(r"<iframe[^>]*>", post.content):
            assert 'src="https://www.youtube-nocookie.com/' in frame or 'src="https://player.vimeo.com/' in frame
        checked += 1
    assert checked > 500


def test_xss_posts_keep_their_text(hostile_run):
    xss = [post for _p, post in _posts(hostile_run["root"]) if post.source == "脚本内容"]
    assert len(xss) == len(hostile.XSS_SNIPPETS)
    for post in xss:
        text = re.sub(r"<[^>]+>", "", post.content)
        assert text.startswith("前文") and text.endswith("后文"), post.content


def test_file_names_are_valid_and_titles_round_trip(hostile_run):
    root = hostile_run["root"]
    assert {p.name for p in root.iterdir()} <= {"_posts", "lists", "sources.md", "newsmirror.toml", ".newsmirror"}
    for path, post in _posts(root):
        assert path == post_path(root, path.name)  # in its dated folder
        assert len(path.name.encode("utf-8")) <= MAX_NAME_BYTES
        assert not re.search(r'[\x00-\x1f\\:*?"<>|]', path.name), path.name
        assert post.title and len(post.title) <= 2_000, path.name
        assert path.read_text(encoding="utf-8").endswith("</div>\n")


def test_liquid_in_content_is_escaped(hostile_run):
    (post,) = [p for _path, p in _posts(hostile_run["root"]) if p.title == "Liquid 正文"]
    assert "{{ site.time }}" in post.content and "{% include evil.html %}" in post.content
    text = next(p for p, q in _posts(hostile_run["root"]) if q.title == "Liquid 正文").read_text(encoding="utf-8")
    assert "{% include" not in text and "{{ site" not in text


def test_memory_stays_bounded(hostile_run):
    assert hostile_run["peak_kib"] < 1_000_000, f"peak RSS {hostile_run['peak_kib'] / 1024:.0f} MiB"


def test_a_second_run_duplicates_nothing(hostile_run):
    second = hostile_run["second"]
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads(second.stdout)["new_posts"] == 0


def test_nothing_is_fetched_from_the_internal_host(hostile_run):
    """Item links, same-host redirects and images pointing at 127.0.0.2 were refused before any request."""
    internal = hostile_run["internal"]
    assert not any(internal.hits.get(path) for path in hostile.INTERNAL_PATHS), internal.hits
    assert internal.hits.get("/moved.xml") == 2  # the allowlisted source's feed, once a run, and nothing else
    posts = {post.title: post for _p, post in _posts(hostile_run["root"])}
    for title in ("链接指向内网", "同主机链接重定向到内网"):
        assert "机密" not in posts[title].content and "摘要" in posts[title].content
    assert "127.0.0.2" in posts["图片在内网"].content  # the original address kept, nothing stored
    assert not (hostile_run["root"] / "assets").exists()


def test_script_links_never_become_links(hostile_run):
    posts = [(p, post) for p, post in _posts(hostile_run["root"]) if post.source == "脚本链接"]
    assert len(posts) == len(hostile.SCRIPT_LINKS)
    for path, post in posts:
        assert post.link == "", (path.name, post.link)
        title_line = path.read_text(encoding="utf-8").split("\n---\n", 1)[1].splitlines()[1]
        assert title_line.endswith("]()"), title_line


def test_heavy_items_stay_small_and_stall_nothing(hostile_run):
    posts = {post.title: (path, post) for path, post in _posts(hostile_run["root"])}
    (path, post), = [v for t, v in posts.items() if t.startswith("长长长")]
    assert post.title == "长" * 999 + "…" and path.stat().st_size < 10_000
    assert "嵌套之后的正常文章" in posts and "十万层嵌套" not in posts
    assert posts["四万字节的作者"][1].author.startswith("a@a@") and len(posts["四万字节的作者"][1].author) <= 200
