from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from comptoir.firms.policy import can_manage_folders, is_firm_staff
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged.policy import can_change_folder
from comptoir.ged.selectors import (
    document_get_for_user,
    document_list_for_user,
    folder_ancestors,
    folder_get_for_user,
    folder_list_for_user,
)
from comptoir.ged.views.tree import document_panel_list, folder_panel_urls, folder_tree_build

PREVIEWABLE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


@login_required
def company_ged(request: HttpRequest, company_id: int) -> HttpResponse:
    """A company's GED opens on its first top-level folder (the annual accounting folder)."""
    company = company_get_for_user(user=request.user, company_id=company_id)
    first = folder_list_for_user(user=request.user, company=company).filter(parent__isnull=True).first()
    if first is not None:
        return redirect("ged:folder", folder_id=first.pk)
    return render(request, "ged/folder.html", _page_context(request, company=company, folder=None))


def _page_context(request: HttpRequest, *, company, folder) -> dict:
    tree = folder_tree_build(user=request.user, company=company, current=folder)
    context = {
        "company": company,
        "folder": folder,
        "tree": tree,
        "can_manage_folders": can_manage_folders(request.user),
        "can_change_folder": folder is not None and can_change_folder(request.user, folder),
        "is_staff_user": is_firm_staff(request.user),
    }
    if folder is not None:
        subtree_prefix = folder.path
        context.update(
            ancestors=folder_ancestors(folder=folder),
            documents=document_list_for_user(user=request.user, folder=folder),
            panels=folder_panel_urls(user=request.user, folder=folder),
            document_panels=document_panel_list(user=request.user),
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
    """The document list alone, refreshed by the page after uploads."""
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    tree = folder_tree_build(user=request.user, company=folder.company, current=folder)
    return render(request, "ged/_documents.html", {
        "folder": folder,
        "tree": tree,
        "documents": document_list_for_user(user=request.user, folder=folder),
        "document_panels": document_panel_list(user=request.user),
    })


@login_required
def document_preview(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_get_for_user(user=request.user, document_id=document_id)
    context = {"document": document, "previewable": document.content_type in PREVIEWABLE_TYPES,
               "is_image": document.content_type.startswith("image/"),
               "document_panels": document_panel_list(user=request.user)}
    if request.htmx:
        return render(request, "ged/_preview.html", context)
    context.update(company=document.company, ancestors=folder_ancestors(folder=document.folder))
    return render(request, "ged/document.html", context)
