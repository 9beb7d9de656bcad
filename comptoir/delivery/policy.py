"""The retry policy: when to try again after a transient error, and when to give up."""

import random
from datetime import timedelta

# 1, 2, 4 … minutes, capped at 6 hours: twelve attempts span about a day.
MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# ±20 % so that a relay coming back up is not hit by every waiting delivery in the same second.
JITTER = 0.2


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1-based)."""
    base = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return base * (1 + random.uniform(-JITTER, JITTER))


def attempts_exhausted(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS
