"""The PA sync: a periodic job (`COMPTOIR_PA_SYNC_SECONDS`) that pages through `POST /v1/flows/search`.

The cursor is the PA's own `updatedAt` (never our clock): each page asks for what changed after the
newest `updatedAt` of the page before; a run starts a little before where the last one stopped
(`OVERLAP`), so flows that tie on `updatedAt` at a boundary are not lost, and the flows seen again
are known by their flow id (`Flow` is unique on it). Both directions are searched: `In` for invoices
and statuses, `Out` for the acknowledgements of what Comptoir submitted.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone

from comptoir.einvoicing.cdar import CdarUnreadable, cdar_read
from comptoir.einvoicing.client import SEARCH_LIMIT, FlowServiceClient
from comptoir.einvoicing.connections import pa_client_for
from comptoir.einvoicing.models import Flow, FlowDirection, SyncCursor
from comptoir.einvoicing.outcomes import acknowledgement_record, status_consequences
from comptoir.einvoicing.receiving import flow_updated_at, invoice_receive, status_receive
from comptoir.jobs.scheduler import PeriodicJob
from comptoir.partners.models import Connection
from comptoir.partners.transports import DeliveryError

logger = logging.getLogger(__name__)

SYNC_JOB = "pa_sync"
OVERLAP = timedelta(seconds=120)
TICK = timedelta(seconds=10)
INVOICE_TYPES = ("SupplierInvoice",)
STATUS_TYPES = ("CustomerInvoiceLC", "SupplierInvoiceLC")


@dataclass
class SyncResult:
    searches: int = 0
    seen: int = 0
    invoices: int = 0
    statuses: int = 0
    acknowledgements: int = 0
    errors: list[str] = field(default_factory=list)
    # The oldest `updatedAt` of a flow that could not be read: the cursor stays before it.
    held_back: object = None
    # Target folders by issue month, for this run only (a folder trashed meanwhile is found next run).
    folders: dict = field(default_factory=dict)


def _stamp(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pa_connections():
    return (Connection.objects.filter(installation__app_slug="pa", installation__removed_at__isnull=True,
                                      revoked_at__isnull=True, company__archived_at__isnull=True)
            .select_related("company", "installation").order_by("id"))


def _due(connection: Connection, now) -> bool:
    cursor = SyncCursor.objects.filter(connection=connection).first()
    if cursor is None or cursor.synced_at is None:
        return True
    every = cursor.every_seconds or settings.COMPTOIR_PA_SYNC_SECONDS
    return cursor.synced_at <= now - timedelta(seconds=every) + TICK / 2


def pa_sync(scope: str = "") -> int:
    """Sync every PA connection that is due; how many flows were new."""
    done, now = 0, timezone.now()
    for connection in list(pa_connections()):
        if not _due(connection, now):
            continue
        try:
            result = connection_sync(connection=connection)
        except DeliveryError as exc:
            logger.warning("PA sync of connection %s: %s", connection.pk, exc.reply)
            continue
        done += result.invoices + result.statuses + result.acknowledgements
    return done


def connection_sync(*, connection: Connection, client: FlowServiceClient | None = None) -> SyncResult:
    own_client = client is None
    client = client or pa_client_for(connection)
    cursor, _created = SyncCursor.objects.get_or_create(connection=connection)
    after = cursor.updated_after - OVERLAP if cursor.updated_after else None
    newest, result, seen = cursor.updated_after, SyncResult(), set()
    try:
        while True:
            where = {"flowDirection": ["In", "Out"]}
            if after is not None:
                where["updatedAfter"] = _stamp(after)
            page = client.flow_search(where=where, limit=SEARCH_LIMIT)
            result.searches += 1
            fresh = [flow for flow in page if (flow["flowId"], flow.get("updatedAt")) not in seen]
            for flow in fresh:
                seen.add((flow["flowId"], flow.get("updatedAt")))
                result.seen += 1
                _flow_handle(connection=connection, client=client, flow=flow, result=result)
            stamps = [stamp for stamp in (flow_updated_at(flow) for flow in page) if stamp is not None]
            if stamps:
                after = max(stamps)
                newest = max(newest, after) if newest else after
                if result.held_back is not None:
                    newest = min(newest, result.held_back - timedelta(microseconds=1))
                # The cursor moves as each page is done: a run stopped halfway resumes from here.
                SyncCursor.objects.filter(pk=cursor.pk).update(updated_after=newest)
            if len(page) < SEARCH_LIMIT or not fresh or not stamps:
                break
    finally:
        if own_client:
            client.close()
    SyncCursor.objects.filter(pk=cursor.pk).update(updated_after=newest, synced_at=timezone.now())
    return result


def _flow_handle(*, connection: Connection, client: FlowServiceClient, flow: dict, result: SyncResult) -> None:
    direction, flow_type = flow.get("flowDirection"), flow.get("flowType")
    if direction == FlowDirection.OUT:
        if acknowledgement_record(connection=connection, flow=flow):
            result.acknowledgements += 1
        return
    if Flow.objects.filter(connection=connection, flow_id=flow["flowId"]).exists():
        return  # seen before (the overlap, a second search): one document, one status, ever
    try:
        if flow_type in INVOICE_TYPES:
            data = client.flow_download(flow["flowId"], doc_type="Original")
            if invoice_receive(connection=connection, flow=flow, data=data, folders=result.folders) is not None:
                result.invoices += 1
        elif flow_type in STATUS_TYPES:
            data = client.flow_download(flow["flowId"], doc_type="Original")
            try:
                status = cdar_read(data)
            except CdarUnreadable as exc:
                result.errors.append(f"{flow['flowId']}: {exc}")
                logger.warning("PA flow %s: %s", flow["flowId"], exc)
                return
            recorded = status_receive(connection=connection, flow=flow, status=status)
            if recorded is not None:
                result.statuses += 1
                status_consequences(status=recorded)
    except DeliveryError as exc:
        # Not recorded: the next run (from a cursor that did not pass it, or the overlap) tries again.
        result.errors.append(f"{flow['flowId']}: {exc.reply}")
        stamp = flow_updated_at(flow)
        if stamp is not None and (result.held_back is None or stamp < result.held_back):
            result.held_back = stamp
        logger.warning("PA flow %s not received: %s", flow["flowId"], exc.reply)


def sync_job() -> PeriodicJob:
    # The job ticks at least every 10 s; each connection is synced on its own period (`_due`).
    every = timedelta(seconds=max(1, min(settings.COMPTOIR_PA_SYNC_SECONDS, TICK.total_seconds())))
    return PeriodicJob(name=SYNC_JOB, run=pa_sync, every=every)
