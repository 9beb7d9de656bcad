"""The per-day bar chart of the send history, as plain SVG geometry computed on the server."""

from dataclasses import dataclass

from comptoir.delivery.selectors import DayCounts
from comptoir.partners.models import DeliveryStatus

# Bottom to top; colours chosen to read without a legend: green sent, orange waiting, red failed.
SERIES = [
    (DeliveryStatus.SENT, "#2e7d32"),
    (DeliveryStatus.PENDING, "#9e9e9e"),
    (DeliveryStatus.SENDING, "#1565c0"),
    (DeliveryStatus.RETRYING, "#ef6c00"),
    (DeliveryStatus.FAILED, "#c62828"),
    (DeliveryStatus.DEAD, "#6a1b1b"),
    (DeliveryStatus.SKIPPED, "#bdbdbd"),
    (DeliveryStatus.CANCELLED, "#e0e0e0"),
]
WIDTH, HEIGHT, BAR, GAP, LABEL = 560, 140, 28, 12, 18


@dataclass(frozen=True)
class Rect:
    x: int
    # Strings, so that the French locale never turns 12.5 into "12,5" inside an SVG attribute.
    y: str
    height: str
    color: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    labels: list[tuple[int, str]]
    legend: list[tuple[str, str]]
    peak: int


def delivery_chart(days: list[DayCounts]) -> Chart:
    peak = max((day.total for day in days), default=0) or 1
    plot = HEIGHT - LABEL
    rects, labels = [], []
    for index, day in enumerate(days):
        x = index * (BAR + GAP) + GAP // 2
        y = float(plot)
        for status, color in SERIES:
            count = day.counts.get(status, 0)
            if not count:
                continue
            height = plot * count / peak
            y -= height
            rects.append(Rect(x=x, y=f"{y:.1f}", height=f"{height:.1f}", color=color,
                              title=f"{day.day:%d/%m} · {status.label} : {count}"))
        labels.append((x + BAR // 2, f"{day.day:%d/%m}"))
    legend = [(str(status.label), color) for status, color in SERIES
              if any(day.counts.get(status) for day in days)]
    return Chart(width=max(WIDTH, len(days) * (BAR + GAP)), height=HEIGHT, rects=rects, labels=labels,
                 legend=legend, peak=peak)
