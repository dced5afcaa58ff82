"""Source health: what `newsmirror status` shows and the site's status page draws.

Everything comes from the state cache (source outcomes recorded by each run, the posts table with each post's
date). Pure functions turn that into a StatusReport, a text chart, and an SVG chart that needs no script.
"""

from __future__ import annotations

_SPARK = " ▁▂▃▄▅▆▇█"




# ---------------------------------------------------------------------------------------------------------------
# Charts


def sparkline(values: list[int]) -> str:
    """One character per day, scaled to the largest value (a zero day is a blank, any post shows)."""
    top = max(values, default=0)
    if top <= 0:
        return _SPARK[0] * len(values)
    return "".join(_SPARK[0] if v <= 0 else _SPARK[max(1, round(v / top * (len(_SPARK) - 1)))] for v in values)


def text_chart(days: list[str], values: list[int], height: int = 6) -> str:
    """A small bar chart of posts per day, columns of block characters, with the scale and the first/last day."""
    top = max(values, default=0)
    rows = []
    for level in range(height, 0, -1):
        line = ""
        for value in values:
            filled = value / top * height if top else 0
            line += "█" if filled >= level else ("▄" if filled >= level - 0.5 and value > 0 else " ")
        label = f"{top:>5} ┤" if level == height else "      │"
        rows.append(label + line)
    rows.append("    0 └" + "─" * len(values))
    if days:
        first, last = days[0][5:], days[-1][5:]
        rows.append(" " * 7 + first + " " * max(1, len(values) - len(first) - len(last)) + last)
    return "\n".join(rows)
