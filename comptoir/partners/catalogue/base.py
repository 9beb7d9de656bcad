"""What a partner app is: a small class describing an integration. Adding an app is adding a class
(registered with `registry.partner_app_register`).

Connections, switches and deliveries are rows (`partners.models`); the class says what the app
needs (destinations), what it takes (types, size), how a delivery reaches it (`methods`: one
`partners.methods.ConnectionMethod` per way of connecting, the first being the default) and what it
receives: the email and webhook transports call the class's `email_*` / `webhook_payload` methods,
whose defaults below a partner overrides like any method.
"""

from typing import TYPE_CHECKING, ClassVar, Literal

from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from comptoir.core.sizes import file_size_format
from comptoir.invoices.kinds import invoice_kind_label
from comptoir.invoices.models import InvoiceFacts, InvoiceStatus
from comptoir.invoices.selectors import invoice_facts_for_document
from comptoir.partners.credentials import Field
from comptoir.partners.methods import ConnectionMethod, DestinationSpec, EmailMethod, Sent
from comptoir.partners.transports.message import document_facts

if TYPE_CHECKING:
    from comptoir.ged.models import Document
    from comptoir.partners.models import Connection, Delivery

Visibility = Literal["firm", "company", "both"]

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
MB = 1024 * 1024
__all__ = ["JPEG", "MB", "PDF", "PNG", "Category", "DestinationSpec", "PartnerApp"]


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
    EINVOICING = "einvoicing", gettext_lazy("Facturation électronique")


