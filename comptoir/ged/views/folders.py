from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.core.refusals import refusal_message
from comptoir.firms.policy import can_manage_folders, can_see_firm_only_folders
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged import services
from comptoir.ged.forms import FolderCreateForm, FolderMoveForm, NameForm
from comptoir.ged.listings import folder_trash_summary
from comptoir.ged.policy import can_change_folder
from comptoir.ged.selectors import folder_display_path, folder_get_for_user


def _check_post_and_policy(request: HttpRequest, folder=None) -> HttpResponse | None:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_manage_folders(request.user):
        raise PermissionDenied
    if folder is not None and not can_change_folder(request.user, folder):
        raise PermissionDenied
    return None


@login_required
def folder_create(request: HttpRequest, company_id: int) -> HttpResponse:
    """A new folder, under `parent` (a folder id) or at the root of the company's tree."""
    company = company_get_for_user(user=request.user, company_id=company_id)
    if refusal := _check_post_and_policy(request):
        return refusal
    parent_id = request.POST.get("parent") or None
    parent = folder_get_for_user(user=request.user, folder_id=int(parent_id)) if parent_id else None
    if parent is not None and parent.company_id != company.pk:
        raise PermissionDenied
    form = FolderCreateForm(request.POST)
    if not form.is_valid():
        refusal_message(request, form)
        return redirect("ged:folder", folder_id=parent.pk) if parent else redirect("ged:company", company_id=company.pk)
    firm_only = form.cleaned_data["firm_only"] and can_see_firm_only_folders(request.user)
    try:
        folder = services.folder_create(company=company, parent=parent, name=form.cleaned_data["name"],
                                        actor=request.user, firm_only=firm_only)
    except ValidationError as error:
        refusal_message(request, error)
        return redirect("ged:folder", folder_id=parent.pk) if parent else redirect("ged:company", company_id=company.pk)
    messages.success(request, _("Dossier « %(name)s » créé.") % {"name": folder.name})
    return redirect("ged:folder", folder_id=folder.pk)


@login_required
def folder_rename(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    if refusal := _check_post_and_policy(request, folder):
        return refusal
    form = NameForm(request.POST)
    if not form.is_valid():
        refusal_message(request, form)
    else:
        try:
            services.folder_rename(folder=folder, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as error:
            refusal_message(request, error)
        else:
            messages.success(request, _("Dossier renommé."))
    return redirect("ged:folder", folder_id=folder.pk)


@login_required
def folder_move(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    if refusal := _check_post_and_policy(request, folder):
        return refusal
    form = FolderMoveForm(request.POST)
    if not form.is_valid():
        refusal_message(request, form)
        return redirect("ged:folder", folder_id=folder.pk)
    parent_id = form.cleaned_data["parent"]
    new_parent = folder_get_for_user(user=request.user, folder_id=parent_id) if parent_id else None
    try:
        services.folder_move(folder=folder, new_parent=new_parent, actor=request.user)
    except ValidationError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("Dossier déplacé."))
    return redirect("ged:folder", folder_id=folder.pk)


def _trash_confirmation(request: HttpRequest, folder, *, error: str = "") -> HttpResponse:
    """What trashing the folder would take with it, and (for the annual folder) its name to type."""
    summary = folder_trash_summary(folder=folder)
    return render(request, "ged/folder_trash.html", {
        "folder": folder, "company": folder.company, "path": folder_display_path(folder=folder),
        "subfolder_count": summary.subfolders, "document_count": summary.documents, "facts": summary.facts,
        "needs_name": folder.role == "annual", "error": error,
    }, status=400 if error else 200)


@login_required
def folder_trash(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    if request.method == "GET":
        if not can_change_folder(request.user, folder):
            raise PermissionDenied
        return _trash_confirmation(request, folder)
    if refusal := _check_post_and_policy(request, folder):
        return refusal
    if folder.role == "annual" and request.POST.get("confirm_name", "").strip() != folder.name:
        return _trash_confirmation(request, folder, error=_("Tapez le nom exact du dossier pour confirmer."))
    path = folder_display_path(folder=folder)
    services.folder_trash(folder=folder, actor=request.user)
    messages.success(request, _("Le dossier « %(name)s » et son contenu sont dans la corbeille.")
                     % {"name": path})
    if folder.parent_id:
        return redirect("ged:folder", folder_id=folder.parent_id)
    return redirect("ged:company", company_id=folder.company_id)
