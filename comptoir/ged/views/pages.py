from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext

from comptoir.firms.policy import is_firm_staff
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged import extensions
from comptoir.ged.list_options import SORT_PARAM, document_list_options
from comptoir.ged.listings import (
    document_filter_choices,
    document_filters_read,
    document_list_filtered,
    document_list_stamp,
    folder_children_counts,
)
from comptoir.ged.models import DocumentExtract
from comptoir.ged.policy import document_actions, folder_actions, ged_policy
from comptoir.ged.selectors import (
    document_get_for_user,
    document_notices,
    folder_ancestors,
    folder_get_for_user,
    folder_list_for_user,
)
from comptoir.ged.views.rows import document_rows
from comptoir.ged.views.tree import FolderTree, document_panel_list, folder_panel_urls, folder_tree_build

PREVIEWABLE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
PAGE_SIZE = 50


@login_required
def company_ged(request: HttpRequest, company_id: int) -> HttpResponse:
    """A company's GED opens on its first top-level folder (the annual accounting folder)."""
    company = company_get_for_user(user=request.user, company_id=company_id)
    first = folder_list_for_user(user=request.user, company=company).filter(parent__isnull=True).first()
    if first is not None:
        return redirect("ged:folder", folder_id=first.pk)
    return render(request, "ged/folder.html", _page_context(request, company=company, folder=None))


def _listing_context(request: HttpRequest, *, folder, tree: FolderTree) -> dict:
    filters = document_filters_read(request.GET)
    params = filters.params()
    documents = document_list_filtered(user=request.user, folder=folder, filters=filters)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    paths = {item.folder.pk: item.path for item in tree.flat}
    prefix = paths.get(folder.pk, folder.name) + " / "
    for document in rows:
        # In "inclure les sous-dossiers", where each document is, relative to this folder.
        document.place = paths.get(document.folder_id, "").removeprefix(prefix) if document.folder_id != folder.pk \
            else ""
    # A column's link sorts by it; a second click reverses the order.
    sort_links = {sort.key: urlencode({**params, SORT_PARAM: f"-{sort.key}" if filters.sort == sort.key and sort.reverse
                                       else sort.key}) for sort in document_list_options.sorts}
    choices = document_filter_choices(user=request.user, folder=folder, include_subfolders=filters.include_subfolders)
    list_filters = [{"key": item.key, "label": gettext(item.label), "input_type": item.input_type,
                     "value": filters.choice.raw.get(item.key, ""), "choices": choices.get(item.key, [])}
                    for item in document_list_options.filters]
    actions = _document_row_actions(request.user, rows)
    subfolders = folder_children_counts(user=request.user, folder=folder, visible=[item.folder for item in tree.flat])
    badges: dict[int, list[str]] = {}
    if is_firm_staff(request.user) and subfolders:
        for source in extensions.folder_badges:
            for folder_id, labels in source([item.folder for item in subfolders]).items():
                badges.setdefault(folder_id, []).extend(labels)
    for item in subfolders:
        item.folder.badges = badges.get(item.folder.pk, [])
    return {
        "subfolders": subfolders,
        "page": page,
        "documents": rows,
        "filters": filters,
        "list_filters": list_filters,
        "list_sorts": [(key, gettext(label)) for sort in document_list_options.sorts for key, label in sort.options()],
        "query": urlencode(params),
        "sort_links": sort_links,
        "stamp": document_list_stamp(documents=rows, total=page.paginator.count),
        "row_html": document_rows(rows, panels=document_panel_list(user=request.user), user=request.user),
        "tree": tree,
        **actions,
    }


def _document_row_actions(user, rows: list) -> dict:
    """Each row's `document.can` (the policy's answer per action), and whether the bulk bar offers
    moving and trashing at all (some document on the page allows it)."""
    # A client admin's rule reads the depositor's role: one query for the page, not one per row.
    prefetch_related_objects([row for row in rows if row.depositor_id], "depositor__membership")
    for document in rows:
        document.can = document_actions(user, document)
    return {"bulk_can_move": any(row.can["move"] for row in rows),
            "bulk_can_trash": any(row.can["trash"] for row in rows)}


