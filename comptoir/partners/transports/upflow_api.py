"""Upflow's REST API client: every path and field name of Upflow's that Comptoir uses is in this class.

From Upflow's public documentation: `X-Api-Key` / `X-Api-Secret` headers, `external:<id>` addressing,
`customers`, `invoices`, `credit_notes`, `POST invoices/{id}/pdf` (204), the camelCase fields
`externalId`, `customId`, `customer`, `currency`, `grossAmount`, `issueDate`, `dueDate`, and states
OPEN / OVERDUE / PARTIAL / PAID. Assumed (to check against the real API, `docs/partners/upflow.md`):
`outstandingAmount` and `state` as the names in the invoice's answer, `name` / `vatNumber` on the
customer, `credit_notes/{id}/pdf` for a credit note's PDF, amounts as decimal strings.

The push is idempotent end to end: the customer and the invoice are looked up by their `external:`
id before being created, so an attempt that timed out after Upflow created the invoice finds it and
goes on (no second invoice); the PDF upload replaces what is there.
"""

import re
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings

from comptoir.ged.blobs import blob_open
from comptoir.invoices.kinds import InvoiceKind
from comptoir.invoices.models import InvoiceFacts, InvoiceStatus
from comptoir.partners.credentials import secret_decrypt
from comptoir.partners.transports import PermanentError, TransientError
from comptoir.partners.transports.api import ApiTransport

if TYPE_CHECKING:
    from comptoir.partners.catalogue.base import PartnerApp
    from comptoir.partners.models import Connection, Delivery

# Upflow's invoice states → ours (`partners.models.ReceivableState`).
CREDIT_KINDS = frozenset({InvoiceKind.CREDIT_NOTE})
STATES = {"OPEN": "open", "OVERDUE": "overdue", "PARTIAL": "partially_paid", "PAID": "paid"}


@dataclass(frozen=True)
class RemoteStatus:
    state: str | None  # ours, None when Upflow answered a state we do not know
    raw_state: str
    amount_outstanding: Decimal | None
    found: bool = True


def customer_external_id(facts: InvoiceFacts) -> str:
    """The buyer's SIREN, else its name made into an id: the same customer for every invoice."""
    if facts.buyer_siren:
        return f"siren-{facts.buyer_siren}"
    ascii_name = unicodedata.normalize("NFKD", facts.buyer_name or "").encode("ascii", "ignore").decode()
    return "name-" + (re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "inconnu")


def invoice_external_id(delivery: "Delivery") -> str:
    """Derived from the delivery (one per document and destination): the same on every retry."""
    return f"comptoir-{delivery.pk}"


def connection_credentials(connection: "Connection") -> dict:
    config = connection.config or {}
    token = config.get("api_secret_encrypted")
    if not config.get("api_key") or not token:
        raise PermanentError("Connexion à l'API Upflow sans identifiants : renseignez la clé et le secret.")
    try:
        return {"api_key": config["api_key"], "api_secret": secret_decrypt(token)}
    except ValueError as exc:
        raise PermanentError("Le secret de l'API Upflow ne peut pas être déchiffré (clé de chiffrement "
                             "retirée ?) : saisissez-le de nouveau.") from exc


class UpflowApiTransport(ApiTransport):
    entity_invoice: ClassVar[str] = "invoices"
    entity_credit_note: ClassVar[str] = "credit_notes"

    def base_url(self) -> str:
        return settings.COMPTOIR_UPFLOW_API_URL

    def auth_headers(self, credentials: dict) -> dict[str, str]:
        return {"X-Api-Key": credentials["api_key"], "X-Api-Secret": credentials["api_secret"]}

    # --- the credentials check -------------------------------------------------------------------

    def credentials_check(self, *, api_key: str, api_secret: str) -> None:
        """A harmless read; PermanentError with Upflow's message when it refuses the key or secret."""
        self.request("GET", "customers", credentials={"api_key": api_key, "api_secret": api_secret},
                     params={"limit": 1})

    # --- the push --------------------------------------------------------------------------------

    def customer_body(self, facts: InvoiceFacts) -> dict:
        body = {"externalId": customer_external_id(facts), "name": facts.buyer_name or facts.buyer_siren}
        if facts.buyer_vat_number:
            body["vatNumber"] = facts.buyer_vat_number
        return body

    def invoice_body(self, facts: InvoiceFacts, *, external_id: str) -> dict:
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

    def entity_for(self, facts: InvoiceFacts) -> str:
        return self.entity_credit_note if facts.kind in CREDIT_KINDS else self.entity_invoice

    def _ensure(self, entity: str, external_id: str, body: dict, credentials: dict) -> dict:
        """Find by `external:` id, else create. A create that timed out (Upflow may have made it) is
        followed by the lookup again, never by a blind second POST; a 409 (made meanwhile) likewise."""
        delays = list(self.retry_delays)
        while True:
            found = self.request("GET", f"{entity}/external:{external_id}", credentials=credentials,
                                 accept_404=True)
            if found.status_code != 404:
                return found.json()
            try:
                return self.request("POST", entity, credentials=credentials, json=body,
                                    retry_network=False).json()
            except TransientError:
                if not delays:
                    raise
                time.sleep(delays.pop(0))
            except PermanentError as exc:
                if not exc.reply.startswith("HTTP 409"):
                    raise
                return self.request("GET", f"{entity}/external:{external_id}", credentials=credentials).json()

    def send(self, *, app: "PartnerApp", delivery: "Delivery") -> str:
        from comptoir.partners.receivables import receivable_record_pushed

        facts = _facts(delivery)
        credentials = connection_credentials(delivery.destination.connection)
        try:
            self._ensure("customers", customer_external_id(facts), self.customer_body(facts), credentials)
            entity = self.entity_for(facts)
            external_id = invoice_external_id(delivery)
            remote = self._ensure(entity, external_id, self.invoice_body(facts, external_id=external_id),
                                  credentials)
            document = delivery.document
            with blob_open(document.blob) as stream:
                content = stream.read()
            self.request("POST", f"{entity}/{remote['id']}/pdf", credentials=credentials,
                         files={"file": (document.name, content, document.content_type or "application/pdf")})
        finally:
            self.close()
        receivable_record_pushed(delivery=delivery, facts=facts, external_id=external_id, remote_id=remote["id"],
                                 is_credit_note=entity == self.entity_credit_note)
        label = "avoir" if entity == self.entity_credit_note else "facture"
        return f"Upflow : {label} {remote['id']} ({facts.number}), PDF déposé"

    # --- the status back ---------------------------------------------------------------------------

    def status_fetch(self, *, connection: "Connection", external_id: str) -> RemoteStatus:
        credentials = connection_credentials(connection)
        response = self.request("GET", f"{self.entity_invoice}/external:{external_id}", credentials=credentials,
                                accept_404=True)
        if response.status_code == 404:
            return RemoteStatus(state=None, raw_state="", amount_outstanding=None, found=False)
        data = response.json()
        raw = str(data.get("state") or "")
        outstanding = data.get("outstandingAmount")
        return RemoteStatus(state=STATES.get(raw.upper()), raw_state=raw,
                            amount_outstanding=Decimal(str(outstanding)) if outstanding is not None else None)


def _facts(delivery: "Delivery") -> InvoiceFacts:
    try:
        facts = delivery.document.invoice_facts
    except InvoiceFacts.DoesNotExist:
        facts = None
    if facts is None or facts.status != InvoiceStatus.READ or not facts.number:
        raise PermanentError("Facture sans données (numéro, client, montant) : complétez-la sur la page du document.")
    return facts
