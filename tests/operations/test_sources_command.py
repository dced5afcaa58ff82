"""`newsmirror init` and `newsmirror sources`: defaults, add/remove, check, subs.json and OPML in and out."""

from __future__ import annotations

import json

from conftest import GOLDEN_FEED, run_cli, write_config
from newsmirror.config import DEFAULT_SOURCES, load_config


def test_init_writes_a_ready_archive_with_chinese_outlets(tmp_path):
    root = tmp_path / "mirror"
    result = run_cli("init", str(root))
    assert result.returncode == 0, result.stderr
    config = load_config(root)
    names = [s.name for s in config.sources]
    for outlet in ("大纪元", "美国之音", "BBC中文", "德国之声", "法广", "自由亚洲电台", "纽约时报中文网", "中国数字时代"):
        assert outlet in names
    assert all(s.url.startswith("https://") for s in config.sources)
    assert (root / "_posts").is_dir()
    assert ".newsmirror/" in (root / ".gitignore").read_text()
    again = run_cli("init", str(root))
    assert again.returncode == 2 and "exists already" in again.stderr


def test_add_remove_and_list(tmp_path):
    write_config(tmp_path, [{"name": "大纪元", "url": "https://www.epochtimes.com/gb/n24hr.xml"}])
    assert run_cli("sources", "add", "美国之音", "https://www.voachinese.com/api/x", "-C", str(tmp_path), "--tag", "美国").returncode == 0
    duplicate = run_cli("sources", "add", "美国之音", "https://x.example/feed", "-C", str(tmp_path))
    assert duplicate.returncode == 2 and "exists already" in duplicate.stderr
    bad = run_cli("sources", "add", "坏的", "ftp://x.example/feed", "-C", str(tmp_path))
    assert bad.returncode == 2 and "not an http(s) address" in bad.stderr
    listed = json.loads(run_cli("sources", "list", "-C", str(tmp_path), "--json").stdout)
    assert [s["name"] for s in listed] == ["大纪元", "美国之音"]
    assert load_config(tmp_path).source("美国之音").tags == ["美国"]
    assert run_cli("sources", "remove", "大纪元", "-C", str(tmp_path)).returncode == 0
    assert [s.name for s in load_config(tmp_path).sources] == ["美国之音"]
    missing = run_cli("sources", "remove", "大纪元", "-C", str(tmp_path))
    assert missing.returncode == 2 and "no source named" in missing.stderr


def test_settings_and_comments_survive_rewriting_the_sources(tmp_path):
    (tmp_path / "newsmirror.toml").write_text(
        '# my mirror\n[site]\ntitle = "我的镜像"  # kept\n\n[[sources]]\nname = "a"\nurl = "https://a.example/f"\nfulltext = "auto"\n',
        encoding="utf-8",
    )
    assert run_cli("sources", "add", "b", "https://b.example/f", "-C", str(tmp_path)).returncode == 0
    text = (tmp_path / "newsmirror.toml").read_text(encoding="utf-8")
    assert text.startswith("# my mirror\n[site]\ntitle = \"我的镜像\"  # kept")
    config = load_config(tmp_path)
    assert config.site.title == "我的镜像" and config.source("a").fulltext == "auto"


def test_subs_json_and_opml_round_trip(tmp_path):
    write_config(tmp_path, [{"name": "已有", "url": "https://have.example/feed"}])
    subs = tmp_path / "subs.json"
    subs.write_text(json.dumps([{"site": "大纪元", "url": "https://www.epochtimes.com/gb/n24hr.xml"}, {"site": "已有", "url": "https://have.example/feed"}], ensure_ascii=False), encoding="utf-8")
    result = run_cli("sources", "import", str(subs), "-C", str(tmp_path))
    assert result.returncode == 0 and "Imported 1 sources (1 already present)" in result.stdout
    opml = run_cli("sources", "export", "-C", str(tmp_path), "--format", "opml").stdout
    assert 'xmlUrl="https://www.epochtimes.com/gb/n24hr.xml"' in opml and 'text="大纪元"' in opml
    exported = json.loads(run_cli("sources", "export", "-C", str(tmp_path), "--format", "subs.json").stdout)
    assert exported == [{"site": "已有", "url": "https://have.example/feed"}, {"site": "大纪元", "url": "https://www.epochtimes.com/gb/n24hr.xml"}]

    other = tmp_path / "other"
    write_config(other, [])
    (tmp_path / "feeds.opml").write_text(opml, encoding="utf-8")
    assert run_cli("sources", "import", str(tmp_path / "feeds.opml"), "-C", str(other)).returncode == 0
    assert [s.name for s in load_config(other).sources] == ["已有", "大纪元"]


def test_import_of_a_broken_subs_json_names_the_problem(tmp_path):
    write_config(tmp_path, [])
    subs = tmp_path / "subs.json"
    subs.write_text('[{"site": "x"}]', encoding="utf-8")
    result = run_cli("sources", "import", str(subs), "-C", str(tmp_path))
    assert result.returncode == 2 and "entry 1 lacks a string 'site' and 'url'" in result.stderr


def test_check_fetches_and_parses_without_writing(server, tmp_path):
    write_config(
        tmp_path,
        [
            {"name": "大纪元", "url": server.add("/g.xml", GOLDEN_FEED.read_bytes())},
            {"name": "坏的", "url": server.add("/bad", "nope", status=500)},
        ],
        extra="[fetch]\nretries = 0",
    )
    result = run_cli("sources", "check", "-C", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["大纪元"]["ok"] and checks["大纪元"]["items"] == 1 and checks["大纪元"]["newest"] == "2023-10-28 18:43"
    assert not checks["坏的"]["ok"] and checks["坏的"]["error"] == "HTTP 500 Internal Server Error"
    assert not (tmp_path / "_posts").exists()


def test_check_asks_for_a_feed_as_fetch_does(server, tmp_path):
    """A server choosing by Accept must answer `sources check` as it answers `fetch`."""
    url = server.add("/g.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    assert run_cli("sources", "check", "-C", str(tmp_path)).returncode == 0
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    check_accept, fetch_accept = (headers["accept"] for _path, headers in server.requests)
    assert check_accept == fetch_accept and "application/rss+xml" in check_accept


def test_a_negative_publish_retries_is_refused_with_the_settings(tmp_path):
    write_config(tmp_path, [{"name": "大纪元", "url": "https://example.com/feed"}], extra="[publish]\nretries = -1\n")
    result = run_cli("sources", "list", "-C", str(tmp_path))
    assert result.returncode == 2 and "[publish]: retries = -1 must be at least 0" in result.stderr


def test_default_sources_match_the_known_feed_addresses():
    assert dict(DEFAULT_SOURCES)["BBC中文"] == "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml"


def test_tables_after_the_sources_are_kept(tmp_path):
    (tmp_path / "newsmirror.toml").write_text(
        '[site]\ntitle = "t"\n\n[[sources]]\nname = "a"\nurl = "https://a.example/f"\n\n'
        '# where to push\n[publish]\nenabled = true\nremotes = ["github", "codeberg"]\n',
        encoding="utf-8",
    )
    assert run_cli("sources", "add", "b", "https://b.example/f", "-C", str(tmp_path)).returncode == 0
    config = load_config(tmp_path)
    assert [s.name for s in config.sources] == ["a", "b"]
    assert config.publish.enabled and config.publish.remotes == ["github", "codeberg"]
    assert "# where to push" in (tmp_path / "newsmirror.toml").read_text(encoding="utf-8")
