"""Reads behind the folder view: subfolders with their counts, and the filtered, sorted, paginated
documents of a folder (or of its whole subtree). Scoped like `ged.selectors`: the folder given has
been fetched through `folder_get_for_user`, and client users never count firm-only folders."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext

from comptoir.accounts.models import User
from comptoir.firms.policy import can_see_firm_only_folders
from comptoir.ged import extensions
from comptoir.ged.list_options import ListChoice, document_list_options
from comptoir.ged.models import Document, Folder


@dataclass(frozen=True)
class SubfolderCount:
    folder: Folder
    documents: int  # directly inside it
    subtree: int  # in it and everything below


@dataclass(frozen=True)
class DocumentFilters:
    """What to list: this folder alone or its whole subtree, and the registry's sorts and filters."""

    include_subfolders: bool = False
    choice: ListChoice = field(default_factory=ListChoice)

    @property
    def sort(self) -> str:
        return self.choice.sort

    def params(self) -> dict[str, str]:
        return {**({"sous_dossiers": "1"} if self.include_subfolders else {}), **self.choice.params()}


def document_filters_read(params: Mapping[str, str]) -> DocumentFilters:
    """The list's filters from a query string (the page's, the API's, "select all"'s)."""
    return DocumentFilters(include_subfolders=(params.get("sous_dossiers") or "") in ("1", "on", "true"),
                           choice=document_list_options.read(params))


def _live_documents(*, user: User, folder: Folder) -> QuerySet[Document]:
    documents = Document.objects.filter(company_id=folder.company_id, deleted_at__isnull=True,
                                        folder__deleted_at__isnull=True)
    if not can_see_firm_only_folders(user):
        documents = documents.filter(folder__firm_only=False)
    return documents


def folder_children_counts(*, user: User, folder: Folder, visible: list[Folder]) -> list[SubfolderCount]:
    """The folder's visible subfolders, each with its own and its subtree's document count.

    `visible` is the list of folders the user may see in this company (the tree already holds it).
    One aggregate query over the subtree's materialised paths, whatever its size."""
    per_folder = dict(
        _live_documents(user=user, folder=folder).filter(folder__path__startswith=folder.path)
        .values_list("folder_id").annotate(count=Count("id")).values_list("folder_id", "count")
    )
    below = [item for item in visible if item.path.startswith(folder.path)]
    children = sorted((item for item in below if item.parent_id == folder.pk),
                      key=lambda item: (item.position, item.name))

    def subtree(child: Folder) -> int:
        return sum(per_folder.get(item.pk, 0) for item in below if item.path.startswith(child.path))

    return [SubfolderCount(folder=child, documents=per_folder.get(child.pk, 0), subtree=subtree(child))
            for child in children]


def _where(*, user: User, folder: Folder, include_subfolders: bool) -> QuerySet[Document]:
    documents = _live_documents(user=user, folder=folder)
    if include_subfolders:
        return documents.filter(folder__path__startswith=folder.path)
    return documents.filter(folder=folder)


def document_list_filtered(*, user: User, folder: Folder, filters: DocumentFilters) -> QuerySet[Document]:
    documents = _where(user=user, folder=folder, include_subfolders=filters.include_subfolders)
    documents = document_list_options.apply(documents, filters.choice, user=user)
    return documents.select_related("depositor", "folder", "extract")


def document_filter_choices(*, user: User, folder: Folder, include_subfolders: bool) -> dict[str, list]:
    """For each select filter, its (value, label) options: fixed ones, or the values present where the
    user is looking (depositors, types)."""
    documents = _where(user=user, folder=folder, include_subfolders=include_subfolders)
    choices = {}
    for document_filter in document_list_options.filters:
        if document_filter.choices_present is not None:
            choices[document_filter.key] = document_filter.choices_present(documents)
        elif document_filter.choices:
            choices[document_filter.key] = [(value, gettext(str(label))) for value, label in document_filter.choices]
    return choices


def document_list_stamp(*, documents: list[Document], total: int) -> str:
    """Changes whenever what the list shows changes (a row, a thumbnail, an OCR, a partner's badge):
    the page polls with it and is only sent a new list when it differs."""
    ids = [document.pk for document in documents]
    facts = Document.objects.filter(pk__in=ids).aggregate(
        extracted_at=Max("extract__updated_at"), thumbnails=Count("pk", filter=Q(extract__thumbnail_state="ready")))
    parts = [str(total), ",".join(map(str, ids)), ",".join(d.name for d in documents), str(facts)]
    parts += [stamp(ids) for stamp in extensions.document_list_stamps]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FolderTrashSummary:
    subfolders: int
    documents: int
    facts: list[str]


def folder_trash_summary(*, folder: Folder) -> FolderTrashSummary:
    """What trashing `folder` would take with it (for its confirmation): live subfolders and
    documents of its subtree, and what other apps say of those documents (extensions.folder_trash_facts)."""
    documents = Document.objects.filter(company_id=folder.company_id, folder__path__startswith=folder.path,
                                        deleted_at__isnull=True, folder__deleted_at__isnull=True)
    subfolders = Folder.objects.filter(company_id=folder.company_id, path__startswith=folder.path,
                                       deleted_at__isnull=True).exclude(pk=folder.pk)
    facts = [fact for source in extensions.folder_trash_facts if (fact := source(documents))]
    return FolderTrashSummary(subfolders=subfolders.count(), documents=documents.count(), facts=facts)
