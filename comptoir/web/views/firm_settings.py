import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.firms.policy import is_firm_admin
from comptoir.firms.selectors import firm_for_user
from comptoir.firms.services import firm_branding_update
from comptoir.web.forms import FirmBrandingForm


@login_required
def firm_settings(request: HttpRequest) -> HttpResponse:
    """'Paramètres → Cabinet': the firm's name and branding, for its administrators."""
    if not is_firm_admin(request.user):
        raise PermissionDenied
    firm = firm_for_user(user=request.user)
    form = FirmBrandingForm(request.POST or None, request.FILES or None, instance=firm)
    if request.method == "POST" and form.is_valid():
        fields = {key: form.cleaned_data[key] for key in FirmBrandingForm.Meta.fields}
        try:
            firm_branding_update(firm=firm, actor=request.user, logo=form.cleaned_data["logo_upload"], **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Les paramètres du cabinet sont enregistrés."))
            return redirect("web:firm_settings")
    return render(request, "web/firm_settings.html", {"form": form})


@login_required
def firm_logo(request: HttpRequest) -> HttpResponse:
    """The logo of the user's own firm (media files are not public)."""
    firm = firm_for_user(user=request.user)
    if firm is None or not firm.logo:
        raise Http404("no logo")
    content_type = mimetypes.guess_type(firm.logo.name)[0] or "application/octet-stream"
    response = FileResponse(firm.logo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
