"""The one wake-up for background work. The tables are the truth; a wake-up only shortens the wait.

Call `work_wake()` inside the transaction that made work due (a Delivery, a mail). It goes out with
the commit and never before: in the same process, idle worker threads wake at once (tests, embedded
setups); on PostgreSQL a NOTIFY, delivered by the database only if the transaction commits, wakes
the workers of every process. Without it, the workers' sweep (every 0.1 s) finds the rows anyway.
"""

import threading

from django.db import connection, transaction

CHANNEL = "comptoir_work"
_event = threading.Event()


def work_wake() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    transaction.on_commit(_event.set)


def work_wake_local() -> None:
    """Wake this process's idle threads now (a NOTIFY heard, a worker stopping)."""
    _event.set()


def work_wait(timeout: float) -> bool:
    """Block until a wake-up or `timeout`; True when woken."""
    woke = _event.wait(timeout)
    _event.clear()
    return woke
