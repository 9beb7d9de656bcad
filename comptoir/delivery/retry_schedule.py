"""The retry schedule of partner deliveries: when to try again after a transient error, and when to give up."""

from datetime import timedelta

from comptoir.jobs.backoff import backoff_delay

# 1, 2, 4 … minutes, capped at 6 hours: twelve attempts span about a day.
MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# ±20 % so that a relay coming back up is not hit by every waiting delivery in the same second.
JITTER = 0.2


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1-based)."""
    return backoff_delay(attempts=attempts, base=BACKOFF_BASE, cap=BACKOFF_CAP, jitter=JITTER)


def attempts_exhausted(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS
