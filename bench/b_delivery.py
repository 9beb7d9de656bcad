"""3. Delivery throughput: a backlog of pending deliveries drained by 1 and 4 `comptoir worker` processes,
against a plain smtplib loop sending the same messages to the same server over one connection.

The backlog is made in one transaction (documents sharing one stored 100 KB PDF, one pending
delivery each, as the deposit's subscriber would write them) while the workers idle, so the clock
starts when they all become due and stops when the SMTP server has the last one.
"""

import io
import smtplib
import time
import uuid

from bench.context import Context
from bench.harness import cpu_seconds, pdf_bytes, process_tree, wait_until
from bench.results import NotBuilt, Row, median
from bench.seed import optional, probe_deposit, switched_folder
from bench.servers import sink_start, workers_start

NAME = "delivery"
DOC_SIZE = 100 * 1024
# Same-run ratios to the smtplib floor (issue #11): one worker ≥ 60 %, four ≥ 90 %.
TARGET_RATIOS = {1: 0.6, 2: 0.6, 4: 0.9}
LEVELS = (1, 4)


def idle_wait(pids: list[int], *, timeout: float = 60) -> None:
    """Wait until these processes stop burning CPU (booted, caught up), so they do not skew the clock."""
    tree = [p for pid in pids for p in process_tree(pid)]
    last = [cpu_seconds(tree)]

    def quiet() -> bool:
        time.sleep(0.3)
        now = cpu_seconds(tree)
        calm, last[0] = now - last[0] <= 0.06, now  # ≤ 20 % of a core over the window
        return calm

    wait_until(quiet, timeout=timeout, what="the workers to go idle", interval=0)


def _backlog_create(*, folder, world, count: int, tag: str) -> tuple[list[int], float]:
    """`count` pending deliveries, committed at once; their ids and when they became due."""
    from django.db import transaction

    from comptoir.ged.blobs import blob_store
    from comptoir.ged.models import Document
    from comptoir.partners.models import Delivery, DeliveryStatus, FolderSwitch

    switch = FolderSwitch.objects.select_related("destination", "connection__installation").get(folder=folder)
    stored = blob_store(stream=io.BytesIO(pdf_bytes(DOC_SIZE, tag)), company_id=folder.company_id)
    with transaction.atomic():
        documents = Document.objects.bulk_create([
            Document(company_id=folder.company_id, folder=folder, name=f"facture-{tag}-{i}.pdf",
                     original_filename=f"facture-{tag}-{i}.pdf", blob=stored.key, sha256=stored.sha256,
                     size=stored.size, content_type="application/pdf", channel="api", depositor=world.admin)
            for i in range(count)
        ], batch_size=500)
        if not documents[0].pk:  # backends that do not return ids from bulk inserts
            documents = list(Document.objects.filter(name__startswith=f"facture-{tag}-").order_by("id"))
        Delivery.objects.bulk_create([
            Delivery(document=document, lineage=document.lineage, destination=switch.destination,
                     company_id=folder.company_id, firm_id=world.firm.pk,
                     app_slug=switch.connection.installation.app_slug, trigger="deposit",
                     status=DeliveryStatus.PENDING)
            for document in documents
        ], batch_size=500)
    committed_at = time.time()
    ids = Delivery.objects.filter(document__name__startswith=f"facture-{tag}-").values_list("pk", flat=True)
    return list(ids), committed_at


def _floor(*, delivery_ids: list[int], port: int) -> float:
    """Sends/s of one smtplib connection sending the messages the workers just sent."""
    from comptoir.partners.models import Delivery

    build = optional("comptoir.partners.transports.email", "delivery_message_build")
    deliveries = Delivery.objects.select_related("document__company__firm", "document__folder", "company", "firm",
                                                 "destination").filter(pk__in=delivery_ids)
    payloads = []
    for delivery in deliveries:
        message = build(delivery, recipient=delivery.destination.address)
        payloads.append((delivery.destination.address,
                         message.as_bytes(policy=message.policy.clone(linesep="\r\n"))))
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for recipient, payload in payloads:
            client.sendmail("envoi@comptoir.localhost", [recipient], payload)
    return len(payloads) / (time.perf_counter() - start)


def run(ctx: Context) -> list[Row]:
    if optional("comptoir.partners.transports.email", "delivery_message_build") is None:
        raise NotBuilt("comptoir.partners.transports.email.delivery_message_build")
    world = ctx.world()
    folder = switched_folder(world, name=f"Banc envoi {uuid.uuid4().hex[:6]}")
    count = ctx.size(12, 2000)
    sink = sink_start(ctx.stage)
    levels = ctx.size((1, 2), LEVELS)  # --quick only checks that it works: fewer processes to boot
    rates: dict[int, list[float]] = {level: [] for level in levels}
    floors: list[float] = []
    try:
        for run_number in range(ctx.runs):
            for level in levels:
                workers = workers_start(ctx.stage, count=level, email_port=sink.port)
                try:
                    # Every worker up and having sent once (one probe each), then quiet.
                    probes = [pk for i in range(level) for pk in probe_deposit(
                        world, folder, tag=f"dw{run_number}-{level}-{i}-{uuid.uuid4().hex[:4]}")]
                    sink.wait_for(probes, timeout=90, senders=workers)
                    idle_wait([w.pid for w in workers])
                    ids, due_at = _backlog_create(folder=folder, world=world, count=count,
                                          tag=f"d{run_number}-{level}-{uuid.uuid4().hex[:4]}")
                    arrived = sink.wait_for(ids, timeout=120 + count, senders=workers)
                    rates[level].append(len(ids) / (max(arrived.values()) - due_at))
                finally:
                    for worker in workers:
                        ctx.stage.stop(worker)
                if level == levels[0]:
                    floors.append(_floor(delivery_ids=ids, port=sink.port))
    finally:
        ctx.stage.stop(sink.proc)
    floor = median(floors)
    rows = []
    for level in levels:
        value = median(rates[level])
        ratio = value / floor if floor else None
        target = TARGET_RATIOS[level]
        rows.append(Row(
            bench=NAME, label=f"{count} pending, {level} worker{'s' if level > 1 else ''}", value=value,
            unit="sends/s", floor=floor, ratio=ratio, target=f"≥ {target:.0%} of floor",
            ok=ratio >= target if ratio is not None else None,
            extra={"runs": rates[level], "floor_runs": floors},
        ))
    return rows
