"""The dates list pages show: newsmirror's reader (ingest/listdates.py) beside dateparser (installed with trafilatura),
on the forms news pages write, and how fast each is.

    python benchmarks/listdates.py [--runs 5]

Prints, for each form, what each reader gives (✓ right, ✗ wrong, — nothing), then the share right, the first
call's cost (dateparser loads its language data then) and the median per-date time over the runs. Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from newsmirror.ingest.listdates import parse_page_date

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING).astimezone(UTC)


FORMS = [  # (text, the moment it means, read in Beijing time)
    ("2024年3月5日 14:30", beijing(2024, 3, 5, 14, 30)), ("2024年03月05日 14:30", beijing(2024, 3, 5, 14, 30)),
    ("2024年3月5日", beijing(2024, 3, 5)), ("3月5日", beijing(2026, 3, 5)), ("3月5日 08:05", beijing(2026, 3, 5, 8, 5)),
    ("12-01 10:30", beijing(2026, 12, 1, 10, 30)), ("3小时前", NOW - timedelta(hours=3)),
    ("5分钟前", NOW - timedelta(minutes=5)), ("2天前", NOW - timedelta(days=2)), ("刚刚", NOW),
    ("昨天 10:20", beijing(2026, 12, 1, 10, 20)), ("前天 23:59", beijing(2026, 11, 30, 23, 59)),
    ("2024-03-05T14:30:00+08:00", beijing(2024, 3, 5, 14, 30)), ("2024-03-05 14:30", beijing(2024, 3, 5, 14, 30)),
    ("2024/03/05 14:30", beijing(2024, 3, 5, 14, 30)), ("Tue, 05 Mar 2024 06:30:00 GMT", beijing(2024, 3, 5, 14, 30)),
    ("March 5, 2024", beijing(2024, 3, 5)), ("5 hours ago", NOW - timedelta(hours=5)),
    ("来源：新华社 2024-03-05 08:00 阅读 300", beijing(2024, 3, 5, 8, 0)),
    ("发布时间：2024年03月05日14:30 来源：某报", beijing(2024, 3, 5, 14, 30)),
]  # fmt: skip


def ours(text: str) -> datetime | None:
    return parse_page_date(text, NOW, zone=BEIJING)


def theirs(text: str) -> datetime | None:
    import dateparser

    settings = {"RELATIVE_BASE": NOW.astimezone(BEIJING).replace(tzinfo=None), "TIMEZONE": "Asia/Shanghai",
                "RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC"}  # fmt: skip
    moment = dateparser.parse(text, languages=["zh", "en"], settings=settings)  # type: ignore[arg-type]
    return moment.astimezone(UTC) if moment else None


def mark(got: datetime | None, expected: datetime) -> str:
    return "—" if got is None else ("✓" if got == expected else "✗")


def per_date(reader, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for text, _ in FORMS:
            reader(text)
        times.append((time.perf_counter() - started) / len(FORMS))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    first = {}
    for name, reader in (("newsmirror", ours), ("dateparser", theirs)):
        started = time.perf_counter()
        reader(FORMS[0][0])
        first[name] = time.perf_counter() - started
    rows = [(text, mark(ours(text), expected), mark(theirs(text), expected)) for text, expected in FORMS]
    width = max(len(text) for text, _, _ in rows) + 2
    print(f"{'form':{width}}newsmirror  dateparser")
    for text, a, b in rows:
        print(f"{text:{width}}{a:^10}  {b:^10}")
    for column, name, reader in ((1, "newsmirror", ours), (2, "dateparser", theirs)):
        right = sum(row[column] == "✓" for row in rows)
        print(f"{name}: {right}/{len(rows)} right; first call {first[name] * 1000:.1f} ms; "
              f"median {per_date(reader, runs) * 1e6:.0f} µs a date over {runs} runs")  # fmt: skip


if __name__ == "__main__":
    main()
