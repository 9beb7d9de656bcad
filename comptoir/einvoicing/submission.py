"""Sending a structured sales invoice to the PA: one `POST /v1/flows`, never two.

`trackingId` is derived from the delivery (`comptoir-<id>`, ≤ 36 characters as the swagger says), so
it is the same on every attempt. A retried attempt, and an attempt whose POST timed out (the PA may
hold the flow), first search the PA's flows by that `trackingId` and take the flow found rather than
post again. 5xx, 429 (`Retry-After`) and connection errors are retried as for Upflow (`ApiTransport`).

`flowProfile` is an assumption, written in docs/partners/pa.md: `Extended-CTC-FR` when the file's
guideline names it, `CIUS` for EN 16931, `Basic` otherwise.
"""

import hashlib
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from comptoir.einvoicing.connections import pa_client_for
from comptoir.einvoicing.models import Flow, FlowDirection
from comptoir.einvoicing.receiving import flow_updated_at
from comptoir.ged.blobs import blob_open
from comptoir.invoices.models import InvoiceFacts, InvoiceStatus
from comptoir.partners.transports import PermanentError, TransientError, Transport

if TYPE_CHECKING:
    from comptoir.partners.catalogue.base import PartnerApp
    from comptoir.partners.models import Delivery

SYNTAXES = {"factur-x": "Factur-X", "cii": "CII", "ubl": "UBL"}


def flow_profile(*, facts: InvoiceFacts, content: bytes) -> str:
    if b"extended-ctc-fr" in content.lower():
        return "Extended-CTC-FR"
    if (facts.profile or "").lower() == "en16931":
        return "CIUS"
    return "Basic"


def tracking_id_for(delivery: "Delivery") -> str:
    return f"comptoir-{delivery.pk}"[:36]


def _sent_record(*, delivery: "Delivery", flow: dict, tracking_id: str) -> None:
    connection = delivery.destination.connection
    try:
        with transaction.atomic():
            Flow.objects.update_or_create(
                connection=connection, flow_id=flow["flowId"],
                defaults={"company_id": connection.company_id, "tracking_id": tracking_id,
                          "direction": FlowDirection.OUT, "flow_type": flow.get("flowType") or "CustomerInvoice",
                          "syntax": flow.get("flowSyntax") or "", "document_id": delivery.document_id,
                          "delivery_id": delivery.pk,
                          "ack_status": (flow.get("acknowledgement") or {}).get("status") or "Pending",
                          "remote_updated_at": flow_updated_at(flow)})
    except IntegrityError:
        pass


class PaFlowTransport(Transport):
    kind = "api"

    def send(self, *, app: "PartnerApp", delivery: "Delivery") -> str:
        document = delivery.document
        try:
            facts = document.invoice_facts
        except InvoiceFacts.DoesNotExist:
            facts = None
        if facts is None or facts.status != InvoiceStatus.READ or facts.source not in SYNTAXES:
            raise PermanentError("Une plateforme agréée ne reçoit que des factures structurées (Factur-X, UBL, CII).")
        with blob_open(document.blob) as stream:
            content = stream.read()
        tracking_id = tracking_id_for(delivery)
        flow_info = {"trackingId": tracking_id, "name": document.name[:255], "processingRule": "B2B",
                     "flowSyntax": SYNTAXES[facts.source], "flowProfile": flow_profile(facts=facts, content=content),
                     "sha256": hashlib.sha256(content).hexdigest()}
        client = pa_client_for(delivery.destination.connection)
        try:
            flow = client.flow_by_tracking_id(tracking_id) if delivery.attempts > 1 else None
            if flow is None:
                try:
                    flow = client.flow_submit(flow_info=flow_info, filename=document.name, content=content,
                                              content_type=document.content_type or "application/xml")
                except TransientError:
                    # The PA may have taken it before the answer was lost: look before any second POST.
                    flow = client.flow_by_tracking_id(tracking_id)
                    if flow is None:
                        raise
        finally:
            client.close()
        _sent_record(delivery=delivery, flow=flow, tracking_id=tracking_id)
        return f"Plateforme agréée : flux {flow['flowId']} déposé ({flow_info['flowSyntax']}, {facts.number})"
