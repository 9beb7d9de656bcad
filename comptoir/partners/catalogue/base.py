"""What a partner app is: a small class describing an integration. Adding an app is adding a class.

Connections, switches and deliveries are rows (`partners.models`); the class says what the app
needs (destinations), what it takes (types, size), how a delivery reaches it (`transport`) and what
it receives: the transport calls the class's `email_*` / `webhook_payload` methods, whose defaults
below a partner overrides like any method.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from comptoir.partners.addresses import email_address_normalise
from comptoir.partners.transports import Transport
from comptoir.partners.transports.email import EmailTransport
from comptoir.partners.transports.message import document_facts

if TYPE_CHECKING:
    from comptoir.ged.models import Document
    from comptoir.partners.models import Delivery

Visibility = Literal["firm", "company", "both"]

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
MB = 1024 * 1024


class Category(models.TextChoices):
    OCR = "ocr", gettext_lazy("Automatisation de la saisie (OCR)")
    SALES = "sales", gettext_lazy("Gestion commerciale")
    RECEIVABLES = "receivables", gettext_lazy("Recouvrement et poste client")
    ADVISORY = "advisory", gettext_lazy("Conseil et pilotage")
    EXPENSES = "expenses", gettext_lazy("Notes de frais")
    BANKS = "banks", gettext_lazy("Banques")
    HR = "hr", gettext_lazy("Social et RH")
    VAULT = "vault", gettext_lazy("Coffre-fort numérique et e-facturation")
    INTEGRATION = "integration", gettext_lazy("Intégrations techniques")


@dataclass(frozen=True)
class DestinationSpec:
    """One place a connection delivers to, e.g. Upflow's collection address or an app's 'sales' inbox."""

    key: str
    label: str  # French, shown on the connection form and in the switch's destination select


class PartnerApp:
    slug: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[Category]
    # How a delivery reaches the partner: email (collection address), webhook, or an API client.
    transport: ClassVar[type[Transport]] = EmailTransport
    # Two letters and a colour for the generated logo (no third-party artwork is shipped).
    logo_letters: ClassVar[str] = ""
    logo_color: ClassVar[str] = "#1f4e79"
    short_description: ClassVar[dict[str, str]]  # {"fr": …, "en": …}
    long_description: ClassVar[dict[str, str]]
    destinations: ClassVar[tuple[DestinationSpec, ...]]
    accepted_types: ClassVar[frozenset[str]] = frozenset({PDF, JPEG, PNG})
    max_size: ClassVar[int] = 25 * MB
    visibility: ClassVar[Visibility] = "both"
    demo_email: ClassVar[str] = ""
    # Where the firm finds the address(es) on the partner side; shown on the connection page.
    address_help: ClassVar[str] = ""

    # --- presentation -------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """"email" or "api", as the firm is told on the store and connection pages."""
        return self.transport.kind

    def _localised(self, texts: dict[str, str]) -> str:
        return texts.get((get_language() or "fr")[:2]) or texts["fr"]

    @property
    def short_text(self) -> str:
        return self._localised(self.short_description)

    @property
    def long_text(self) -> str:
        return self._localised(self.long_description)

    @property
    def category_label(self) -> str:
        return str(self.category.label)

    @property
    def visibility_label(self) -> str:
        return {"firm": _("Cabinet"), "company": _("Entreprise cliente"), "both": _("Cabinet et entreprise")}[
            self.visibility]

    @property
    def logo_svg(self) -> SafeString:
        return format_html(
            '<svg class="app-logo" viewBox="0 0 40 40" width="40" height="40" role="img" aria-label="{}">'
            '<rect width="40" height="40" rx="9" fill="{}"/>'
            '<text x="20" y="26" text-anchor="middle" font-size="15" font-weight="700" fill="#fff" '
            'font-family="system-ui, sans-serif">{}</text></svg>',
            self.name, self.logo_color, self.logo_letters or self.name[:2],
        )

    @property
    def accepted_types_label(self) -> str:
        names = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", "image/tiff": "TIFF", "image/heic": "HEIC",
                 "application/xml": "XML"}
        return ", ".join(sorted(names.get(t, t.rsplit("/", 1)[-1]) for t in self.accepted_types))

    @property
    def is_multi_destination(self) -> bool:
        return len(self.destinations) > 1

    def destination_spec(self, key: str) -> DestinationSpec | None:
        return next((spec for spec in self.destinations if spec.key == key), None)

    # --- rules --------------------------------------------------------------------------------

    def refusal_reason(self, document: "Document") -> str:
        """Why the partner cannot take this file ('' when it can): recorded on a skipped delivery."""
        if self.accepted_types and document.content_type not in self.accepted_types:
            return _("%(app)s n'accepte pas ce type de fichier (%(type)s) ; formats acceptés : %(accepted)s.") % {
                "app": self.name, "type": document.content_type, "accepted": self.accepted_types_label}
        if document.size > self.max_size:
            return _("Le fichier (%(size)s) dépasse la taille maximale acceptée par %(app)s (%(max)s).") % {
                "size": filesizeformat(document.size), "app": self.name, "max": filesizeformat(self.max_size)}
        return ""

    def destination_clean(self, *, key: str, value: str) -> str:
        """Validate and normalise one destination value; raises django ValidationError."""
        return email_address_normalise(value)

    def connection_config_initial(self) -> dict:
        """Settings created with a new connection (an API app's generated secret…)."""
        return {}

    # --- what the partner receives (called by the transport at send time) ----------------------

    def delivery_send(self, delivery: "Delivery") -> str:
        """Send one claimed delivery by this app's transport; the partner's reply (or Transient/PermanentError)."""
        return self.transport().send(app=self, delivery=delivery)

    def email_subject(self, delivery: "Delivery") -> str:
        return f"{delivery.document.company.name} – {delivery.document.name}"

    def email_body(self, delivery: "Delivery") -> str:
        facts = document_facts(delivery)
        deposited = timezone.localtime(facts.deposited_at)
        return (
            "Bonjour,\n\n"
            f"Veuillez trouver ci-joint le document « {facts.document_name} » de {facts.company_name}.\n\n"
            f"Entreprise : {facts.company_name} (SIREN {facts.company_siren})\n"
            f"Dossier : {facts.folder_path}\n"
            f"Déposé le : {deposited:%d/%m/%Y à %H:%M}\n"
            f"Déposé par : {facts.depositor}\n\n"
            f"Ce message est envoyé automatiquement par le portail de {facts.firm_name} ; "
            "merci de ne pas y répondre.\n"
        )

    def email_attachment_name(self, delivery: "Delivery") -> str:
        return delivery.document.name

    def webhook_payload(self, delivery: "Delivery") -> dict:
        facts = document_facts(delivery)
        return {
            "delivery_id": delivery.pk,
            "document": {"name": facts.document_name, "content_type": facts.content_type, "size": facts.size,
                         "sha256": facts.sha256, "deposited_at": facts.deposited_at.isoformat(),
                         "depositor": facts.depositor, "channel": facts.channel, "folder": facts.folder_path},
            "company": {"name": facts.company_name, "siren": facts.company_siren},
            "firm": facts.firm_name,
        }

    def __repr__(self) -> str:
        return f"<PartnerApp {self.slug}>"
