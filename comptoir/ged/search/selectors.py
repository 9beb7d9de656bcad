"""Searching documents, scoped exactly like every other read of the GED: the user's companies, no
firm-only folder for a client, nothing in the trash. A company or folder outside that scope is a 404."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connection
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.firms.models import Company
from comptoir.firms.policy import can_see_firm_only_folders
from comptoir.firms.selectors import company_list_for_user
from comptoir.ged.models import Document, Folder
from comptoir.ged.search.backends import index_query, index_snippets
from comptoir.ged.search.text import search_terms, snippet_parts, snippet_plain

MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchHit:
    document: Document
    folder_path: str
    marked_snippet: str

    @property
    def snippet(self) -> str:
        return snippet_plain(self.marked_snippet)

    @property
    def snippet_parts(self) -> list[tuple[str, bool]]:
        return snippet_parts(self.marked_snippet)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _scope(*, user: User, company: Company | None, folder: Folder | None, since: date | None,
           until: date | None) -> tuple[str, list]:
    companies_sql, companies_params = company_list_for_user(user=user).values("pk").query.sql_with_params()
    conditions = [f"d.company_id IN ({companies_sql})", "d.deleted_at IS NULL", "f.deleted_at IS NULL"]
    params: list = list(companies_params)
    if not can_see_firm_only_folders(user):
        conditions.append("f.firm_only = %s")
        params.append(False)
    if company is not None:
        conditions.append("d.company_id = %s")
        params.append(company.pk)
    if folder is not None:
        # The folder and its whole subtree: one prefix match on the materialised path.
        conditions.append("f.path LIKE %s")
        params.append(f"{folder.path}%")
    adapt = connection.ops.adapt_datetimefield_value
    if since is not None:
        conditions.append("d.deposited_at >= %s")
        params.append(adapt(_day_start(since)))
    if until is not None:
        conditions.append("d.deposited_at < %s")
        params.append(adapt(_day_start(until) + timezone.timedelta(days=1)))
    return " AND ".join(conditions), params


def document_search_for_user(*, user: User, query: str, company: Company | None = None,
                             folder: Folder | None = None, since: date | None = None, until: date | None = None,
                             limit: int = 20, offset: int = 0) -> list[SearchHit]:
    """Documents whose name, folder path or text has every word of `query` (as a prefix), best first.

    `company` and `folder` must come from the user's selectors (so are already in scope)."""
    terms = search_terms(query)
    if not terms:
        return []
    scope_sql, scope_params = _scope(user=user, company=company, folder=folder, since=since, until=until)
    ids = index_query(terms=terms, scope_sql=scope_sql, scope_params=scope_params,
                      limit=max(1, min(limit, MAX_LIMIT)), offset=max(0, offset))
    if not ids:
        return []
    documents = Document.objects.select_related("folder").in_bulk(ids)
    paths = _folder_paths(folders={d.folder_id: d.folder for d in documents.values()})
    snippets = index_snippets(terms=terms, document_ids=ids)
    return [SearchHit(document=documents[pk], folder_path=paths.get(documents[pk].folder_id, ""),
                      marked_snippet=snippets.get(pk, "")) for pk in ids if pk in documents]


def _folder_paths(*, folders: dict[int, Folder]) -> dict[int, str]:
    """As `folder_display_paths`, reading only the ancestors' names (one query, no model rows)."""
    names = dict(Folder.objects.filter(pk__in={pk for folder in folders.values() for pk in folder.ancestor_ids})
                 .values_list("pk", "name"))
    return {pk: " / ".join(names[a] for a in folder.ancestor_ids if a in names) for pk, folder in folders.items()}
