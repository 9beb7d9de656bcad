"""The facts about a document that partner classes build their messages and requests from."""

from dataclasses import dataclass
from datetime import datetime

from comptoir.ged.selectors import folder_display_path, folder_display_paths
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
