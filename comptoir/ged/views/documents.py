import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from comptoir.core.errors import ComptoirError
from comptoir.core.refusals import REFUSALS, refusal_message, refusal_text
from comptoir.ged import services
from comptoir.ged.blobs import blob_download_url, blob_open
from comptoir.ged.forms import NameForm, TargetFolderForm
from comptoir.ged.models import Channel, Document, DocumentExtract, ExtractState
from comptoir.ged.previews import PDF, pdf_page_render
from comptoir.ged.selectors import document_get_for_user, folder_display_path, folder_get_for_user
from comptoir.ged.views.pages import PREVIEWABLE_TYPES

logger = logging.getLogger(__name__)
STREAM_BLOCK_SIZE = 1024 * 1024


@login_required
def document_upload(request: HttpRequest, folder_id: int) -> HttpResponse:
    """One or several files (field `file`). Big uploads are on disk already (TemporaryFileUploadHandler)
    and are streamed to storage by `document_deposit`; nothing is read whole into memory.

    The page's script posts one file per request and reads the JSON answer; without script, the
    form posts them all and the answer is a redirect with messages."""
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    wants_json = "application/json" in request.headers.get("Accept", "")
    uploads = request.FILES.getlist("file")
    if not uploads:
        message = _("Aucun fichier reçu.")
        if wants_json:
            return JsonResponse({"ok": False, "error": message}, status=400)
        messages.error(request, message)
        return redirect("ged:folder", folder_id=folder.pk)
    results = []
    for upload in uploads:
        try:
            document = services.document_deposit(folder=folder, file=upload, channel=Channel.WEB,
                                                 actor=request.user, filename=upload.name)
        except REFUSALS as error:
            results.append({"ok": False, "name": upload.name, "error": refusal_text(error),
                            "status": getattr(error, "status", 400)})
        else:
            results.append({"ok": True, "name": document.name, "id": document.pk})
    if wants_json:
        if len(results) == 1:
            status = 201 if results[0]["ok"] else results[0]["status"]
            return JsonResponse(results[0], status=status)
        return JsonResponse({"results": results}, status=207 if not all(r["ok"] for r in results) else 201)
    for result in results:
        if result["ok"]:
            messages.success(request, _("« %(name)s » est déposé.") % {"name": result["name"]})
        else:
            messages.error(request, result["error"])
    return redirect("ged:folder", folder_id=folder.pk)


def _file_response(document: Document, *, inline: bool) -> FileResponse:
    response = FileResponse(blob_open(document.blob), as_attachment=not inline, filename=document.name,
                            content_type=document.content_type)
    response.block_size = STREAM_BLOCK_SIZE
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_get_for_user(user=request.user, document_id=document_id)
    # On S3, after the tenant check above: a redirect to a short-lived signed URL, so a 1 GB file
    # does not hold a web worker; local files are streamed.
    signed = blob_download_url(document.blob, filename=document.name, content_type=document.content_type)
    if signed:
        response = HttpResponseRedirect(signed)
        response["Cache-Control"] = "private, no-store"
        return response
    return _file_response(document, inline=False)


@login_required
@xframe_options_sameorigin
def document_content(request: HttpRequest, document_id: int) -> HttpResponse:
    """The file shown inline in the preview pane: only PDFs and images, under a CSP that runs nothing."""
    document = document_get_for_user(user=request.user, document_id=document_id)
    inline = document.content_type in PREVIEWABLE_TYPES
    response = _file_response(document, inline=inline)
    if document.content_type == "application/pdf":
        # Chrome's PDF viewer does not run under a CSP sandbox; scripts stay forbidden all the same.
        response["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; frame-ancestors 'self'; sandbox"
    return response


def _document_action(request: HttpRequest, document_id: int):
    document = document_get_for_user(user=request.user, document_id=document_id)
    if request.method != "POST":
        return document, HttpResponseNotAllowed(["POST"])
    return document, None


def _back(document: Document) -> HttpResponse:
    return redirect("ged:folder", folder_id=document.folder_id)


@login_required
def document_rename(request: HttpRequest, document_id: int) -> HttpResponse:
    document, refusal = _document_action(request, document_id)
    if refusal:
        return refusal
    form = NameForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Le nom du document est vide ou invalide."))
        services.document_rename(document=document, name=form.cleaned_data["name"], actor=request.user)
    except REFUSALS as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("Document renommé en « %(name)s ».") % {"name": document.name})
    return _back(document)


def _target_folder(request: HttpRequest):
    form = TargetFolderForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choisissez un dossier de destination."))
    return folder_get_for_user(user=request.user, folder_id=form.cleaned_data["folder"])


@login_required
def document_move(request: HttpRequest, document_id: int) -> HttpResponse:
    document, refusal = _document_action(request, document_id)
    if refusal:
        return refusal
    origin = document.folder_id
    try:
        target = _target_folder(request)
        services.document_move(document=document, folder=target, actor=request.user)
    except REFUSALS as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("« %(name)s » est déplacé vers « %(folder)s ».")
                         % {"name": document.name, "folder": folder_display_path(folder=target)})
    return redirect("ged:folder", folder_id=origin)


@login_required
def document_copy(request: HttpRequest, document_id: int) -> HttpResponse:
    document, refusal = _document_action(request, document_id)
    if refusal:
        return refusal
    try:
        target = _target_folder(request)
        services.document_copy(document=document, folder=target, actor=request.user)
    except REFUSALS as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("Une copie de « %(name)s » est dans « %(folder)s ».")
                         % {"name": document.name, "folder": folder_display_path(folder=target)})
    return _back(document)


@login_required
def document_trash(request: HttpRequest, document_id: int) -> HttpResponse:
    document, refusal = _document_action(request, document_id)
    if refusal:
        return refusal
    try:
        services.document_trash(document=document, actor=request.user)
    except ComptoirError as error:
        refusal_message(request, error)
    else:
        messages.success(request, _("« %(name)s » (%(folder)s) est dans la corbeille.")
                         % {"name": document.name, "folder": folder_display_path(folder=document.folder)})
    return _back(document)


PLACEHOLDER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="160" viewBox="0 0 120 160">'
    '<rect width="120" height="160" rx="6" fill="#eef1f5"/><path d="M30 40h60M30 60h60M30 80h40" '
    'stroke="#b8c2cf" stroke-width="6" stroke-linecap="round"/></svg>'
)


@login_required
def document_thumbnail(request: HttpRequest, document_id: int) -> HttpResponse:
    """The first page as a small PNG once the worker made it; a neutral placeholder until then."""
    document = document_get_for_user(user=request.user, document_id=document_id)
    extract = DocumentExtract.objects.filter(document=document, thumbnail_state=ExtractState.READY).first()
    if extract is None or not extract.thumbnail:
        response = HttpResponse(PLACEHOLDER_SVG, content_type="image/svg+xml")
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(blob_open(extract.thumbnail), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def document_page_image(request: HttpRequest, document_id: int) -> HttpResponse:
    """Page `?page=N` of a PDF as an image, for the preview pane (every browser shows it, and no
    PDF viewer runs the file)."""
    document = document_get_for_user(user=request.user, document_id=document_id)
    if document.content_type != PDF:
        raise Http404("not a PDF")
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    try:
        png = pdf_page_render(key=document.blob, page_number=number)
    except Exception:  # a PDF that PDFium cannot read: the pane shows the placeholder, the file stays downloadable
        logger.info("page %s of document %s not rendered", number, document.pk, exc_info=True)
        return HttpResponse(PLACEHOLDER_SVG, content_type="image/svg+xml")
    if png is None:
        raise Http404("no such page")
    response = HttpResponse(png, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
