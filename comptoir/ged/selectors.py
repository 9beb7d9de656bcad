"""Reads of the GED, always scoped to what the user may see; anything else is a 404."""

from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.firms.models import Company
from comptoir.firms.policy import can_see_firm_only_folders
from comptoir.firms.selectors import company_list_for_user
from comptoir.ged.extensions import DocumentNotice, document_notice_sources
from comptoir.ged.models import Document, Folder


def folder_list_for_user(*, user: User, company: Company) -> QuerySet[Folder]:
    """Live folders of a company the user may see (client users never see firm-only ones)."""
    if not company_list_for_user(user=user).filter(pk=company.pk).exists():
        return Folder.objects.none()
    folders = Folder.objects.filter(company=company, deleted_at__isnull=True)
    if not can_see_firm_only_folders(user):
        folders = folders.filter(firm_only=False)
    return folders


def folder_get_for_user(*, user: User, folder_id: int) -> Folder:
    companies = company_list_for_user(user=user)
    folders = Folder.objects.select_related("company", "company__firm").filter(
        pk=folder_id, company__in=companies, deleted_at__isnull=True
    )
    if not can_see_firm_only_folders(user):
        folders = folders.filter(firm_only=False)
    folder = folders.first()
    if folder is None:
        raise Http404("folder not found")
    return folder


def document_get_for_user(*, user: User, document_id: int, include_trashed: bool = False) -> Document:
    companies = company_list_for_user(user=user)
    documents = Document.objects.select_related("folder", "company", "company__firm", "depositor").filter(
        pk=document_id, company__in=companies
    )
    if not include_trashed:
        documents = documents.filter(deleted_at__isnull=True, folder__deleted_at__isnull=True)
    if not can_see_firm_only_folders(user):
        documents = documents.filter(folder__firm_only=False)
    document = documents.first()
    if document is None:
        raise Http404("document not found")
    return document


def folder_ancestors(*, folder: Folder) -> list[Folder]:
    """The folder's ancestors from the root down, itself included: one query, O(depth)."""
    by_id = Folder.objects.in_bulk(folder.ancestor_ids)
    return [by_id[pk] for pk in folder.ancestor_ids if pk in by_id]


def folder_display_paths(*, folders: list[Folder]) -> dict[int, str]:
    """"Dossier comptable annuel 2026 / Ventes / 01 – Janvier 2026" by folder id: one query for all."""
    by_id = Folder.objects.in_bulk({pk for folder in folders for pk in folder.ancestor_ids})
    return {folder.pk: " / ".join(by_id[pk].name for pk in folder.ancestor_ids if pk in by_id) for folder in folders}


def folder_display_path(*, folder: Folder) -> str:
    return folder_display_paths(folders=[folder])[folder.pk]


def trash_list_for_user(*, user: User, company: Company) -> tuple[QuerySet[Folder], QuerySet[Document]]:
    if not company_list_for_user(user=user).filter(pk=company.pk).exists():
        raise Http404("company not found")
    folders = Folder.objects.filter(company=company, deleted_at__isnull=False, trashed_with_id=F("id"))
    documents = Document.objects.filter(company=company, deleted_at__isnull=False)
    if not can_see_firm_only_folders(user):
        folders = folders.filter(firm_only=False)
        documents = documents.filter(folder__firm_only=False)
    return folders, documents



def document_list_by_ids_for_user(*, user: User, document_ids: list[int], trashed: bool = False) -> list[Document]:
    """The documents a bulk action names, in the order given. One id out of the user's scope (or not
    in the state asked: live, or in the trash) is a 404 for the whole request: nothing is done."""
    wanted = list(dict.fromkeys(document_ids))
    companies = company_list_for_user(user=user)
    documents = Document.objects.select_related("folder", "company", "company__firm", "depositor").filter(
        pk__in=wanted, company__in=companies)
    if trashed:
        documents = documents.filter(deleted_at__isnull=False)
    else:
        documents = documents.filter(deleted_at__isnull=True, folder__deleted_at__isnull=True)
    if not can_see_firm_only_folders(user):
        documents = documents.filter(folder__firm_only=False)
    by_id = documents.in_bulk()
    if not wanted or len(by_id) != len(wanted):
        raise Http404("document not found")
    return [by_id[pk] for pk in wanted]


def documents_same_bytes_for_user(*, user: User, company_id: int, sha256s: list[str],
                                  exclude_lineage=None) -> dict[str, Document]:
    """The first live document of the company with each of these checksums that `user` may see."""
    documents = Document.objects.filter(company_id=company_id, sha256__in=set(sha256s), deleted_at__isnull=True,
                                        folder__deleted_at__isnull=True,
                                        company__in=company_list_for_user(user=user))
    if exclude_lineage is not None:
        documents = documents.exclude(lineage=exclude_lineage)
    if not can_see_firm_only_folders(user):
        documents = documents.filter(folder__firm_only=False)
    first: dict[str, Document] = {}
    for document in documents.select_related("folder").order_by("deposited_at", "id"):
        first.setdefault(document.sha256, document)
    return first


def document_notices(*, user: User, document: Document) -> list:
    """Everything to check on this document before acting on it, in one list: the same bytes deposited
    earlier (another paper: a copy shares the lineage and is not one), then what other apps add."""
    notices = []
    earlier = documents_same_bytes_for_user(user=user, company_id=document.company_id, sha256s=[document.sha256],
                                            exclude_lineage=document.lineage).get(document.sha256)
    if earlier is not None and (earlier.deposited_at, earlier.pk) < (document.deposited_at, document.pk):
        notices.append(DocumentNotice(
            _("Déjà déposé le %(date)s (« %(name)s », dans %(folder)s) : il n'est pas renvoyé aux applications "
              "qui l'ont déjà.") % {"date": f"{timezone.localtime(earlier.deposited_at):%d/%m/%Y}",
                                    "name": earlier.name, "folder": earlier.folder.name},
            reverse("ged:document", args=[earlier.pk])))
    for source in document_notice_sources:
        notices += source(user=user, document=document)
    return notices
