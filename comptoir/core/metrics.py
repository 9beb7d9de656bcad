"""Prometheus counters and histograms, updated where things happen; /metrics only reads them.

Every process (gunicorn workers, delivery workers, mail-in) writes its samples to memory-mapped files
in PROMETHEUS_MULTIPROC_DIR (the settings module points it at COMPTOIR_METRICS_DIR, by default
DATA_DIR/metrics, before anything imports prometheus_client); a scrape sums the files. So a scrape
costs the same at a million deliveries as at ten, and any web process answers for all of them.

In `core` so that every app may count without importing the apps above it; `comptoir.ops` serves them.
Counts are taken on commit: a rolled-back deposit or outcome is not counted.
"""

from datetime import datetime

from django.db import transaction
from prometheus_client import Counter, Histogram

# Seconds from deposit to accepted by the partner's server.
LATENCY_BUCKETS = (1, 5, 15, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600)
# Seconds one send attempt takes (connect, transfer, the partner's reply).
ATTEMPT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

DEPOSITS = Counter("comptoir_deposits", "Documents deposited, by channel.", ["channel"])
DELIVERY_OUTCOMES = Counter("comptoir_delivery_outcomes",
                            "Send attempts by the state they left the delivery in, and partner app.",
                            ["app", "outcome"])
SEND_LATENCY = Histogram("comptoir_delivery_send_latency_seconds",
                         "Time from deposit to delivery accepted by the partner.", ["app"], buckets=LATENCY_BUCKETS)
ATTEMPT_DURATION = Histogram("comptoir_delivery_attempt_duration_seconds", "Time one send attempt took.",
                             ["app"], buckets=ATTEMPT_BUCKETS)
MAILIN_REPLIES = Counter("comptoir_mailin_replies", "Replies of the mail-in listener, by stage and SMTP code.",
                         ["stage", "code"])


def metrics_files_clear() -> None:
    """A fresh start for the whole set (`comptoir serve`): the files of processes gone are dropped, so
    their number does not grow with every restart. Prometheus reads the drop as a counter reset."""
    from django.conf import settings

    for path in settings.METRICS_DIR.glob("*.db"):
        path.unlink(missing_ok=True)


def deposit_counted(*, channel: str) -> None:
    transaction.on_commit(lambda: DEPOSITS.labels(channel=channel).inc())


def delivery_outcome_counted(*, app: str, outcome: str, deposited_at: datetime, started_at: datetime,
                             finished_at: datetime) -> None:
    """One attempt's outcome (the delivery's new status: sent, retrying, failed, dead)."""

    def count() -> None:
        DELIVERY_OUTCOMES.labels(app=app, outcome=outcome).inc()
        ATTEMPT_DURATION.labels(app=app).observe(max(0.0, (finished_at - started_at).total_seconds()))
        if outcome == "sent":
            SEND_LATENCY.labels(app=app).observe(max(0.0, (finished_at - deposited_at).total_seconds()))

    transaction.on_commit(count)


def mailin_reply_counted(*, stage: str, reply: str) -> None:
    """`reply` as answered to the client, e.g. "550 5.1.1 …"; counted by its three-digit code."""
    MAILIN_REPLIES.labels(stage=stage, code=reply[:3]).inc()
