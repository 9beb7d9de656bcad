from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from comptoir.accounts.forms import ApiTokenForm, InvitationAcceptForm, InvitationForm
from comptoir.accounts.selectors import two_factor_required_for, user_has_two_factor
from comptoir.accounts.services import api_token_create
from comptoir.accounts.services import api_token_revoke as api_token_revoke_service
from comptoir.firms.emails import invitation_send
from comptoir.firms.policy import can_invite, firms_policy
from comptoir.firms.selectors import company_get_for_user, firm_for_user, invitation_get_pending
from comptoir.firms.services import invitation_accept as invitation_accept_service


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's view; the form needs the request to throttle by address."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's view; a link that is not (or no longer) valid answers 404, with the page that says so."""

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 404
        return response


def _error_messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """'Paramètres → Mon compte': password, language and API tokens. A new token is shown once, here."""
    new_token = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, new_token = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    firm = firm_for_user(user=request.user)
    return render(request, "accounts/settings.html", {
        "form": form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
        "two_factor_enabled": user_has_two_factor(user=request.user),
        "two_factor_required": two_factor_required_for(user=request.user),
        "can_require_two_factor": firms_policy.can(request.user, "firm.require_two_factor"),
        "firm_requires_two_factor": bool(firm and firm.require_two_factor),
    })


@login_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=token_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    api_token_revoke_service(token=token, actor=request.user)
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    return redirect("accounts:settings")


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
            for message in _error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
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
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})
