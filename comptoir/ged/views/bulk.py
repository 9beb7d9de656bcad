"""Actions on the documents picked in a folder's list: move, download as one zip, trash; and
restore from the trash. Each goes through the single-document services (ged.services.bulk)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.firms.selectors import company_get_for_user
from comptoir.ged import services
from comptoir.ged.archives import documents_zip_response
from comptoir.ged.listings import document_filters_read, document_list_filtered
from comptoir.ged.selectors import document_list_by_ids_for_user, folder_display_path, folder_get_for_user

# "Select all N in this folder" acts on at most this many documents in one request.
MAX_BULK = 10_000


def _ids(request: HttpRequest) -> list[int]:
    ids = []
    for raw in request.POST.getlist("document"):
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    return ids


def _picked(request: HttpRequest, folder) -> list:
    if request.POST.get("all"):
        # Everything the list's filters match, as the page showed it.
        filters = document_filters_read(QueryDict(request.POST.get("filters", "")))
        documents = document_list_filtered(user=request.user, folder=folder, filters=filters)
        return list(documents.select_related("company", "company__firm")[:MAX_BULK])
    return document_list_by_ids_for_user(user=request.user, document_ids=_ids(request)[:MAX_BULK])


def _report(request: HttpRequest, outcomes, success) -> None:
    """`success(count)` is the message for what was done; each refusal is named with its reason."""
    done = sum(outcome.ok for outcome in outcomes)
    if done:
        messages.success(request, success(done))
    for outcome in outcomes:
        if not outcome.ok:
            messages.error(request, f"« {outcome.document.name} » : {outcome.error}")


@login_required
def folder_bulk(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.POST.get("all") and not _ids(request):
        messages.error(request, _("Sélectionnez au moins un document."))
        return redirect("ged:folder", folder_id=folder.pk)
    documents = _picked(request, folder)
    action = request.POST.get("action")
    if action == "zip":
        return documents_zip_response(documents=documents)
    if action == "move":
        if not (request.POST.get("folder") or "").isdigit():
            messages.error(request, _("Choisissez un dossier de destination."))
            return redirect("ged:folder", folder_id=folder.pk)
        target = folder_get_for_user(user=request.user, folder_id=int(request.POST["folder"]))
        outcomes = services.documents_bulk_move(documents=documents, folder=target, actor=request.user)
        path = folder_display_path(folder=target)
        _report(request, outcomes, lambda count: ngettext(
            "%(count)d document déplacé vers « %(path)s ».", "%(count)d documents déplacés vers « %(path)s ».",
            count) % {"count": count, "path": path})
    elif action == "trash":
        outcomes = services.documents_bulk_trash(documents=documents, actor=request.user)
        _report(request, outcomes, lambda count: ngettext(
            "%(count)d document mis à la corbeille.", "%(count)d documents mis à la corbeille.", count)
            % {"count": count})
    else:
        messages.error(request, _("Action inconnue."))
    filters = QueryDict(request.POST.get("filters", "")).urlencode()
    return redirect(reverse("ged:folder", args=[folder.pk]) + (f"?{filters}" if filters else ""))


@login_required
def trash_bulk_restore(request: HttpRequest, company_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    documents = [document for document in
                 document_list_by_ids_for_user(user=request.user, document_ids=_ids(request)[:MAX_BULK], trashed=True)
                 if document.company_id == company.pk]
    outcomes = services.documents_bulk_restore(documents=documents, actor=request.user)
    _report(request, outcomes, lambda count: ngettext(
        "%(count)d document restauré.", "%(count)d documents restaurés.", count) % {"count": count})
    return redirect("ged:trash", company_id=company.pk)
