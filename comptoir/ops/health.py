"""What /healthz checks: the database answers, storage takes a write, workers keep up.

The storage probe writes and deletes an object, which costs a request to S3 (and a noncurrent version
where the bucket keeps them). Anyone may call /healthz, so an anonymous call probes storage at most
once per `COMPTOIR_HEALTH_STORAGE_SECONDS` per process and otherwise repeats the last answer; the
monitoring that holds the metrics token gets a fresh probe on every call (docs/deploy.md).
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import connection
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from comptoir.partners.models import Delivery
from comptoir.partners.outbox import delivery_due_q

logger = logging.getLogger(__name__)


@dataclass
class HealthReport:
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    def as_dict(self) -> dict:
        return {"status": "ok" if self.healthy else "fail", "checks": self.checks}


def delivery_due_since(*, now: datetime) -> datetime | None:
    """When the longest-waiting due delivery became due, or None when nothing waits.

    "Due" is the worker's own definition (pending/retrying whose time has come, or a killed
    worker's expired lease). Served by the (status, next_attempt_at) index: the cost does not
    grow with the sent history.
    """
    oldest = Delivery.objects.filter(delivery_due_q(now)).aggregate(
        since=Min(Coalesce("next_attempt_at", "lease_until", "created_at"))
    )["since"]
    return oldest


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.exception("healthz: database check failed")
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _check_storage() -> dict:
    """Write then delete a tiny object: proves credentials, bucket and permissions, not just DNS."""
    try:
        key = default_storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"ok"))
        default_storage.delete(key)
    except Exception as exc:
        logger.exception("healthz: storage check failed")
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


_storage_probe_lock = threading.Lock()
_storage_probe_last: dict = {}  # {"key": the storage probed, "at": monotonic time, "result": dict}


def _check_storage_limited(*, every_seconds: float, fresh: bool) -> dict:
    """The storage probe, run at most once per `every_seconds` unless `fresh` (the operator's deep check)."""
    key = id(storages["default"])  # a new backend (settings changed) is probed anew
    with _storage_probe_lock:
        last = _storage_probe_last
        if (not fresh and last.get("key") == key and every_seconds > 0
                and time.monotonic() - last["at"] < every_seconds):
            return last["result"]
        result = _check_storage()
        _storage_probe_last.update(key=key, at=time.monotonic(), result=result)
        return result


def _check_worker(*, max_lag_seconds: int, database_ok: bool) -> dict:
    if not database_ok:
        return {"ok": False, "error": "database unavailable"}
    now = timezone.now()
    try:
        since = delivery_due_since(now=now)
    except Exception as exc:  # e.g. migrations not applied: unhealthy, not a 500
        logger.exception("healthz: outbox query failed")
        return {"ok": False, "error": type(exc).__name__}
    lag = max(0.0, (now - since).total_seconds()) if since else 0.0
    ok = max_lag_seconds <= 0 or lag <= max_lag_seconds
    return {"ok": ok, "lag_seconds": round(lag, 3), "max_lag_seconds": max_lag_seconds}


def health_check(*, max_lag_seconds: int, storage_every_seconds: float = 0, deep: bool = True) -> HealthReport:
    report = HealthReport()
    report.checks["database"] = _check_database()
    report.checks["storage"] = _check_storage_limited(every_seconds=storage_every_seconds, fresh=deep)
    report.checks["worker"] = _check_worker(max_lag_seconds=max_lag_seconds,
                                            database_ok=report.checks["database"]["ok"])
    return report
