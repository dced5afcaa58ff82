"""Source health: `newsmirror status` from real runs against the local server, charts, the site's status page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import GOLDEN_FEED, run_cli, write_config
from newsmirror.archive.health import CHART_DAYS, build_status, flag_for, status_data
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import as_datetime
from newsmirror.archive.state import SourceHealth, State
from newsmirror.cli.output.status import sparkline, text_chart
from newsmirror.config import Config, SourceConfig, load_config
from newsmirror.site.status import status_page_html, svg_chart

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def rss(items: list[tuple[str, datetime]]) -> str:
    body = "".join(
        f"<item><title>{t}</title><link>https://news.example/{i}</link>"
        f"<pubDate>{d.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate><description>x</description></item>"
        for i, (t, d) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'


def test_status_after_real_runs_shows_success_error_cause_and_304s(tmp_path, server):
    now = datetime.now(UTC)
    good = server.add("/good.xml", rss([("今天", now - timedelta(hours=2)), ("三天前", now - timedelta(days=3)),
                                        ("二十天前", now - timedelta(days=20))]))
    bad = server.add("/bad.xml", "oops", status=500)
    write_config(tmp_path, [{"name": "好", "url": good}, {"name": "坏", "url": bad}],
                 extra="[fetch]\nretries = 0")
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0  # the good feed answers 304 now

    result = run_cli("status", "-C", str(tmp_path), "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    by_name = {s["name"]: s for s in data["sources"]}
    ok, broken = by_name["好"], by_name["坏"]
    assert ok["last_success"] and ok["consecutive_failures"] == 0 and ok["last_error"] is None
    # counted when the mirror got them (all three just now), not by their articles' dates
    assert (ok["posts_24h"], ok["posts_7d"]) == (3, 3)
    assert ok["fetches"] == 2 and ok["not_modified"] == 1 and ok["answers_304"] and ok["validators"] == "etag"
    assert ok["per_day"][-1] == 3 and sum(ok["per_day"]) == 3 and len(ok["per_day"]) == CHART_DAYS
    published = ok["published_per_day"]  # the second series: the articles' own dates
    assert (published[-1], published[-4], published[-21], sum(published)) == (1, 1, 1, 3)
    assert data["per_day"][-1] == 3 and sum(data["published_per_day"]) == 3
    assert broken["last_success"] is None and broken["consecutive_failures"] == 2
    assert "500" in broken["last_error"]
    assert not broken["flagged"]  # failing, but not for a week yet

    text = run_cli("status", "-C", str(tmp_path))
    assert text.returncode == 0, text.stderr
    assert "好" in text.stdout and "500" in text.stdout and "Posts fetched per day, last 30 days" in text.stdout
    assert "█" in text.stdout


def test_a_source_failing_for_a_week_is_flagged(tmp_path):
    write_config(tmp_path, [{"name": "坏", "url": "http://127.0.0.1:9/feed"}, {"name": "好", "url": "http://127.0.0.1:9/b"}])
    state = State.open(Archive(tmp_path))
    now = datetime.now(UTC)
    state.record_outcome("坏", now - timedelta(days=9), None, False)
    for days in (8, 5, 2, 0):
        state.record_outcome("坏", now - timedelta(days=days), "HTTP 404 Not Found", False)
    state.record_outcome("好", now - timedelta(days=8), "timeout", False)
    state.record_outcome("好", now, None, False)
    state.close()

    data = json.loads(run_cli("status", "-C", str(tmp_path), "--json").stdout)

    by_name = {s["name"]: s for s in data["sources"]}
    assert by_name["坏"]["flagged"] and by_name["坏"]["flag_reason"].startswith("failing for 8 days (4 failures")
    assert not by_name["好"]["flagged"]
    assert data["sources"][0]["name"] == "坏"  # flagged sources come first
    text = run_cli("status", "-C", str(tmp_path)).stdout
    assert "⚠ 坏" in text and "(1 flagged)" in text


def test_flag_rules():
    week = timedelta(days=7)
    assert not flag_for(SourceHealth("a", consecutive_failures=0), NOW)[0]
    assert flag_for(SourceHealth("a", consecutive_failures=3, failing_since=(NOW - week).isoformat()), NOW)[0]
    assert not flag_for(SourceHealth("a", consecutive_failures=3, failing_since=(NOW - week + timedelta(hours=1)).isoformat()), NOW)[0]
    # An old cache without failing_since: the last error's time is all there is.
    assert not flag_for(SourceHealth("a", consecutive_failures=3, last_error_at=NOW.isoformat()), NOW)[0]


def test_build_status_counts_per_day_and_windows():
    config = Config(path=__import__("pathlib").Path("/x/newsmirror.toml"), sources=[SourceConfig("甲", "https://a/f")])
    fetched = [("甲", (NOW - timedelta(hours=h)).isoformat()) for h in (1, 23, 25, 24 * 6, 24 * 8, 24 * 40)]
    fetched += [("乙", NOW.isoformat())]
    # The articles' own dates: all a year old but one (a mirror catching up on an archive), one without a date.
    posts = [("甲", (NOW - timedelta(days=365)).isoformat())] * 5 + [("甲", NOW.isoformat()), ("乙", NOW.isoformat()), ("甲", None)]
    report = build_status(config, {}, posts, {"https://a/f": ("", "Tue")}, NOW, fetched=fetched)
    first = report.sources[0]
    assert first.name == "甲" and (first.posts_24h, first.posts_7d, first.posts_total) == (2, 4, 7)
    assert sum(first.per_day) == 5 and first.per_day[-1] == 1  # the 40-day-old fetch is outside the chart
    assert sum(first.published_per_day) == 1 and first.published_per_day[-1] == 1
    assert first.validators == "last-modified"
    assert report.days[-1] == "2026-11-26" and len(report.days) == CHART_DAYS
    assert report.per_day[-1] == 2  # 甲 and 乙 today
    assert [s.name for s in report.sources] == ["甲", "乙"]  # configured first, then sources known only by posts


def _reference_counts(posts, fetched, now):
    """What build_status counts, with every stamp read as a date (no shortcut for stamps outside the chart)."""
    first = now.date() - timedelta(days=CHART_DAYS - 1)

    def slot(stamp):
        moment = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, float) else as_datetime(stamp)
        if moment is None:
            return None, None
        offset = (moment.astimezone(UTC).date() - first).days
        return moment, offset if 0 <= offset < CHART_DAYS else None
    published, per_day, day, week = [0] * CHART_DAYS, [0] * CHART_DAYS, 0, 0
    for _, stamp in posts:
        if (at := slot(stamp)[1]) is not None:
            published[at] += 1
    for _, stamp in fetched:
        moment, at = slot(stamp)
        if moment is not None:
            day += moment >= now - timedelta(hours=24)
            week += moment >= now - timedelta(days=7)
            if at is not None:
                per_day[at] += 1
    return published, per_day, day, week


_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
_FIRST_MIDNIGHT = -((CHART_DAYS - 1) * 86400 + 12 * 3600)  # seconds from NOW to the chart's first day (UTC)
_SECONDS = st.one_of(
    st.integers(-45 * 86400, 2 * 86400),
    st.integers(-2 * 86400, 2 * 86400).map(lambda s: _FIRST_MIDNIGHT + s),  # the chart's edge, at any offset
    st.integers(-3, 3).map(lambda s: _FIRST_MIDNIGHT + s),
)
_MOMENTS = st.builds(lambda seconds, zone: (NOW + timedelta(seconds=seconds)).astimezone(zone), _SECONDS, _OFFSETS)
_STAMPS = st.one_of(
    _MOMENTS.map(lambda m: m.isoformat()), _MOMENTS.map(lambda m: m.isoformat(" ")), _MOMENTS,
    _MOMENTS.map(lambda m: m.timestamp()), _MOMENTS.map(lambda m: m.date().isoformat()),
    _MOMENTS.map(lambda m: m.strftime("%Y%m%dT%H%M%S%z")), _MOMENTS.map(lambda m: " " + m.isoformat()),
    st.none(), st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_STAMPS, max_size=30), st.lists(_STAMPS, max_size=30))
def test_build_status_counts_as_if_every_stamp_were_read(post_stamps, fetch_stamps):
    """Stamps far outside the chart are told apart without being read (the site passes UTC seconds, the state ISO
    text): the counts are those of reading every one, at any offset and in any ISO form."""
    config = Config(path=Path("/x/newsmirror.toml"), sources=[SourceConfig("甲", "https://a/f")])
    posts, fetched = [("甲", s) for s in post_stamps], [("甲", s) for s in fetch_stamps]
    first = build_status(config, {}, posts, {}, NOW, fetched=fetched).sources[0]
    published, per_day, day, week = _reference_counts(posts, fetched, NOW)
    assert (first.published_per_day, first.per_day, first.posts_24h, first.posts_7d) == (published, per_day, day, week)
    assert first.posts_total == len(posts)


def test_charts():
    assert sparkline([0, 1, 4, 8]) == " ▁▄█"
    assert sparkline([0, 0]) == "  "
    chart = text_chart(["2026-11-01", "2026-11-02", "2026-11-03"], [0, 5, 10], height=4)
    lines = chart.splitlines()
    assert lines[0].startswith("   10 ┤") and lines[0].endswith("█")
    assert lines[-2] == "    0 └───" and "11-01" in lines[-1] and "11-03" in lines[-1]
    svg = svg_chart([f"2026-11-{d:02d}" for d in range(1, 31)], list(range(30)))
    tree = ElementTree.fromstring(svg)  # well-formed XML
    rects = tree.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 30 and "script" not in svg.lower()
    assert rects[-1].find("{http://www.w3.org/2000/svg}title").text == "2026-11-30: 29"
    assert float(rects[0].get("height")) == 0.0
    empty = svg_chart([], [])
    ElementTree.fromstring(empty)


def test_status_page_html_escapes_and_needs_no_script(tmp_path):
    write_config(tmp_path, [{"name": "<b>源</b>", "url": "http://127.0.0.1:9/f"}])
    state = State.open(Archive(tmp_path))
    state.record_outcome("<b>源</b>", NOW, "bad <tag> & co", False)
    state.close()
    html = status_page_html(status_data(load_config(tmp_path), NOW))
    assert "&lt;b&gt;源&lt;/b&gt;" in html and "bad &lt;tag&gt; &amp; co" in html
    assert "<svg" in html and "<script" not in html


def test_built_site_has_a_status_page(tmp_path, server):
    builder = pytest.importorskip("newsmirror.site.build")
    url = server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    builder.build_site(load_config(tmp_path), with_search=False)
    page = (tmp_path / "_site" / "status.html").read_text(encoding="utf-8")
    assert "<svg" in page and "大纪元" in page and "newsmirror-status" in page
    section = page[page.index('<section class="newsmirror-status">') :]
    assert "<script" not in section[: section.index("</section>")]


def test_the_run_history_in_the_cache_is_bounded(tmp_path):
    """An hourly job runs ~8,760 times a year; the cache keeps the newest RUNS_KEPT reports, not all of them."""
    from newsmirror.archive.state import RUNS_KEPT

    state = State.open(Archive(tmp_path))
    for hour in range(RUNS_KEPT + 40):
        started = NOW + timedelta(hours=hour)
        state.record_run(started, started + timedelta(seconds=1), {"run": hour})
    rows = state.db.execute("SELECT started, report FROM runs ORDER BY id").fetchall()
    state.close()
    assert len(rows) == RUNS_KEPT
    assert json.loads(rows[-1][1]) == {"run": RUNS_KEPT + 39} and json.loads(rows[0][1]) == {"run": 40}


def test_the_status_page_counts_the_posts_the_build_read_without_writing_the_state(tmp_path, server):
    """The builder does not hold the archive lock: it reads the health from the state but writes nothing there."""
    import sqlite3

    builder = pytest.importorskip("newsmirror.site.build")
    write_config(tmp_path, [{"name": "大纪元", "url": server.add("/g.xml", GOLDEN_FEED.read_bytes())}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    today = datetime.now(UTC)
    (tmp_path / "_posts" / f"{today:%Y-%m-%d}-新.md").write_text(
        f'---\ntitle: "新"\ndate: {today:%Y-%m-%dT%H:%M:%S}.000Z\ncategories: [ 大纪元 ]\n---\n<p>x</p>\n', encoding="utf-8"
    )
    builder.build_site(load_config(tmp_path), with_search=False)
    page = (tmp_path / "_site" / "status.html").read_text(encoding="utf-8")
    assert '<td data-label="来源">大纪元</td>' in page
    # 0 failures; 1 post fetched in 24 h and 7 d (the golden post, whatever its date; the hand-written one was
    # not fetched)
    assert '<td data-label="连续失败">0</td><td data-label="24 小时内抓取">1</td><td data-label="7 天内抓取">1</td>' in page
    with sqlite3.connect(tmp_path / ".newsmirror" / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 1  # the new post is not synced by the build