class PartnerApp:
    slug: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[Category]
    # The ways a company can be connected, the first being the default (`partners.methods`).
    methods: ClassVar[tuple[ConnectionMethod, ...]] = (EmailMethod(),)
    # « Relier les dossiers habituels »: a template folder role → the destination key it feeds ({}: not offered).
    usual_folders: ClassVar[dict[str, str]] = {}
    # Settings shared by all the firm's companies (`Installation.settings`, secrets encrypted).
    settings_fields: ClassVar[tuple[Field, ...]] = ()
    # Two letters and a colour for the generated logo (no third-party artwork is shipped).
    logo_letters: ClassVar[str] = ""
    logo_color: ClassVar[str] = "#1f4e79"
    short_description: ClassVar[dict[str, str]]  # {"fr": …, "en": …}
    long_description: ClassVar[dict[str, str]]
    destinations: ClassVar[tuple[DestinationSpec, ...]]
    accepted_types: ClassVar[frozenset[str]] = frozenset({PDF, JPEG, PNG})
    # The e-invoice kinds (`invoices.kinds.InvoiceKind`) the app takes, a closed set; None: any document.
    # A document whose e-invoice says it is another kind is skipped; one that says nothing is sent,
    # unless the connection asks for recognised invoices only.
    accepted_invoice_kinds: ClassVar[frozenset[str] | None] = None
    max_size: ClassVar[int] = 25 * MB
    visibility: ClassVar[Visibility] = "both"
    demo_email: ClassVar[str] = ""
    # Where the firm finds the address(es) on the partner side; shown on the connection page.
    address_help: ClassVar[str] = ""

    # --- presentation -------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """"email" or "api": what the default method speaks, as the API's catalogue publishes it."""
        return self.methods[0].kind

    @property
    def kind_label(self) -> str:
        """What the firm is told it connects to, on the store and connection pages."""
        return " · ".join(dict.fromkeys(str(method.kind_label) for method in self.methods))

    @property
    def has_method_choice(self) -> bool:
        return len(self.methods) > 1

    @property
    def shows_sender(self) -> bool:
        return any(method.shows_sender for method in self.methods)

    def method_get(self, name: str | None) -> ConnectionMethod | None:
        """The method of this name (the default one for None); None when the app has no such method."""
        if not name:
            return self.methods[0]
        return next((method for method in self.methods if method.name == name), None)

    def method_for_destination(self, key: str) -> ConnectionMethod:
        """The method that declares this destination key (keys are unique across an app's methods)."""
        return next((method for method in self.methods if any(spec.key == key for spec in method.destinations(self))),
                    self.methods[0])

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

    def refusal_reason(self, document: "Document", *, connection: "Connection | None" = None) -> str:
        """Why the partner cannot take this file ('' when it can): recorded on a skipped delivery."""
        # What the document says it is comes first: a quote is "not an invoice to pay", whatever its format.
        facts = invoice_facts_for_document(document=document) if self.accepted_invoice_kinds is not None else None
        if facts is not None and facts.status == InvoiceStatus.READ and facts.kind not in self.accepted_invoice_kinds:
            return _("« %(name)s » n'est pas une facture à payer (%(kind)s, code %(code)s) : %(app)s ne la reçoit "
                     "pas.") % {"name": document.name, "kind": invoice_kind_label(type_code=facts.type_code,
                                                                                   kind=facts.kind),
                               "code": facts.type_code or "?", "app": self.name}
        if self.accepted_types and document.content_type not in self.accepted_types:
            return _("%(app)s n'accepte pas ce type de fichier (%(type)s) ; formats acceptés : %(accepted)s.") % {
                "app": self.name, "type": document.content_type, "accepted": self.accepted_types_label}
        if document.size > self.max_size:
            return _("Le fichier (%(size)s) dépasse la taille maximale acceptée par %(app)s (%(max)s).") % {
                "size": file_size_format(document.size), "app": self.name, "max": file_size_format(self.max_size)}
        if self.accepted_invoice_kinds is not None:
            reason = self._invoice_refusal(document, facts, connection)
            if reason:
                return reason
        method = self.method_get(connection.method) if connection is not None else None
        return method.refusal_reason(app=self, document=document, connection=connection) if method else ""

    def _invoice_refusal(self, document: "Document", facts: InvoiceFacts | None,
                         connection: "Connection | None") -> str:
        if facts is None or facts.status != InvoiceStatus.READ:
            if connection is not None and connection.only_recognised_invoices:
                return _("« %(name)s » n'est pas une facture électronique reconnue : cette connexion n'envoie à "
                         "%(app)s que les factures reconnues.") % {"name": document.name, "app": self.name}
            return ""
        if facts.duplicate_of is not None:
            first = facts.duplicate_of
            return _("Facture n° %(number)s déjà reçue le %(date)s (« %(first)s ») : elle n'est pas "
                     "envoyée une seconde fois à %(app)s.") % {
                "number": facts.number, "date": f"{timezone.localtime(first.deposited_at):%d/%m/%Y}",
                "first": first.name, "app": self.name}
        return ""

    def settings_check(self, *, settings: dict) -> None:
        """The installation's settings checked with the partner (CredentialsRefused with its message)."""

    # --- what the partner receives (called by the transport at send time) ----------------------

    def delivery_send(self, delivery: "Delivery") -> Sent:
        """Send one claimed delivery by its destination's method (Transient/PermanentError on failure)."""
        # The destination was chosen when the delivery was created: pending email rows stay email.
        method = self.method_for_destination(delivery.destination.key)
        return method.send(app=self, delivery=delivery)

    def needs_invoice_facts(self, document: "Document", *, connection: "Connection | None") -> bool:
        """Such a delivery waits « à compléter »: a method that pushes invoice data cannot send without it, and
        a payables partner does not get a file that claims to be an e-invoice we could not read (by email a
        person may still « envoyer quand même »; promise 10's one exception to "sent as before")."""
        facts = invoice_facts_for_document(document=document)
        if (self.accepted_invoice_kinds is not None and facts is not None
                and facts.status == InvoiceStatus.UNREADABLE and facts.claims_invoice):
            return True
        method = self.method_get(connection.method) if connection is not None else None
        if method is None or not method.needs_invoice_facts:
            return False
        return facts is None or facts.status != InvoiceStatus.READ or not facts.number

    def email_subject(self, delivery: "Delivery") -> str:
        """« Boulangerie – facture.pdf », or « Boulangerie – Facture n° F-1 – Client SA – 1 200,00 EUR TTC »."""
        invoice = self._invoice_summary(delivery)
        return f"{delivery.company.name} – {invoice or delivery.document.name}"

    def email_body(self, delivery: "Delivery") -> str:
        facts_of_document = document_facts(delivery)
        lines = [
            "Bonjour,", "",
            f"Veuillez trouver ci-joint le document « {facts_of_document.document_name} » de "
            f"{facts_of_document.company_name}.", "",
        ]
        facts = self._invoice_facts(delivery)
        if facts is not None and facts.number:
            lines.append(self._invoice_summary(delivery))
            if facts.issue_date:
                lines.append(f"Date d'émission : {facts.issue_date:%d/%m/%Y}")
            if facts.due_date:
                lines.append(f"Échéance : {facts.due_date:%d/%m/%Y}")
            if facts.buyer_siren:
                lines.append(f"SIREN du client : {facts.buyer_siren}")
            lines.append("")
        lines += [
            f"Entreprise : {facts_of_document.company_name} (SIREN {facts_of_document.company_siren})",
            f"Dossier : {facts_of_document.folder_path}",
            f"Déposé le : {timezone.localtime(facts_of_document.deposited_at):%d/%m/%Y à %H:%M}",
            f"Déposé par : {facts_of_document.depositor}", "",
            f"Ce message est envoyé automatiquement par le portail de {facts_of_document.firm_name} ; merci de ne "
            "pas y répondre.",
        ]
        return "\n".join(lines) + "\n"

    def _invoice_facts(self, delivery: "Delivery") -> InvoiceFacts | None:
        facts = invoice_facts_for_document(document=delivery.document)
        return facts if facts is not None and facts.status == InvoiceStatus.READ else None

    def _invoice_summary(self, delivery: "Delivery") -> str:
        """« Facture n° F-1 – Client SA – 1 200,00 EUR TTC » when the document's e-invoice says so."""
        facts = self._invoice_facts(delivery)
        if facts is None or not facts.number:
            return ""
        # The partner reads French: the mail is worded in French whatever the worker's language.
        parts = [f"{invoice_kind_label(type_code=facts.type_code, kind=facts.kind)} n° {facts.number}"]
        if facts.buyer_name:
            parts.append(facts.buyer_name)
        if facts.total_incl_tax is not None:
            amount = number_format(facts.total_incl_tax, 2, use_l10n=True, force_grouping=True)
            parts.append(f"{amount} {facts.currency} TTC".replace("\xa0", " ").replace("  ", " "))
        return " – ".join(parts)

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
