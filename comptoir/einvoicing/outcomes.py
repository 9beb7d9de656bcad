"""What the PA says back about what Comptoir sent: acknowledgements and statuses that fail a delivery.

An `Out` flow's acknowledgement `Error` fails its delivery with each `reasonCode` and `reasonMessage`
(and is recorded as 213 « Rejetée » on the document); `Ok` confirms it. A 213 « Rejetée » CDAR about a
sent invoice fails that invoice's delivery the same way.
"""

from django.db import transaction

from comptoir.einvoicing.models import EinvoiceStatus, Flow, FlowDirection
from comptoir.einvoicing.receiving import flow_updated_at
from comptoir.partners.models import Connection, Delivery
from comptoir.partners.outbox import delivery_refused_after_send


def _reasons(details: list) -> str:
    return " ; ".join(f"{d.get('reasonCode', '?')} : {d.get('reasonMessage', '')}".strip()
                      for d in details if isinstance(d, dict)) or "refusé par la plateforme"


def acknowledgement_record(*, connection: Connection, flow: dict) -> bool:
    """Record an `Out` flow's acknowledgement; True when it changed."""
    ack = flow.get("acknowledgement") or {}
    status, details = ack.get("status") or "", ack.get("details") or []
    row = Flow.objects.filter(connection=connection, flow_id=flow["flowId"]).first()
    if row is None and flow.get("trackingId"):
        row = Flow.objects.filter(connection=connection, tracking_id=flow["trackingId"],
                                  direction=FlowDirection.OUT).first()
    if row is None or (row.ack_status == status and row.ack_details == details):
        return False
    with transaction.atomic():
        row.ack_status, row.ack_details, row.remote_updated_at = status, details, flow_updated_at(flow)
        row.save(update_fields=["ack_status", "ack_details", "remote_updated_at"])
        if status == "Error" and row.delivery_id:
            reasons = _reasons(details)
            delivery_refused_after_send(delivery=Delivery.objects.get(pk=row.delivery_id),
                                        reason=f"Rejetée par la plateforme : {reasons}")
    return True


def status_consequences(*, status: EinvoiceStatus) -> None:
    """A 213 « Rejetée » about one of the company's sent invoices fails its delivery."""
    if status.code != "213" or status.document_id is None:
        return
    sent = Flow.objects.filter(company_id=status.company_id, document_id=status.document_id,
                               direction=FlowDirection.OUT, delivery__isnull=False).first()
    if sent is None:
        return
    reason = f"{status.reason_code} : {status.reason}".strip(" :") or "sans motif"
    delivery_refused_after_send(delivery=Delivery.objects.get(pk=sent.delivery_id),
                                reason=f"Rejetée par la plateforme (213) : {reason}")


