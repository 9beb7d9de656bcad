"""What a partner app is: a small class describing an integration. Adding an app is adding a class.

Connections, switches and deliveries are rows (`partners.models`); the class only says what the app
needs (destinations), what it takes (types, size), and how a message to it is built.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from comptoir.core.sizes import file_size_format
from comptoir.partners.addresses import email_address_normalise

if TYPE_CHECKING:
    from comptoir.ged.models import Document
    from comptoir.partners.models import Delivery

Kind = Literal["email", "api"]
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
    kind: ClassVar[Kind] = "email"
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
                "size": file_size_format(document.size), "app": self.name, "max": file_size_format(self.max_size)}
        return ""

    def destination_clean(self, *, key: str, value: str) -> str:
        """Validate and normalise one destination value; raises django ValidationError."""
        return email_address_normalise(value)

    def connection_config_initial(self) -> dict:
        """Settings created with a new connection (an API app's generated secret…)."""
        return {}

    # --- message building (filled in by the delivery side; no transport here) ----------------

    def email_subject(self, delivery: "Delivery") -> str:
        return f"{delivery.document.name} – {delivery.company.name}"

    def email_body(self, delivery: "Delivery") -> str:
        return _("Document « %(name)s » de %(company)s, transmis par %(firm)s.") % {
            "name": delivery.document.name, "company": delivery.company.name, "firm": delivery.firm.name}

    def email_attachment_name(self, delivery: "Delivery") -> str:
        return delivery.document.name

    def __repr__(self) -> str:
        return f"<PartnerApp {self.slug}>"
