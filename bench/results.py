"""What a benchmark reports: rows of figures, each with its floor, ratio and target."""

import statistics
from dataclasses import asdict, dataclass, field


class NotBuilt(Exception):
    """Raised by a benchmark whose feature is not in the tree yet; its row says n/a."""


@dataclass
class Row:
    bench: str
    label: str
    value: float | None = None
    unit: str = ""
    floor: float | None = None
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""
    # Raw per-run figures and anything the chart needs (percentiles…).
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def not_built(bench: str, what: str) -> Row:
    """A benchmark whose feature is not in the tree yet: reported, not failed."""
    return Row(bench=bench, label="-", note=f"n/a (not built yet: {what})")


def failed(bench: str, label: str, error: BaseException | str) -> Row:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return Row(bench=bench, label=label, note=f"error: {text[:140]}")


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); exact on small samples, no interpolation surprises."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
