"""The table, the machine's description and the chart."""

import os
import platform
import sqlite3
from pathlib import Path

from bench.results import Row

MARK = {True: "✓", False: "✗", None: ""}


def machine_describe() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"machine: {os.cpu_count()} cpu ({cpu}), {memory} RAM, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average {load} (1/5/15 min)")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def table_format(rows: list[Row]) -> str:
    header = ["db", "benchmark", "case", "figure", "floor", "ratio", "target", "", "note"]
    lines = []
    for row in rows:
        figure = f"{_number(row.value)} {row.unit}".strip() if row.value is not None else ""
        floor = f"{_number(row.floor)} {row.unit}".strip() if row.floor is not None else ""
        ratio = f"{row.ratio:.0%}" if row.ratio is not None else ""
        lines.append([row.extra.get("profile", ""), row.bench, row.label, figure, floor, ratio, row.target,
                      MARK[row.ok], row.note])
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]

    def fmt(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(fmt, lines)])


def chart_draw(rows: list[Row], path: Path) -> None:
    """Left: deposit→sent latency percentiles against the 1 s target; right: throughput ratios to the floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.6]})

    latency = [row for row in rows if row.bench == "latency" and row.extra.get("percentiles")]
    if latency:
        width = 0.8 / len(latency)
        for index, row in enumerate(latency):
            names = list(row.extra["percentiles"])
            values = [row.extra["percentiles"][name] for name in names]
            positions = [i + index * width for i in range(len(names))]
            label = f"{row.extra.get('profile', '')} {row.extra.get('series', '')}".strip()
            bars = left.bar(positions, values, width=width, label=label)
            left.bar_label(bars, fmt="%.2f", fontsize=8)
            left.set_xticks([i + width * (len(latency) - 1) / 2 for i in range(len(names))], names)
        left.axhline(1.0, color="crimson", linestyle="--", linewidth=1, label="target p99 ≤ 1 s")
        tallest = max(max(row.extra["percentiles"].values()) for row in latency)
        left.set_ylim(0, max(tallest, 1.0) * (1.25 + 0.1 * len(latency)))  # room for the legend
        left.legend(fontsize=8, loc="upper right")
    else:
        left.text(0.5, 0.5, "latency: n/a", ha="center", va="center", transform=left.transAxes)
    left.set_title("Deposit → sent at 20 docs/s (seconds)")
    left.set_ylabel("seconds")

    ratios = [row for row in rows if row.ratio is not None]
    if ratios:
        labels = [f"{row.extra.get('profile', '')} {row.bench}\n{row.label}" for row in ratios]
        values = [row.ratio * 100 for row in ratios]
        colours = [{True: "seagreen", False: "indianred", None: "slategrey"}[row.ok] for row in ratios]
        bars = right.barh(range(len(ratios)), values, color=colours)
        right.bar_label(bars, fmt="%.0f%%", fontsize=8, padding=2)
        right.set_yticks(range(len(ratios)), labels, fontsize=7)
        right.invert_yaxis()
        right.axvline(100, color="grey", linewidth=1)
        right.axvline(50, color="crimson", linestyle="--", linewidth=1, label="delivery target 50 %")
        right.legend(fontsize=8, loc="lower right")
    else:
        right.text(0.5, 0.5, "ratios: n/a", ha="center", va="center", transform=right.transAxes)
    right.set_title("Throughput as % of the floor (same run)")
    right.set_xlabel("% of floor")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
