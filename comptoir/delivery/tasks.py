"""Wake-ups: a task carrying the ids of deliveries that became due. The Delivery table stays the truth.

With the database task backend the task row is written in the deposit's own transaction, so a
committed deposit always has its wake-up and a rolled-back one never has. Whoever runs the task
(our worker, or another django.tasks runner at scale) sends the deliveries; if the task is lost,
the worker's sweep finds the rows anyway.
"""

import os
import socket
import threading

from django.db import transaction
from django.tasks import task, task_backends

# Set by the worker when the wake-up lands in the same process, so idle threads poll at once.
local_wake = threading.Event()


def worker_id_default() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@task()
def deliveries_send(delivery_ids: list[int]) -> int:
    from comptoir.delivery.services import delivery_send

    worker_id = worker_id_default()
    sent = 0
    for delivery_id in delivery_ids:
        if delivery_send(delivery_id=delivery_id, worker_id=worker_id) is not None:
            sent += 1
    return sent


def _writes_to_our_database() -> bool:
    backend = task_backends[deliveries_send.backend]
    return type(backend).__module__.startswith("django_tasks_db")


def deliveries_wakeup(delivery_ids: list[int]) -> None:
    """Registered with partners: called inside the transaction that made the deliveries due."""
    ids = sorted(set(delivery_ids))
    transaction.on_commit(local_wake.set)
    if _writes_to_our_database():
        deliveries_send.enqueue(ids)
    else:
        # A queue outside our database must never hear of a deposit that might still roll back.
        transaction.on_commit(lambda: deliveries_send.enqueue(ids))
