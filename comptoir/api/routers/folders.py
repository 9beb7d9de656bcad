"""Folders: rename, move, trash, restore; a company's trash. The services and policy of the GED pages."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from comptoir.api.pagination import Limit, Offset
from comptoir.api.schemas import ErrorOut, FolderMoveIn, FolderOut, FolderTrashIn, NameIn, TrashItemOut
from comptoir.core.errors import PermissionDenied
from comptoir.firms.policy import can_manage_folders
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged.models import Folder
from comptoir.ged.selectors import folder_ancestors, folder_display_paths, folder_get_for_user, trash_list_for_user
from comptoir.ged.services import folder_move, folder_rename, folder_restore, folder_trash

router = Router(tags=["GED"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
FOLDER_ROLE_ANNUAL = "annual"


def _folder_out(folder: Folder) -> dict:
    path = "/".join(ancestor.name for ancestor in folder_ancestors(folder=folder))
    return {"id": folder.pk, "name": folder.name, "parent_id": folder.parent_id, "path": path}


def _folder_to_change(request: HttpRequest, folder_id: int) -> Folder:
    folder = folder_get_for_user(user=request.auth, folder_id=folder_id)
    if not can_manage_folders(request.auth):
        raise PermissionDenied(_("Vous ne pouvez pas modifier les dossiers."))
    return folder


@router.post("/folders/{int:folder_id}/rename", response={200: FolderOut, **ERRORS}, summary="Renommer un dossier")
def folder_rename_endpoint(request: HttpRequest, folder_id: int, payload: NameIn):
    """Un nom déjà pris par un dossier voisin : 400, rien n'est changé."""
    folder = _folder_to_change(request, folder_id)
    return _folder_out(folder_rename(folder=folder, name=payload.name, actor=request.auth))


@router.post("/folders/{int:folder_id}/move", response={200: FolderOut, **ERRORS}, summary="Déplacer un dossier")
def folder_move_endpoint(request: HttpRequest, folder_id: int, payload: FolderMoveIn):
    """Sous `parent_id` (un dossier de la même entreprise, hors de son propre sous-arbre), ou à la racine."""
    folder = _folder_to_change(request, folder_id)
    parent = folder_get_for_user(user=request.auth, folder_id=payload.parent_id) if payload.parent_id else None
    return _folder_out(folder_move(folder=folder, new_parent=parent, actor=request.auth))


@router.post("/folders/{int:folder_id}/trash", response={200: FolderOut, **ERRORS},
             summary="Mettre un dossier (et son contenu) à la corbeille")
def folder_trash_endpoint(request: HttpRequest, folder_id: int, payload: FolderTrashIn):
    """Pour le dossier annuel, `confirm_name` doit être son nom exact (400 sinon), comme à l'écran."""
    folder = _folder_to_change(request, folder_id)
    if folder.role == FOLDER_ROLE_ANNUAL and payload.confirm_name.strip() != folder.name:
        raise HttpError(400, _("Tapez le nom exact du dossier pour confirmer."))
    out = _folder_out(folder)
    folder_trash(folder=folder, actor=request.auth)
    return out


@router.post("/folders/{int:folder_id}/restore", response={200: FolderOut, **ERRORS},
             summary="Restaurer un dossier de la corbeille")
def folder_restore_endpoint(request: HttpRequest, folder_id: int):
    """Un dossier qui n'est pas à la corbeille (ou hors de portée) : 404."""
    folder = Folder.objects.select_related("company").filter(pk=folder_id).first()
    if folder is None:
        raise Http404
    trashed, _documents = trash_list_for_user(user=request.auth, company=folder.company)
    folder = trashed.select_related("parent", "company").filter(pk=folder_id).first()
    if folder is None:
        raise Http404
    return _folder_out(folder_restore(folder=folder, actor=request.auth))


@router.get("/companies/{int:company_id}/trash", response={200: list[TrashItemOut], **ERRORS},
            summary="Corbeille d'une entreprise")
def trash_list(request: HttpRequest, company_id: int, limit: Limit = 100, offset: Offset = 0):
    """Dossiers (avec leur contenu) et documents mis à la corbeille, du plus récent au plus ancien."""
    company = company_get_for_user(user=request.auth, company_id=company_id)
    folders, documents = trash_list_for_user(user=request.auth, company=company)
    # Enough of each kind to fill the page once merged by date; never more.
    end = offset + limit
    folders = list(folders.select_related("deleted_by").order_by("-deleted_at", "-pk")[:end])
    documents = list(documents.select_related("folder", "deleted_by").order_by("-deleted_at", "-pk")[:end])
    items = sorted(folders + documents, key=lambda item: (item.deleted_at, item.pk), reverse=True)[offset:end]
    paths = folder_display_paths(folders=[i if isinstance(i, Folder) else i.folder for i in items])
    rows = []
    for item in items:
        is_folder = isinstance(item, Folder)
        path = paths.get(item.pk if is_folder else item.folder_id, "")
        rows.append({"kind": "folder" if is_folder else "document", "id": item.pk, "name": item.name,
                     "path": path.replace(" / ", "/"), "deleted_at": item.deleted_at,
                     "deleted_by": item.deleted_by.email if item.deleted_by else None})
    return rows
