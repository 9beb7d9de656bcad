"""Exponential backoff with jitter, shared by every outbox (partner deliveries, mail to people)."""

import random
from datetime import timedelta


def backoff_delay(*, attempts: int, base: timedelta, cap: timedelta, jitter: float) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1-based): base, 2×base, 4×base … up to cap, ±jitter."""
    delay = min(base * (2 ** max(attempts - 1, 0)), cap)
    return delay * (1 + random.uniform(-jitter, jitter))
