"""Pages of the firm's people: invite someone to a company's space, accept an invitation, and the firm
admin's "two-factor required for all staff" switch (shown on "Mon compte", see `apps.py`)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.refusals import refusal_message
from comptoir.firms.emails import invitation_send
from comptoir.firms.forms import InvitationAcceptForm, InvitationForm
from comptoir.firms.policy import can_invite, firms_policy
from comptoir.firms.selectors import company_get_for_user, firm_for_user, invitation_get_pending
from comptoir.firms.services import firm_two_factor_require
from comptoir.firms.services import invitation_accept as invitation_accept_service


@login_required
def invitation_new(request: HttpRequest, company_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_invite(request.user):
        raise PermissionDenied
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitation_send(company=company, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            refusal_message(request, error)
        else:
            messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email})
    else:
        refusal_message(request, form)
    return redirect("web:company", company_id=company.pk)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_pending(token=token)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept_service(invitation=invitation, password=form.cleaned_data["password1"],
                                             full_name=form.cleaned_data["full_name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Bienvenue ! Votre compte est activé."))
            return redirect("web:home")
    return render(request, "firms/invitation_accept.html", {"invitation": invitation, "form": form})


@login_required
@require_POST
def firm_two_factor_policy(request: HttpRequest) -> HttpResponse:
    if not firms_policy.can(request.user, "firm.require_two_factor"):
        raise PermissionDenied
    required = request.POST.get("required") == "1"
    firm_two_factor_require(firm=firm_for_user(user=request.user), required=required, actor=request.user)
    if required:
        messages.success(request, _("La double authentification est désormais obligatoire pour le cabinet. Les "
                                    "jetons d'API des collaborateurs qui ne l'ont pas encore activée sont révoqués."))
    else:
        messages.success(request, _("La double authentification n'est plus obligatoire pour le cabinet."))
    return redirect("accounts:settings")
