"""The contract: from the golden feed, newsmirror writes the golden post byte for byte."""

from __future__ import annotations

from conftest import GOLDEN_FEED, GOLDEN_NAME, GOLDEN_POST, post_files, run_cli, write_config


def test_golden_feed_gives_the_golden_post_byte_for_byte(server, tmp_path):
    url = server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])

    result = run_cli("fetch", "-C", str(tmp_path))

    assert result.returncode == 0, result.stderr
    posts = post_files(tmp_path)
    assert [p.name for p in posts] == [GOLDEN_NAME]
    assert posts[0].read_bytes() == GOLDEN_POST.read_bytes()


def test_golden_post_reads_back_to_its_article():
    from newsmirror.archive.postformat import parse_post

    post = parse_post(GOLDEN_POST.read_text(encoding="utf-8"))
    assert post.title == "布林肯王毅会谈逾7小时 盘点美中冲突领域"
    assert post.link == "https://www.epochtimes.com/gb/23/10/28/n14105046.htm"
    assert post.author == post.source == "大纪元"
    assert post.date.isoformat() == "2023-10-28T18:43:48+00:00"
    assert post.content.startswith("<p>【大纪元2023年10月28日讯】") and post.content.endswith("责任编辑：林妍#</p>")
