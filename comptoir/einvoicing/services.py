"""Answering a received e-invoice: a CDAR D22B built, submitted to the PA as a `CDAR` flow, recorded.

The same code as the current status is no new flow. 206, 207, 208 and 210 need a reason. The flow is
submitted outside any transaction (search by `trackingId` after a timeout, never a second POST), then
the status is recorded with its flow, so a refused submission leaves nothing behind.
"""

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from comptoir.core.services import audit_event_record
from comptoir.einvoicing.cdar import cdar_build
from comptoir.einvoicing.connections import pa_client_for
from comptoir.einvoicing.models import EinvoiceStatus, Flow, FlowDirection, StatusOrigin
from comptoir.einvoicing.policy import einvoice_policy
from comptoir.einvoicing.receiving import flow_updated_at
from comptoir.einvoicing.selectors import einvoice_flow_for_document
from comptoir.einvoicing.statuses import STATUSES, status_label
from comptoir.ged.models import Document
from comptoir.invoices.models import InvoiceFacts
from comptoir.partners.transports import TransientError


class AnswerError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Answer:
    submitted: bool
    status: EinvoiceStatus | None


def einvoice_status_answer(*, document: Document, code: str, reason: str, actor, reason_code: str = "") -> Answer:
    """The buyer's answer `code` to a received invoice. Raises AnswerError (`not_received`,
    `invalid_code`, `reason_required`), PermissionDenied, or the PA's DeliveryError."""
    flow = einvoice_flow_for_document(document=document)
    if flow is None or flow.direction != FlowDirection.IN:
        raise AnswerError("not_received", "Ce document n'est pas une facture reçue d'une plateforme agréée.")
    einvoice_policy.require(actor, "einvoice.answer", document)
    spec = STATUSES.get(str(code))
    if spec is None or not spec.answer:
        raise AnswerError("invalid_code", "Réponses possibles : 204, 205, 206, 207, 208, 210, 211.")
    reason = (reason or "").strip()
    if spec.needs_reason and not (reason or reason_code):
        raise AnswerError("reason_required", f"Le statut {code} « {status_label(spec.code)} » demande un motif.")
    current = EinvoiceStatus.objects.filter(document=document).order_by("-at", "-id").first()
    if current is not None and current.code == spec.code:
        return Answer(submitted=False, status=current)
    facts = InvoiceFacts.objects.filter(document=document).first()
    if facts is None or not facts.number or not facts.issue_date:
        raise AnswerError("not_received", "La facture reçue n'a pas de numéro ou de date lisible.")
    now = timezone.now()
    data = cdar_build(code=spec.code, label=status_label(spec.code), at=now, invoice_number=facts.number,
                      invoice_issue_date=facts.issue_date, invoice_type_code=facts.type_code or "380",
                      seller_siren=facts.seller_siren, seller_name=facts.seller_name,
                      buyer_siren=document.company.siren, buyer_name=document.company.name,
                      reason_code=reason_code, reason=reason)
    count = EinvoiceStatus.objects.filter(document=document, origin=StatusOrigin.SENT).count()
    tracking_id = f"cdv-{document.pk}-{spec.code}-{count + 1}"[:36]
    submitted = _submit(connection=flow.connection, tracking_id=tracking_id, data=data,
                        name=f"CDV-{spec.code}-{facts.number}.xml")
    with transaction.atomic():
        row = Flow.objects.create(connection=flow.connection, company_id=document.company_id,
                                  flow_id=submitted["flowId"], tracking_id=tracking_id, direction=FlowDirection.OUT,
                                  flow_type=submitted.get("flowType") or "SupplierInvoiceLC", syntax="CDAR",
                                  ack_status=(submitted.get("acknowledgement") or {}).get("status") or "Pending",
                                  remote_updated_at=flow_updated_at(submitted))
        status = EinvoiceStatus.objects.create(
            company_id=document.company_id, flow=row, document=document, origin=StatusOrigin.SENT, code=spec.code,
            label=status_label(spec.code), at=now, reason_code=reason_code, reason=reason,
            invoice_number=facts.number, invoice_issue_date=facts.issue_date, issuer_siren=facts.seller_siren,
            sent_by=actor)
        audit_event_record(actor=actor, action="einvoice.status_sent", target=status,
                           firm_id=document.company.firm_id,
                           data={"code": spec.code, "document": document.pk, "flow": row.flow_id})
    return Answer(submitted=True, status=status)


def _submit(*, connection, tracking_id: str, data: bytes, name: str) -> dict:
    client = pa_client_for(connection)
    info = {"trackingId": tracking_id, "name": name, "processingRule": "B2B", "flowSyntax": "CDAR",
            "sha256": hashlib.sha256(data).hexdigest()}
    try:
        try:
            return client.flow_submit(flow_info=info, filename=name, content=data, content_type="application/xml")
        except TransientError:
            found = client.flow_by_tracking_id(tracking_id)
            if found is None:
                raise
            return found
    finally:
        client.close()


def pa_sync_period_set(*, connection, seconds: int | None) -> None:
    """This connection's own sync period (the demo's 10 s); None: COMPTOIR_PA_SYNC_SECONDS."""
    from comptoir.einvoicing.models import SyncCursor

    SyncCursor.objects.update_or_create(connection=connection, defaults={"every_seconds": seconds})
