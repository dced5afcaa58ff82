"""The dates list pages show (ingest/listdates.py): every form written out, and properties over open-ended input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsmirror.ingest.listdates import MAX_DATE_CHARS, parse_page_date

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 11:00 in Beijing
BEIJING = ZoneInfo("Asia/Shanghai")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2024年3月5日 14:30", utc(2024, 3, 5, 6, 30)),
    ("2024年03月05日14:30", utc(2024, 3, 5, 6, 30)),
    ("2024年3月5日 14时30分", utc(2024, 3, 5, 6, 30)),
    ("2024年3月5日", utc(2024, 3, 4, 16, 0)),
    ("3月5日", utc(2026, 3, 4, 16, 0)),  # this year: before now
    ("3月5日 08:05", utc(2026, 3, 5, 0, 5)),
    ("12月30日", utc(2025, 12, 29, 16, 0)),  # this year's would be ahead of now: last year's
    ("12-01 10:30", utc(2026, 12, 1, 2, 30)),
    ("3小时前", NOW - timedelta(hours=3)),
    ("3 小時前", NOW - timedelta(hours=3)),
    ("5分钟前", NOW - timedelta(minutes=5)),
    ("30秒前", NOW - timedelta(seconds=30)),
    ("2天前", NOW - timedelta(days=2)),
    ("1周前", NOW - timedelta(weeks=1)),
    ("刚刚", NOW),
    ("昨天", utc(2026, 11, 30, 16, 0)),  # the start of yesterday in Beijing
    ("昨天 10:20", utc(2026, 12, 1, 2, 20)),
    ("前天 23:59", utc(2026, 11, 30, 15, 59)),
    ("今天 09:15", utc(2026, 12, 2, 1, 15)),
    ("09:15", utc(2026, 12, 2, 1, 15)),
    ("5 hours ago", NOW - timedelta(hours=5)),
    ("2024-03-05T14:30:00+08:00", utc(2024, 3, 5, 6, 30)),
    ("2024-03-05T06:30:00Z", utc(2024, 3, 5, 6, 30)),
    ("2024-03-05 14:30", utc(2024, 3, 5, 6, 30)),  # no zone: the page's
    ("2024/03/05 14:30", utc(2024, 3, 5, 6, 30)),
    ("2024.3.5", utc(2024, 3, 4, 16, 0)),
    ("Tue, 05 Mar 2024 06:30:00 GMT", utc(2024, 3, 5, 6, 30)),
    ("March 5, 2024", utc(2024, 3, 4, 16, 0)),
    ("Posted on March 5th, 2024 by admin", utc(2024, 3, 4, 16, 0)),
    ("5 Mar 2024", utc(2024, 3, 4, 16, 0)),
    ("来源：新华社 2024-03-05 08:00 阅读 300", utc(2024, 3, 5, 0, 0)),
])  # fmt: skip
def test_the_forms_pages_write(text, expected):
    assert parse_page_date(text, NOW, zone=BEIJING) == expected


@pytest.mark.parametrize("text", ["", "   ", "hello", "阅读 300", "2月30日", "2024年13月1日", "25:61", "14:05",
                                  "2030年1月1日", "1969-12-31T23:00:00Z", "01 Jan 1 00:00:00 GMT"])  # fmt: skip
def test_no_date_ahead_of_now_impossible_or_before_1970(text):
    assert parse_page_date(text, NOW, zone=BEIJING) is None  # 14:05 today is ahead of 11:00


def test_a_page_format_is_read_first_and_without_a_zone_in_utc():
    assert parse_page_date("05/03/2024", NOW, date_format="%d/%m/%Y") == utc(2024, 3, 5)
    assert parse_page_date("03/05/2024", NOW) is None  # ambiguous without the format: not guessed
    assert parse_page_date("2024年3月5日 14:30", NOW) == utc(2024, 3, 5, 14, 30)


def test_a_long_text_is_read_only_at_its_start():
    assert parse_page_date("x" * MAX_DATE_CHARS + " 2024-03-05", NOW) is None
    assert parse_page_date("2024-03-05 " + "x" * 100_000, NOW) == utc(2024, 3, 5)


moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2026, 11, 30), timezones=st.just(BEIJING))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_none_or_a_utc_time_not_ahead_of_now(text):
    moment = parse_page_date(text, NOW, zone=BEIJING)
    assert moment is None or (moment.tzinfo == UTC and moment.year >= 1970 and moment <= NOW + timedelta(minutes=10))


@settings(max_examples=200, deadline=None)
@given(moments, st.sampled_from(["{y}年{m}月{d}日 {H}:{M}", "{y}-{m:02}-{d:02} {H:02}:{M:02}", "{y}/{m}/{d} {H}:{M:02}",
                                 "发布时间：{y}年{m:02}月{d:02}日{H:02}:{M:02} 来源：某报"]))  # fmt: skip
def test_a_written_date_reads_back_to_the_minute(moment, form):
    text = form.format(y=moment.year, m=moment.month, d=moment.day, H=moment.hour, M=moment.minute)
    assert parse_page_date(text, NOW, zone=BEIJING) == moment.replace(second=0, microsecond=0).astimezone(UTC)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=9999), st.sampled_from([("分钟前", "minutes"), ("小时前", "hours"),
                                                                  ("天前", "days"), (" minutes ago", "minutes")]))  # fmt: skip
def test_a_relative_date_is_that_long_before_now(amount, unit):
    word, name = unit
    expected = NOW - timedelta(**{name: amount})
    assert parse_page_date(f"{amount}{word}", NOW, zone=BEIJING) == (expected if expected.year >= 1970 else None)


@settings(max_examples=200, deadline=None)
@given(moments)
def test_a_date_without_its_year_is_the_latest_such_day_not_ahead_of_now(moment):
    found = parse_page_date(f"{moment.month}月{moment.day}日", NOW, zone=BEIJING)
    if moment.month == 2 and moment.day == 29:  # only in leap years: this year's or last year's may not exist
        return
    assert found is not None
    local = found.astimezone(BEIJING)
    assert (local.month, local.day) == (moment.month, moment.day)
    assert NOW - timedelta(days=367) < found <= NOW + timedelta(minutes=10)
