"""Reads of the PA area: a document's e-invoice (direction, flow, status and history) and the dashboard's lists."""

from django.db.models import Exists, OuterRef, Q
from django.utils.html import format_html

from comptoir.einvoicing.models import EinvoiceStatus, Flow, FlowDirection
from comptoir.einvoicing.statuses import ANSWERS, REJECTIONS, status_label
from comptoir.ged.models import Document


def einvoice_flow_for_document(*, document: Document) -> Flow | None:
    """The invoice flow this document came in or went out by (copies share it through the lineage)."""
    return (Flow.objects.filter(Q(document=document) | Q(document__lineage=document.lineage,
                                                         document__company_id=document.company_id),
                                flow_type__in=("SupplierInvoice", "CustomerInvoice"))
            .order_by("id").first())


def einvoice_statuses_for_document(*, document: Document) -> list[EinvoiceStatus]:
    return list(EinvoiceStatus.objects.filter(document=document).order_by("-at", "-id"))


def _status_dict(status: EinvoiceStatus) -> dict:
    reason = " – ".join(part for part in (status.reason_code, status.reason) if part) or None
    return {"code": status.code, "label": status_label(status.code, status.label), "at": status.at.isoformat(),
            "reason": reason, "origin": status.origin}


def einvoice_api_dict(*, document: Document) -> dict | None:
    """`einvoice` of GET /api/v1/documents/{id}: null when the document never went through a PA."""
    flow = einvoice_flow_for_document(document=document)
    statuses = einvoice_statuses_for_document(document=document)
    if flow is None and not statuses:
        return None
    direction = "received" if flow is None or flow.direction == FlowDirection.IN else "sent"
    history = [_status_dict(status) for status in statuses]
    return {"app": "pa", "direction": direction, "flow_id": flow.flow_id if flow else None,
            "status": history[0] if history else None, "history": history}


def received_to_answer(*, documents):
    """Received e-invoices no one has answered yet (« Factures reçues à traiter »)."""
    answered = EinvoiceStatus.objects.filter(document=OuterRef("pk"), code__in=ANSWERS + ("212",))
    received = Flow.objects.filter(document=OuterRef("pk"), direction=FlowDirection.IN, flow_type="SupplierInvoice")
    return (documents.filter(Exists(received), deleted_at__isnull=True).exclude(Exists(answered))
            .order_by("-deposited_at"))


def sent_rejected(*, documents):
    """Sent e-invoices that came back 213 « Rejetée » or 210 « Refusée » (« Rejets et refus »)."""
    rejected = EinvoiceStatus.objects.filter(document=OuterRef("pk"), code__in=REJECTIONS)
    sent = Flow.objects.filter(document=OuterRef("pk"), direction=FlowDirection.OUT)
    return documents.filter(Exists(rejected), Exists(sent), deleted_at__isnull=True).order_by("-deposited_at")


def einvoice_badges_for_rows(*, user, documents: list) -> dict[int, str]:
    """The current lifecycle status of each row's e-invoice, written into the folder rows in one query (no
    request per row); rows of documents that never went through a PA get nothing. The document page loads
    the whole panel (history, answer form) from its URL."""
    latest: dict[int, EinvoiceStatus] = {}
    for status in EinvoiceStatus.objects.filter(document__in=[document.pk for document in documents]):
        latest.setdefault(status.document_id, status)  # ordered newest first
    return {document_id: format_html('<span class="badge einvoice-status" data-code="{}">{} {}</span>',
                                     status.code, status.code, status.display_label)
            for document_id, status in latest.items()}
