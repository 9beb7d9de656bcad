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

import time
from decimal import Decimal
from typing import ClassVar

from django.conf import settings

from comptoir.partners.transports import PermanentError, TransientError
from comptoir.partners.transports.api import ApiTransport

# Upflow's invoice states → ours (`partners.models.ReceivableState`).
STATES = {"OPEN": "open", "OVERDUE": "overdue", "PARTIAL": "partially_paid", "PAID": "paid"}


class UpflowApiTransport(ApiTransport):
    """Upflow's REST client. What is sent (the customer's and the invoice's bodies) is built by the
    connection method (`partners.methods.upflow_api`); this class only speaks HTTP to Upflow."""

    entity_invoice: ClassVar[str] = "invoices"
    entity_credit_note: ClassVar[str] = "credit_notes"

    def __init__(self, *, base_url: str = ""):
        super().__init__()
        self._base_url = base_url

    def base_url(self) -> str:
        return self._base_url or settings.COMPTOIR_UPFLOW_API_URL

    def auth_headers(self, credentials: dict) -> dict[str, str]:
        return {"X-Api-Key": credentials["api_key"], "X-Api-Secret": credentials["api_secret"]}

    def credentials_check(self, *, credentials: dict) -> None:
        """A harmless read; PermanentError with Upflow's message when it refuses the key or secret."""
        self.request("GET", "customers", credentials=credentials, params={"limit": 1})

    def ensure(self, entity: str, external_id: str, body: dict, credentials: dict) -> dict:
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

    def pdf_upload(self, entity: str, remote_id: str, *, name: str, content: bytes, content_type: str,
                   credentials: dict) -> None:
        self.request("POST", f"{entity}/{remote_id}/pdf", credentials=credentials,
                     files={"file": (name, content, content_type or "application/pdf")})

    def invoice_state(self, external_id: str, *, credentials: dict) -> tuple[str | None, str, Decimal | None, bool]:
        """(our state or None, Upflow's state, amount outstanding, found)."""
        response = self.request("GET", f"{self.entity_invoice}/external:{external_id}", credentials=credentials,
                                accept_404=True)
        if response.status_code == 404:
            return None, "", None, False
        data = response.json()
        raw = str(data.get("state") or "")
        outstanding = data.get("outstandingAmount")
        return STATES.get(raw.upper()), raw, Decimal(str(outstanding)) if outstanding is not None else None, True
