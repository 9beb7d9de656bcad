"""/metrics in the Prometheus text format: the counters every process keeps, plus two cheap readings.

Counters and histograms (deposits by channel, send outcomes by partner, send latency, attempt
duration, mail-in replies by code) are kept where things happen (`comptoir.core.metrics`) in files
shared by all processes: a scrape sums a few small files instead of counting tables. From the
database only what must be current, both served by the (status, next_attempt_at) index so their cost
follows the live queue, not the sent history: the queue by state, and the oldest due delivery's age.
"""

from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from comptoir.intake.models import QuarantinedDocument, QuarantineStatus
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.outbox import delivery_due_q

# The states a delivery waits or works in; sent, skipped, cancelled… are history (see the counters).
QUEUE_STATES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.SENDING)


class _QueueCollector:
    """Read at scrape time, in one query on the delivery_due_idx index: its cost follows the live queue."""

    def collect(self):
        now = timezone.now()
        # "Due" is the worker's own definition (comptoir.partners.outbox.delivery_due_q), as in /healthz.
        rows = {row["status"]: row for row in Delivery.objects.order_by().filter(status__in=QUEUE_STATES)
                .values("status").annotate(n=Count("status"), due_since=Min(
                    Coalesce("next_attempt_at", "lease_until", "created_at"), filter=delivery_due_q(now)))}
        queue = GaugeMetricFamily("comptoir_delivery_queue", "Deliveries waiting or being sent, by state.",
                                  labels=["status"])
        for status in QUEUE_STATES:
            queue.add_metric([str(status)], rows[status]["n"] if status in rows else 0)
        yield queue
        since = min((row["due_since"] for row in rows.values() if row["due_since"] is not None), default=None)
        age = max(0.0, (now - since).total_seconds()) if since else 0.0
        yield GaugeMetricFamily("comptoir_delivery_oldest_pending_age_seconds",
                                "How long the longest-waiting due delivery has waited (0 when none waits).",
                                value=round(age, 3))


class _QuarantineCollector:
    """Mail-in files held for a person's decision (pending), approved or rejected: a small table."""

    def collect(self):
        counts = dict(QuarantinedDocument.objects.order_by().values("status").annotate(n=Count("id"))
                      .values_list("status", "n"))
        family = GaugeMetricFamily("comptoir_quarantine_documents",
                                   "Mail-in files held for a person's decision (pending), approved or rejected.",
                                   labels=["status"])
        for status in QuarantineStatus.values:
            family.add_metric([status], counts.get(status, 0))
        yield family


def metrics_render() -> str:
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(_QueueCollector())
    registry.register(_QuarantineCollector())
    return generate_latest(registry).decode()
