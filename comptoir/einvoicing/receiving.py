"""What comes in from the PA: a supplier invoice deposited once, a lifecycle status recorded once.

An invoice goes through the one deposit door (channel `pa`, no depositor: the « Plateforme agréée »
system actor) into the company's « Achats », in the month folder of its issue date, so in the fiscal
year that holds it; with no such month folder, into the current year's « À classer » with the notice
« exercice absent ». The `Flow` row, unique on (connection, flow id), commits with the document: a flow
returned by two searches, or seen by two workers, is one document.

A status is kept whatever happens to its invoice: attached to the company's document with that
number from that seller when there is one, else waiting (no document) until the invoice arrives.
"""

import io
import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from comptoir.core.services import audit_event_record
from comptoir.einvoicing.cdar import CdarStatus
from comptoir.einvoicing.models import EinvoiceStatus, Flow, FlowDirection, StatusOrigin
from comptoir.ged.models import Channel, Document, FolderRole
from comptoir.ged.services.documents import document_deposit
from comptoir.intake.selectors import mailbox_folder_resolve, month_subfolder_for, unsorted_folder_resolve
from comptoir.invoices.models import InvoiceFacts
from comptoir.invoices.services import invoice_issue_date_peek
from comptoir.partners.models import Connection

logger = logging.getLogger(__name__)

DEPOSITOR = "Plateforme agréée"
NOTICE_NO_FISCAL_YEAR = "exercice absent"


def _target_folder(*, connection: Connection, issued: date | None):
    company = connection.company
    if issued is not None:
        achats = mailbox_folder_resolve(company=company, box=FolderRole.ACHATS, on=issued)
        if achats is not None and achats.role == FolderRole.MONTH:
            return achats, ""
        if achats is not None and month_subfolder_for(folder=achats, on=issued) is not None:
            return month_subfolder_for(folder=achats, on=issued), ""
    unsorted = unsorted_folder_resolve(company=company, on=timezone.localdate())
    return unsorted, NOTICE_NO_FISCAL_YEAR


def invoice_receive(*, connection: Connection, flow: dict, data: bytes, folders: dict | None = None) -> Document | None:
    """Deposit a received `SupplierInvoice` once; the document (the first one if it was already there).

    `folders` caches the target folder by issue month for one sync run (a backlog is mostly a few months)."""
    import hashlib

    flow_id = flow["flowId"]
    name = (flow.get("name") or f"{flow_id}.xml").rsplit("/", 1)[-1][:200]
    issued = invoice_issue_date_peek(data=data, filename=name, sha256=hashlib.sha256(data).hexdigest())
    month = issued.replace(day=1) if issued else None
    if folders is not None and month in folders:
        folder, notice = folders[month]
    else:
        folder, notice = _target_folder(connection=connection, issued=issued)
        if folders is not None:
            folders[month] = (folder, notice)
    if folder is None:
        logger.warning("PA flow %s: company %s has no folder to receive it", flow_id, connection.company_id)
        return None
    source = {"depositor": DEPOSITOR, "pa_flow_id": flow_id, "pa_connection": connection.pk}
    if notice:
        source["notice"] = notice
    try:
        with transaction.atomic():
            document = document_deposit(folder=folder, file=io.BytesIO(data), channel=Channel.PA, actor=None,
                                        filename=name, source=source,
                                        idempotency_key=f"pa:{connection.pk}:{flow_id}")
            _flow_record(connection=connection, flow=flow, document=document)
            statuses_attach(document=document)
    except IntegrityError:
        return Flow.objects.filter(connection=connection, flow_id=flow_id).values_list("document", flat=True).first()
    return document


def _flow_record(*, connection: Connection, flow: dict, document: Document | None = None) -> Flow:
    return Flow.objects.create(
        connection=connection, company_id=connection.company_id, flow_id=flow["flowId"],
        tracking_id=(flow.get("trackingId") or "")[:36], direction=flow.get("flowDirection") or FlowDirection.IN,
        flow_type=flow.get("flowType") or "", syntax=flow.get("flowSyntax") or "",
        ack_status=(flow.get("acknowledgement") or {}).get("status") or "",
        ack_details=(flow.get("acknowledgement") or {}).get("details") or [],
        remote_updated_at=flow_updated_at(flow), document=document)


def flow_updated_at(flow: dict):
    from datetime import datetime

    value = flow.get("updatedAt") or flow.get("submittedAt")
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _matching_documents(*, company_id: int, number: str, seller_siren: str):
    facts = InvoiceFacts.objects.filter(company_id=company_id, number=number, document__deleted_at__isnull=True)
    if seller_siren:
        facts = facts.filter(Q(seller_siren=seller_siren) | Q(seller_siren=""))
    return facts.order_by("document__deposited_at", "document_id").values_list("document_id", flat=True)


def status_document_find(*, company_id: int, status: CdarStatus) -> int | None:
    """The company's document this status is about (the first deposited, copies aside)."""
    return _matching_documents(company_id=company_id, number=status.invoice_number,
                               seller_siren=status.issuer_siren).first()


def status_receive(*, connection: Connection, flow: dict, status: CdarStatus) -> EinvoiceStatus | None:
    """Record a received lifecycle status once (the flow id is unique), attached when its invoice is known."""
    document_id = status_document_find(company_id=connection.company_id, status=status)
    try:
        with transaction.atomic():
            row = Flow.objects.filter(connection=connection, flow_id=flow["flowId"]).first()
            if row is not None:
                return None
            record = _flow_record(connection=connection, flow=flow)
            einvoice_status = EinvoiceStatus.objects.create(
                company_id=connection.company_id, flow=record, document_id=document_id,
                origin=StatusOrigin.RECEIVED, code=status.code, label=status.label, at=status.at,
                reason_code=status.reason_code, reason=status.reason, invoice_number=status.invoice_number,
                invoice_issue_date=status.invoice_issue_date, issuer_siren=status.issuer_siren, amount=status.amount)
            audit_event_record(actor=None, action="einvoice.status_received", target=einvoice_status,
                               firm_id=connection.company.firm_id,
                               data={"code": status.code, "number": status.invoice_number, "flow": flow["flowId"]})
    except IntegrityError:
        return None
    return einvoice_status


def statuses_attach(*, document: Document) -> int:
    """Statuses that arrived before their invoice, attached now that it is here."""
    try:
        facts = document.invoice_facts
    except InvoiceFacts.DoesNotExist:
        return 0
    if not facts.number:
        return 0
    waiting = EinvoiceStatus.objects.filter(company_id=document.company_id, document__isnull=True,
                                            invoice_number=facts.number)
    if facts.seller_siren:
        waiting = waiting.filter(Q(issuer_siren=facts.seller_siren) | Q(issuer_siren=""))
    return waiting.update(document=document)
