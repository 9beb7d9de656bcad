"""How a partner is reached: the connection methods a partner class declares (`PartnerApp.methods`).

A method is one object that owns everything about one way of connecting, so that services, views,
templates and the API iterate over methods and never test a method's name:

- `name`: stored in `Connection.method` and published by the API (`email`, `api`, `ftp`, `afnor`…);
- `fields`: the credentials typed per company (`credentials.Field`; `secret=True` is encrypted at rest,
  never echoed; an omitted secret keeps the stored one, an empty one is refused: `credentials.fields_clean`);
- `credentials_check`: a harmless call to the partner, raising `CredentialsRefused` with the partner's
  own message;
- `destinations(app)`: where it delivers. `addresses_typed=True`: the firm types each address (an email
  method: the app's `destinations`); else the method fills them (`destination_address`);
- `send`: the message or body and the transport, for one claimed delivery; returns `Sent`, whose
  `receivable` the settlement records in the same transaction as the delivery's outcome;
- `needs_invoice_facts`: a delivery waits « à compléter » until the document's invoice data is known;
- `status_back` / `status_fetch`: the partner tells what became of a pushed invoice (`Receivable`).

Destination keys are unique across an app's methods: a delivery's method is the one that declares
its destination's key (`PartnerApp.method_for_destination`).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.partners.addresses import email_address_normalise
from comptoir.partners.credentials import Field, fields_clear
from comptoir.partners.transports import PermanentError, Transport
from comptoir.partners.transports.email import EmailTransport

if TYPE_CHECKING:
    from comptoir.ged.models import Document
    from comptoir.partners.catalogue.base import PartnerApp
    from comptoir.partners.models import Connection, Delivery

__all__ = ["ConnectionMethod", "CredentialsRefused", "DestinationSpec", "EmailMethod", "Field", "PushedReceivable",
           "RemoteStatus", "Sent"]


class CredentialsRefused(Exception):
    """The partner refused the credentials: `message` is worded for the firm, `reply` is the partner's."""

    def __init__(self, message: str, *, reply: str = "", field: str = ""):
        super().__init__(message)
        self.message, self.reply, self.field = message, reply or message, field


@dataclass(frozen=True)
class DestinationSpec:
    """One place a connection delivers to, e.g. Upflow's collection address or an app's 'sales' inbox."""

    key: str
    label: str  # French, shown on the connection form and in the switch's destination select


@dataclass(frozen=True)
class PushedReceivable:
    """What a transport reports of an invoice it created at the partner (recorded as a `Receivable`)."""

    external_id: str
    remote_id: str = ""
    is_credit_note: bool = False
    number: str = ""
    customer_name: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    currency: str = "EUR"
    gross_amount: Decimal | None = None


@dataclass(frozen=True)
class Sent:
    """A send's outcome as the transport reports it: the partner's reply, and what it created there."""

    reply: str
    receivable: PushedReceivable | None = None


@dataclass(frozen=True)
class RemoteStatus:
    """A status read back: `state` is ours (`ReceivableState`), None when the partner's is unknown to us."""

    state: str | None
    raw_state: str
    amount_outstanding: Decimal | None
    found: bool = True


class ConnectionMethod:
    name: ClassVar[str]
    label: ClassVar[str]  # French, lazily translated: « par e-mail de collecte »
    kind_label: ClassVar[str]  # French: what the store says it connects to
    kind: ClassVar[str] = "email"  # published in the API's catalogue: "email", "api", "ftp"
    transport: ClassVar[type[Transport]] = EmailTransport
    fields: ClassVar[tuple[Field, ...]] = ()
    addresses_typed: ClassVar[bool] = True
    input_mode: ClassVar[str] = "email"  # the address inputs' keyboard hint (email, url, text)
    placeholder: ClassVar[str] = "factures@exemple.fr"
    needs_invoice_facts: ClassVar[bool] = False
    status_back: ClassVar[bool] = False
    # The portal's sending address is shown: the partner must allow-list it.
    shows_sender: ClassVar[bool] = False

    # --- destinations ----------------------------------------------------------------------------

    def destinations(self, app: "PartnerApp") -> tuple[DestinationSpec, ...]:
        return app.destinations

    def destination_clean(self, *, app: "PartnerApp", key: str, value: str) -> str:
        """One typed address validated and normalised; raises django ValidationError."""
        return email_address_normalise(value)

    def destination_address(self, *, app: "PartnerApp", spec: DestinationSpec, credentials: dict) -> str:
        """For a method whose addresses are not typed: what the destination row records (shown in history)."""
        return f"{app.name} ({spec.label})"

    def config_initial(self, *, app: "PartnerApp") -> dict:
        """Settings created with a new connection (a generated signing secret…)."""
        return {}

    # --- credentials -----------------------------------------------------------------------------

    def credentials_check(self, *, app: "PartnerApp", credentials: dict, settings: dict) -> None:
        """A harmless call to the partner; CredentialsRefused with its message, TransientError if unreachable."""

    def credentials(self, *, connection: "Connection") -> dict:
        """The clear credentials of a connection, for the transport (PermanentError when unreadable)."""
        try:
            return fields_clear(self.fields, connection.config or {})
        except ValueError as exc:
            raise PermanentError(_("Les identifiants de la connexion ne peuvent pas être déchiffrés (clé de "
                                   "chiffrement retirée ?) : saisissez-les de nouveau.")) from exc

    # --- sending ---------------------------------------------------------------------------------

    def refusal_reason(self, *, app: "PartnerApp", document: "Document", connection: "Connection") -> str:
        """Why this method cannot take the document ('' when it can), on top of the app's own rules."""
        return ""

    def send(self, *, app: "PartnerApp", delivery: "Delivery") -> Sent:
        """Send one claimed delivery, outside any transaction (TransientError / PermanentError)."""
        return Sent(reply=self.transport().send(app=app, delivery=delivery))

    def status_fetch(self, *, app: "PartnerApp", connection: "Connection", external_id: str) -> RemoteStatus:
        """Only for `status_back` methods: what the partner says of one pushed invoice."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class EmailMethod(ConnectionMethod):
    """Documents attached to a mail, one collection address per destination, typed by the firm."""

    name = "email"
    shows_sender = True

    label = gettext_lazy("par e-mail de collecte")
    kind_label = gettext_lazy("adresse(s) de collecte par e-mail")