def _page_context(request: HttpRequest, *, company, folder) -> dict:
    tree = folder_tree_build(user=request.user, company=company, current=folder, with_news=True)
    context = {
        "company": company,
        "folder": folder,
        "tree": tree,
        "can_manage_folders": ged_policy.can(request.user, "folder.create"),
        "can_create_firm_only": ged_policy.can(request.user, "folder.create_firm_only"),
        "folder_can": folder_actions(request.user, folder) if folder is not None else {},
        "is_staff_user": is_firm_staff(request.user),
    }
    if folder is not None:
        subtree_prefix = folder.path
        context.update(_listing_context(request, folder=folder, tree=tree))
        context.update(
            ancestors=folder_ancestors(folder=folder),
            panels=folder_panel_urls(user=request.user, folder=folder),
            # Where this folder may go: anywhere but inside itself.
            move_targets=[item for item in tree.flat if not item.folder.path.startswith(subtree_prefix)],
        )
    return context


@login_required
def folder_page(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    return render(request, "ged/folder.html", _page_context(request, company=folder.company, folder=folder))


@login_required
def folder_documents(request: HttpRequest, folder_id: int) -> HttpResponse:
    """The subfolders and documents alone: refreshed by the page after uploads, and polled with the
    list's stamp (204, nothing to redraw, while nothing it shows has changed)."""
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    tree = folder_tree_build(user=request.user, company=folder.company, current=folder)
    context = {"folder": folder, "company": folder.company, **_listing_context(request, folder=folder, tree=tree)}
    if request.GET.get("stamp") and request.GET["stamp"] == context["stamp"]:
        return HttpResponse(status=204)
    changed = _rows_changed(request.GET.get("rows", ""), context["row_html"])
    if changed is not None:
        # The same rows in the same order: only those whose markup changed, swapped in place (one request
        # for the whole list, nothing else redrawn, the selection and the open menus untouched).
        response = HttpResponse("<template>" + "".join(
            html.replace("<tr ", '<tr hx-swap-oob="true" ', 1) for html in changed) + "</template>")
        response["HX-Reswap"] = "none"
        response["X-List-Stamp"] = context["stamp"]
        return response
    return render(request, "ged/_documents.html", context)


def _rows_changed(sent: str, row_html: dict[int, str]) -> list[str] | None:
    """The rows whose stamp differs from what the page has (`rows` = "id:stamp,…" in its order), or None
    when the page shows other rows (added, removed, reordered): then the whole list is redrawn."""
    try:
        shown = [(int(doc_id), stamp) for doc_id, stamp in (item.split(":", 1) for item in sent.split(",") if item)]
    except ValueError:
        return None
    if not shown or [doc_id for doc_id, _stamp in shown] != list(row_html):
        return None
    return [row_html[doc_id] for doc_id, stamp in shown if f'data-row-stamp="{stamp}"' not in row_html[doc_id]]


@login_required
def document_preview(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_get_for_user(user=request.user, document_id=document_id)
    extract = DocumentExtract.objects.filter(document=document).first()
    context = {"document": document, "previewable": document.content_type in PREVIEWABLE_TYPES,
               "is_image": document.content_type.startswith("image/"),
               "is_pdf": document.content_type == "application/pdf",
               "page_count": (extract.page_count if extract else None) or 1,
               "document_panels": document_panel_list(user=request.user),
               "notices": document_notices(user=request.user, document=document)}
    if request.htmx:
        return render(request, "ged/_preview.html", context)
    context.update(company=document.company, ancestors=folder_ancestors(folder=document.folder))
    return render(request, "ged/document.html", context)


@login_required
def document_menu(request: HttpRequest, document_id: int) -> HttpResponse:
    """A row's "Plus" menu (rename, move or copy with the folder picker, trash), loaded when opened:
    the list stays light however many folders the company has."""
    document = document_get_for_user(user=request.user, document_id=document_id)
    tree = folder_tree_build(user=request.user, company=document.company, current=document.folder)
    return render(request, "ged/_document_menu.html",
                  {"document": document, "tree": tree, "can": document_actions(request.user, document)})
