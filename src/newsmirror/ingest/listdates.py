"""The date a list page or channel shows beside an entry → a UTC datetime.

Pages write dates for readers, not for machines: `2024年3月5日 14:30`, `3月5日`, `03-05 14:30`, `3小时前`, `昨天
10:20`, `March 5, 2024`, as well as ISO and RFC 822. A source may name its own `date_format` (strptime); otherwise the
forms below are looked for inside the element's text (a date element often holds "来源：某报 2024-03-05" too).

Written here rather than with dateparser (installed with trafilatura): on the 20 forms of benchmarks/listdates.py
dateparser reads 16 (not `3月5日`, nor a date inside other text such as "来源：新华社 2024-03-05 08:00"), its first
call costs ~370 ms and each date ~2.2 ms after (here: 20 of 20, ~13 µs a date). The forms news pages use are few,
and each is one regex over a bounded text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime

MAX_DATE_CHARS = 300  # a date element's text beyond this is not a date: only its start is read
_NOW_SLACK = timedelta(minutes=10)  # as for feeds: a little ahead of the clock is a clock, more is wrong

_UNITS = {
    "秒": "seconds", "秒钟": "seconds", "秒鐘": "seconds", "分": "minutes", "分钟": "minutes", "分鐘": "minutes",
    "小时": "hours", "小時": "hours", "个小时": "hours", "個小時": "hours", "钟头": "hours", "鐘頭": "hours",
    "天": "days", "日": "days", "周": "weeks", "週": "weeks", "星期": "weeks", "个星期": "weeks", "個星期": "weeks",
    "个月": "months", "個月": "months", "月": "months", "年": "years",
    "second": "seconds", "sec": "seconds", "minute": "minutes", "min": "minutes", "hour": "hours", "hr": "hours",
    "day": "days", "week": "weeks", "month": "months", "year": "years",
}  # fmt: skip
_RELATIVE = re.compile(
    r"(\d{1,4})\s*(秒钟|秒鐘|秒|分钟|分鐘|分|个小时|個小時|小时|小時|钟头|鐘頭|天|日|个星期|個星期|星期|周|週|个月|個月|月|年)\s*(?:之)?前"
    r"|(\d{1,4})\s*(second|sec|minute|min|hour|hr|day|week|month|year)s?\.?\s+ago",
    re.IGNORECASE,
)
_JUST_NOW = re.compile(r"刚刚|剛剛|刚才|剛才|just now", re.IGNORECASE)
_DAY_WORDS = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}
_NAMED_DAY = re.compile(r"(今天|今日|昨天|昨日|前天|today|yesterday)", re.IGNORECASE)
_TIME = r"(?:\s*(?:[T\s]|[日号號]\s*)?\s*(\d{1,2})\s*[:：时時点點]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
_TIME_ONLY = re.compile(r"(\d{1,2})\s*[:：]\s*(\d{2})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*[日号號]?" + _TIME)
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号號]?|[-/](\d{1,2}))(?![\d/-])" + _TIME)
_RFC822_FULL_YEAR = re.compile(r"^(?:\w{3},\s*)?\d{1,2}\s+\w{3}\s+\d{4}\b")
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}  # fmt: skip
_MONTH_NAME = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ENGLISH = re.compile(
    rf"\b{_MONTH_NAME}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_NAME},?\s+(\d{{4}})",
    re.IGNORECASE,
)


def parse_page_date(text: str, now: datetime, *, date_format: str = "", zone: tzinfo = UTC) -> datetime | None:
    """`text` (a date as a page shows it) → UTC datetime; None when no date is found in it, or the date is before
    1970 or ahead of `now` (UTC-aware). Dates that name no zone are read in `zone`."""
    text = " ".join(text[:MAX_DATE_CHARS].split())
    if not text:
        return None
    local_now = now.astimezone(zone)
    moment = _formatted(text, date_format, zone) if date_format else None
    if moment is None:
        moment = _machine(text, zone) or _relative(text, now) or _written(text, local_now, zone)
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    if moment > now + _NOW_SLACK or moment.year < 1970:
        return None
    return moment


def _formatted(text: str, date_format: str, zone: tzinfo) -> datetime | None:
    try:
        moment = datetime.strptime(text, date_format)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _machine(text: str, zone: tzinfo) -> datetime | None:
    """ISO 8601 (a <time datetime>), RFC 822 (what a feed or an e-mail header writes)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if not _RFC822_FULL_YEAR.match(text):  # "01 Jan 1" would be read as 2001
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _relative(text: str, now: datetime) -> datetime | None:
    if _JUST_NOW.search(text):
        return now
    match = _RELATIVE.search(text)
    if match is None:
        return None
    amount = int(match.group(1) or match.group(3))
    unit = _UNITS[(match.group(2) or match.group(4)).lower()]
    if unit == "months":
        return now - timedelta(days=30 * amount)
    if unit == "years":
        return now - timedelta(days=365 * amount)
    return now - timedelta(**{unit: amount})


def _written(text: str, local_now: datetime, zone: tzinfo) -> datetime | None:
    """The dates people write: with a year, without one (this year, or last year when that would be ahead of
    now), a named day (昨天 10:20), a time alone (today)."""
    if match := _YEAR_MONTH_DAY.search(text):
        year, month, day, *clock = match.groups()
        return _at(int(year), int(month), int(day), clock, zone)
    if match := _ENGLISH.search(text):
        name, day, year = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
            match.group(5), match.group(4), match.group(6))
        return _at(int(year), _MONTHS[name.lower().rstrip(".")], int(day), [None, None, None], zone)
    if match := _MONTH_DAY.search(text):
        month, chinese_day, dashed_day, *clock = match.groups()
        return _this_year(local_now, int(month), int(chinese_day or dashed_day), clock, zone)
    named = _NAMED_DAY.search(text)
    # A time alone is today's only when it is all the text says: in "01 Jan 1 00:00" it is part of a date not read.
    clock_match = _TIME_ONLY.search(text) if named else _TIME_ONLY.fullmatch(text)
    if named is None and clock_match is None:
        return None
    day = local_now.date() - timedelta(days=_DAY_WORDS[named.group(1).lower()] if named else 0)
    clock = [*clock_match.groups(), None] if clock_match else [None, None, None]
    return _at(day.year, day.month, day.day, clock, zone)


def _this_year(local_now: datetime, month: int, day: int, clock: list[str | None], zone: tzinfo) -> datetime | None:
    moment = _at(local_now.year, month, day, clock, zone)
    if moment is not None and moment > local_now + _NOW_SLACK:  # "12月30日" read on 2 January: last year's
        moment = _at(local_now.year - 1, month, day, clock, zone)
    return moment


def _at(year: int, month: int, day: int, clock: list[str | None], zone: tzinfo) -> datetime | None:
    hour, minute, second = (int(value) if value else 0 for value in clock)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:  # 2月30日, 25:00
        return None
