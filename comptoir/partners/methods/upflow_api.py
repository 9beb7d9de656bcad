"""Upflow by its REST API: the customer and invoice bodies, the push, and the status coming back.

The push is idempotent end to end: the customer and the invoice are looked up by their `external:`
id before being created, so an attempt that timed out after Upflow created the invoice finds it and
goes on (no second invoice); the PDF upload replaces what is there.
"""

import re
import unicodedata
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.ged.blobs import blob_open
from comptoir.invoices.kinds import InvoiceKind
from comptoir.invoices.models import InvoiceFacts, InvoiceStatus
from comptoir.partners.credentials import Field
from comptoir.partners.methods import (
    ConnectionMethod,
    CredentialsRefused,
    DestinationSpec,
    PushedReceivable,
    RemoteStatus,
    Sent,
)
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.transports import PermanentError
from comptoir.partners.transports.upflow_api import UpflowApiTransport

if TYPE_CHECKING:
    from comptoir.partners.models import Connection

CREDIT_KINDS = frozenset({InvoiceKind.CREDIT_NOTE})


def customer_external_id(facts: InvoiceFacts) -> str:
    """The buyer's SIREN, else its name made into an id: the same customer for every invoice."""
    if facts.buyer_siren:
        return f"siren-{facts.buyer_siren}"
    ascii_name = unicodedata.normalize("NFKD", facts.buyer_name or "").encode("ascii", "ignore").decode()
    return "name-" + (re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "inconnu")


def invoice_external_id(delivery: Delivery) -> str:
    """Derived from the delivery (one per document and destination): the same on every retry."""
    return f"comptoir-{delivery.pk}"


def customer_body(facts: InvoiceFacts) -> dict:
    body = {"externalId": customer_external_id(facts), "name": facts.buyer_name or facts.buyer_siren}
    if facts.buyer_vat_number:
        body["vatNumber"] = facts.buyer_vat_number
    return body


def invoice_body(facts: InvoiceFacts, *, external_id: str) -> dict:
    amount = facts.total_incl_tax if facts.total_incl_tax is not None else facts.amount_due
    body = {
        "externalId": external_id,
        "customId": facts.number,
        "customer": {"externalId": customer_external_id(facts)},
        "currency": facts.currency or "EUR",
        "grossAmount": f"{abs(amount):.2f}" if amount is not None else None,
        "issueDate": facts.issue_date.isoformat() if facts.issue_date else None,
    }
    if facts.due_date:
        body["dueDate"] = facts.due_date.isoformat()
    if facts.total_excl_tax is not None:
        body["netAmount"] = f"{abs(facts.total_excl_tax):.2f}"
    return body


def _facts(delivery: Delivery) -> InvoiceFacts:
    try:
        facts = delivery.document.invoice_facts
    except InvoiceFacts.DoesNotExist:
        facts = None
    if facts is None or facts.status != InvoiceStatus.READ or not facts.number:
        raise PermanentError("Facture sans données (numéro, client, montant) : complétez-la sur la page du document.")
    return facts


class UpflowApiMethod(ConnectionMethod):
    name = "api"
    label = gettext_lazy("par l'API Upflow")
    kind_label = gettext_lazy("API (HTTPS)")
    kind = "api"
    transport = UpflowApiTransport
    fields = (Field("api_key", gettext_lazy("Clé d'API")),
              Field("api_secret", gettext_lazy("Secret d'API"), secret=True, input_type="password"))
    addresses_typed = False
    needs_invoice_facts = True
    status_back = True

    def destinations(self, app):
        return (DestinationSpec("api", "API Upflow"),)

    def destination_address(self, *, app, spec, credentials) -> str:
        return f"API {app.name}"

    def client(self, connection: "Connection | None" = None) -> UpflowApiTransport:
        # The demo's connections carry the local fake's URL; no firm can set it (never in ConnectionIn).
        return UpflowApiTransport(base_url=((connection.config or {}).get("base_url", "") if connection else ""))

    def credentials_check(self, *, app, credentials: dict, settings: dict) -> None:
        client = self.client()
        try:
            client.credentials_check(credentials=credentials)
        except PermanentError as exc:
            raise CredentialsRefused(_("Upflow refuse ces identifiants : %(reply)s") % {"reply": exc.reply},
                                     reply=exc.reply, field="api_secret") from exc
        finally:
            client.close()

    def credentials(self, *, connection):
        config = connection.config or {}
        if not config.get("api_key") or not config.get("api_secret_encrypted"):
            raise PermanentError("Connexion à l'API Upflow sans identifiants : renseignez la clé et le secret.")
        return super().credentials(connection=connection)

    def refusal_reason(self, *, app, document, connection) -> str:
        # Switching to the API never pushes again what was already emailed (a copy, a move back…).
        keys = [spec.key for spec in self.destinations(app)]
        emailed = Delivery.objects.filter(lineage=document.lineage, destination__connection=connection,
                                          status=DeliveryStatus.SENT).exclude(destination__key__in=keys)
        if emailed.exists():
            return _("Déjà envoyée à Upflow par e-mail : elle n'est pas poussée une seconde fois par l'API.")
        return ""

    def send(self, *, app, delivery) -> Sent:
        facts = _facts(delivery)
        connection = delivery.destination.connection
        credentials = self.credentials(connection=connection)
        client = self.client(connection)
        credit = facts.kind in CREDIT_KINDS
        entity = client.entity_credit_note if credit else client.entity_invoice
        external_id = invoice_external_id(delivery)
        try:
            client.ensure("customers", customer_external_id(facts), customer_body(facts), credentials)
            remote = client.ensure(entity, external_id, invoice_body(facts, external_id=external_id), credentials)
            document = delivery.document
            with blob_open(document.blob) as stream:
                content = stream.read()
            client.pdf_upload(entity, remote["id"], name=document.name, content=content,
                              content_type=document.content_type, credentials=credentials)
        finally:
            client.close()
        amount = facts.total_incl_tax if facts.total_incl_tax is not None else facts.amount_due
        pushed = PushedReceivable(external_id=external_id, remote_id=str(remote["id"]), is_credit_note=credit,
                                  number=facts.number, customer_name=facts.buyer_name, issue_date=facts.issue_date,
                                  due_date=facts.due_date, currency=facts.currency or "EUR", gross_amount=amount)
        label = "avoir" if credit else "facture"
        return Sent(reply=f"Upflow : {label} {remote['id']} ({facts.number}), PDF déposé", receivable=pushed)

    def status_fetch(self, *, app, connection, external_id: str) -> RemoteStatus:
        credentials = self.credentials(connection=connection)
        client = self.client(connection)
        try:
            state, raw, outstanding, found = client.invoice_state(external_id, credentials=credentials)
        finally:
            client.close()
        return RemoteStatus(state=state, raw_state=raw, amount_outstanding=outstanding, found=found)
