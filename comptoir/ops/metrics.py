"""/metrics in the Prometheus text exposition format (version 0.0.4), computed from the database.

Every web process reads the same tables, so any replica answers the same numbers: no per-process
counters to aggregate, nothing lost when a process restarts.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, DurationField, F, Q, Sum
from django.utils import timezone

from comptoir.ged.models import Document
from comptoir.intake.models import QuarantinedDocument, QuarantineStatus
from comptoir.ops.health import delivery_due_since
from comptoir.partners.models import Delivery, DeliveryStatus

# Seconds from deposit to accepted by the partner's server.
LATENCY_BUCKETS = (1, 5, 15, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    label_text = ",".join(f'{key}="{_escape(str(val))}"' for key, val in labels.items())
    number = repr(float(value)) if isinstance(value, float) else str(value)
    return f"{name}{{{label_text}}} {number}" if label_text else f"{name} {number}"


def _family(name: str, kind: str, help_text: str, samples: Iterable[str]) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples]


def _deliveries_by_status() -> list[str]:
    rows = Delivery.objects.order_by().values("status", "app_slug").annotate(n=Count("id"))
    counts = {(row["status"], row["app_slug"]): row["n"] for row in rows}
    apps = sorted({app for _, app in counts})
    # Every status of every app that ever had a delivery, zeros included: alerts on absent series misfire.
    samples = [_sample("comptoir_deliveries", {"status": status, "app": app}, counts.get((status, app), 0))
               for app in apps for status in DeliveryStatus.values]
    return _family("comptoir_deliveries", "gauge", "Deliveries by status and partner app.", samples)


def _oldest_pending() -> list[str]:
    now = timezone.now()
    since = delivery_due_since(now=now)
    age = max(0.0, (now - since).total_seconds()) if since else 0.0
    return _family("comptoir_delivery_oldest_pending_age_seconds", "gauge",
                   "How long the longest-waiting due delivery has waited (0 when none waits).",
                   [_sample("comptoir_delivery_oldest_pending_age_seconds", {}, round(age, 3))])


def _send_latency() -> list[str]:
    """Cumulative histogram of created_at → sent_at over all sent deliveries, one query."""
    sent = Delivery.objects.order_by().filter(status=DeliveryStatus.SENT, sent_at__isnull=False)
    latency = F("sent_at") - F("created_at")
    aggregates = {f"le_{bound}": Count("id", filter=Q(sent_at__lte=F("created_at") + timedelta(seconds=bound)))
                  for bound in LATENCY_BUCKETS}
    rows = sent.values("app_slug").annotate(total=Count("id"), **aggregates).order_by("app_slug")
    name = "comptoir_delivery_send_latency_seconds"
    samples: list[str] = []
    sums = dict(sent.values("app_slug").annotate(s=Sum(latency, output_field=DurationField()))
                .values_list("app_slug", "s"))
    for row in rows:
        app = row["app_slug"]
        for bound in LATENCY_BUCKETS:
            samples.append(_sample(f"{name}_bucket", {"app": app, "le": str(bound)}, row[f"le_{bound}"]))
        samples.append(_sample(f"{name}_bucket", {"app": app, "le": "+Inf"}, row["total"]))
        samples.append(_sample(f"{name}_count", {"app": app}, row["total"]))
        total_seconds = sums.get(app)
        samples.append(_sample(f"{name}_sum", {"app": app},
                               round(total_seconds.total_seconds() if total_seconds else 0.0, 3)))
    return _family(name, "histogram", "Time from deposit to delivery accepted by the partner.", samples)


def _deposits_by_channel() -> list[str]:
    rows = Document.objects.order_by().values("channel").annotate(n=Count("id")).order_by("channel")
    samples = [_sample("comptoir_deposits_total", {"channel": row["channel"]}, row["n"]) for row in rows]
    return _family("comptoir_deposits_total", "counter", "Documents deposited, by channel.", samples)


def _quarantine() -> list[str]:
    counts = dict(QuarantinedDocument.objects.order_by().values("status").annotate(n=Count("id"))
                  .values_list("status", "n"))
    samples = [_sample("comptoir_quarantine_documents", {"status": status}, counts.get(status, 0))
               for status in QuarantineStatus.values]
    return _family("comptoir_quarantine_documents", "gauge",
                   "Mail-in files held for a person's decision (pending), approved or rejected.", samples)


def metrics_render() -> str:
    lines = [*_deliveries_by_status(), *_oldest_pending(), *_send_latency(), *_deposits_by_channel(),
             *_quarantine()]
    return "\n".join(lines) + "\n"
