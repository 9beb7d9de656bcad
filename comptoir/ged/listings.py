"""Reads behind the folder view: subfolders with their counts, and the filtered, sorted, paginated
documents of a folder (or of its whole subtree). Scoped like `ged.selectors`: the folder given has
been fetched through `folder_get_for_user`, and client users never count firm-only folders."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.firms.policy import can_see_firm_only_folders
from comptoir.ged import extensions
from comptoir.ged.models import Document, Folder

# Sort keys a person picks (the URL's `tri`), and what they order by. "-" first means descending.
SORTS = {
    "nom": ("name", "id"),
    "-nom": ("-name", "-id"),
    "date": ("deposited_at", "id"),
    "-date": ("-deposited_at", "-id"),
    "depose_par": ("depositor__full_name", "depositor__email", "-deposited_at"),
    "-depose_par": ("-depositor__full_name", "-depositor__email", "-deposited_at"),
    "taille": ("size", "id"),
    "-taille": ("-size", "-id"),
}
DEFAULT_SORT = "-date"


@dataclass(frozen=True)
class SubfolderCount:
    folder: Folder
    documents: int  # directly inside it
    subtree: int  # in it and everything below


@dataclass(frozen=True)
class DocumentFilters:
    include_subfolders: bool = False
    sort: str = DEFAULT_SORT
    channel: str = ""
    depositor_id: int | None = None
    content_type: str = ""
    since: date | None = None
    until: date | None = None


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


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def document_list_filtered(*, user: User, folder: Folder, filters: DocumentFilters) -> QuerySet[Document]:
    documents = _live_documents(user=user, folder=folder)
    if filters.include_subfolders:
        documents = documents.filter(folder__path__startswith=folder.path)
    else:
        documents = documents.filter(folder=folder)
    if filters.channel:
        documents = documents.filter(channel=filters.channel)
    if filters.depositor_id:
        documents = documents.filter(depositor_id=filters.depositor_id)
    if filters.content_type:
        documents = documents.filter(content_type=filters.content_type)
    if filters.since:
        documents = documents.filter(deposited_at__gte=_day_start(filters.since))
    if filters.until:
        documents = documents.filter(deposited_at__lt=_day_start(filters.until) + timedelta(days=1))
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return documents.select_related("depositor", "folder", "extract").order_by(*order)


def document_filter_choices(*, user: User, folder: Folder, include_subfolders: bool) -> dict[str, list]:
    """The depositors and types present where the user is looking, for the filter menus."""
    documents = _live_documents(user=user, folder=folder)
    documents = documents.filter(folder__path__startswith=folder.path) if include_subfolders \
        else documents.filter(folder=folder)
    depositors = (User.objects.filter(pk__in=documents.exclude(depositor=None).values("depositor_id"))
                  .order_by("full_name", "email"))
    types = sorted(set(documents.values_list("content_type", flat=True).distinct()))
    return {"depositors": list(depositors), "types": types}


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
