"""Who to wake when deliveries become due. `delivery` registers itself here at start-up.

Partners creates the outbox rows; it does not know how they are sent. Callables receive the ids of
deliveries that became due, inside the transaction that made them due (use on_commit / a task).
"""

from collections.abc import Callable, Iterable

Wakeup = Callable[[list[int]], None]
_wakeups: list[Wakeup] = []


def delivery_wakeup_register(wakeup: Wakeup) -> None:
    if wakeup not in _wakeups:
        _wakeups.append(wakeup)


def deliveries_wake(delivery_ids: Iterable[int]) -> None:
    ids = list(delivery_ids)
    if not ids:
        return
    for wakeup in list(_wakeups):
        wakeup(ids)
