"""A bar-and-line chart by day, as geometry for an inline SVG. Pure: no Django, no I/O.

Contacts are bars; requests and people helped are lines over them, on the same scale, so the
shape of a day (many calls, few requests) reads at a glance without a chart library.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 1300, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 26


@dataclass
class Chart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    plot_right: int
    bars: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)


def nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above the value, so ticks are round numbers."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def by_day(
    days: list[dict],
    *,
    bar: str = "contacts",
    lines: tuple[str, ...] = ("requests", "people_helped"),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """`days`: [{"date": "2026-11-01", "contacts": 5, ...}] in order."""
    chart = Chart(width, height, LEFT, height - BOTTOM, width - RIGHT)
    if not days:
        return chart
    top = nice_max(max(max(d[k] for k in (bar, *lines)) for d in days))
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    slot = plot_w / len(days)

    def y(value: int) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    for i, d in enumerate(days):
        x = LEFT + i * slot
        h = round(plot_h * d[bar] / top, 1)
        chart.bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(TOP + plot_h - h, 1),
                "w": round(max(slot * 0.7, 1), 1),
                "h": h,
                "day": d,
            }
        )
    for name in lines:
        points = " ".join(
            f"{round(LEFT + (i + 0.5) * slot, 1)},{y(d[name])}" for i, d in enumerate(days)
        )
        chart.lines.append({"name": name, "points": points})
    for k in range(5):
        value = top * k // 4
        chart.y_ticks.append({"y": y(value), "value": value})
    every = max(1, round(len(days) / 10))
    for i, d in enumerate(days):
        if i % every == 0:
            chart.x_labels.append(
                {"x": round(LEFT + (i + 0.5) * slot, 1), "text": _short(d["date"])}
            )
    return chart


def _short(iso: str) -> str:
    """2026-11-03 → 03.11"""
    return f"{iso[8:10]}.{iso[5:7]}" if len(iso) >= 10 else iso
