"""What a partner receives about a document: subject, a short French text, the facts behind them.

An app class of the catalogue may redefine `email_subject`, `email_body` or `email_attachment_name`
(each taking the delivery); the defaults below are used otherwise.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from comptoir.ged.filenames import filename_sanitize
from comptoir.ged.selectors import folder_display_path, folder_display_paths
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.catalogue.registry import app_find
from comptoir.partners.models import Delivery


@dataclass(frozen=True)
class DocumentFacts:
    delivery_id: int
    firm_name: str
    sender_name: str
    company_name: str
    company_siren: str
    document_name: str
    content_type: str
    size: int
    sha256: str
    folder_path: str
    deposited_at: datetime
    depositor: str
    channel: str


def folder_paths_attach(deliveries: list[Delivery]) -> None:
    """Compute the folder paths of a claimed batch in one query, instead of one per message."""
    folders = [delivery.document.folder for delivery in deliveries]
    paths = folder_display_paths(folders=folders)
    for folder in folders:
        folder.display_path = paths[folder.pk]


def document_facts(delivery: Delivery) -> DocumentFacts:
    document = delivery.document
    company = document.company
    firm = company.firm
    depositor = document.depositor
    return DocumentFacts(
        delivery_id=delivery.pk,
        firm_name=firm.name,
        sender_name=firm.sender_display_name,
        company_name=company.name,
        company_siren=company.siren,
        document_name=document.name,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        folder_path=getattr(document.folder, "display_path", None) or folder_display_path(folder=document.folder),
        deposited_at=document.deposited_at,
        depositor=(str(depositor) if depositor else document.get_channel_display()),
        channel=document.channel,
    )


def _app_override(delivery: Delivery, hook: str):
    """The app's own `email_subject`/`email_body`/`email_attachment_name`, when its class redefines it."""
    app = app_find(delivery.app_slug)
    if app is None or getattr(type(app), hook) is getattr(PartnerApp, hook):
        return None
    return getattr(app, hook)


def message_subject(delivery: Delivery, facts: DocumentFacts) -> str:
    hook = _app_override(delivery, "email_subject")
    if hook is not None:
        return hook(delivery)
    return f"{facts.company_name} – {facts.document_name}"


def message_attachment_name(delivery: Delivery, facts: DocumentFacts) -> str:
    hook = _app_override(delivery, "email_attachment_name")
    return filename_sanitize(hook(delivery)) if hook is not None else facts.document_name


def message_body(delivery: Delivery, facts: DocumentFacts) -> str:
    hook = _app_override(delivery, "email_body")
    if hook is not None:
        return hook(delivery)
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
