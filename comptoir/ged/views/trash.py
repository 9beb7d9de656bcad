from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.core.refusals import REFUSALS, refusal_message
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged import services
from comptoir.ged.policy import document_actions, folder_actions, ged_policy
from comptoir.ged.selectors import document_get_for_user, folder_display_paths, trash_list_for_user


@login_required
def trash_page(request: HttpRequest, company_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    folders, documents = trash_list_for_user(user=request.user, company=company)
    folders = list(folders.select_related("deleted_by").order_by("-deleted_at"))
    documents = list(documents.select_related("folder", "deleted_by").order_by("-deleted_at"))
    # The trash names where things were, by full path ("… / Ventes / 05 – Novembre 2026").
    paths = folder_display_paths(folders=folders + [document.folder for document in documents])
    for item in folders:
        item.display_path = paths.get(item.pk, item.name)
    for document in documents:
        document.display_path = paths.get(document.folder_id, document.folder.name)
    # The policy's rules read who created or deposited each item: one query each, not one per row.
    prefetch_related_objects([item for item in folders if item.created_by_id], "created_by__membership")
    prefetch_related_objects([item for item in documents if item.depositor_id], "depositor__membership")
    for item in folders:
        item.can = folder_actions(request.user, item)
    for document in documents:
        document.can = document_actions(request.user, document)
    return render(request, "ged/trash.html", {
        "company": company,
        "folders": folders,
        "documents": documents,
        "can_restore_some": any(document.can["restore"] for document in documents),
    })


@login_required
def folder_restore(request: HttpRequest, company_id: int, folder_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    folders, _documents = trash_list_for_user(user=request.user, company=company)
    folder = folders.select_related("parent", "company").filter(pk=folder_id).first()
    if folder is None:
        raise Http404("folder not in trash")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not ged_policy.can(request.user, "folder.restore", folder):
        raise PermissionDenied
    try:
        services.folder_restore(folder=folder, actor=request.user)
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("Le dossier « %(name)s » est restauré.") % {"name": folder.name})
    return redirect("ged:trash", company_id=company.pk)


@login_required
def document_restore(request: HttpRequest, company_id: int, document_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    document = document_get_for_user(user=request.user, document_id=document_id, include_trashed=True)
    if document.company_id != company.pk or document.deleted_at is None:
        raise Http404("document not in trash")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.document_restore(document=document, actor=request.user)
    except REFUSALS as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("« %(name)s » est restauré.") % {"name": document.name})
    return redirect("ged:trash", company_id=company.pk)
