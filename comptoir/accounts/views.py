from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.accounts.extensions import two_factor_settings_panels
from comptoir.accounts.forms import ApiTokenForm
from comptoir.accounts.selectors import two_factor_required_for, user_has_two_factor
from comptoir.accounts.services import api_token_create, api_tokens_revoke_all
from comptoir.accounts.services import api_token_revoke as api_token_revoke_service


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's view; the form needs the request to throttle by address."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's view; a link that is not (or no longer) valid answers 404, with the page that says so.

    A new password revokes the account's API tokens: whoever reset it may be taking the account back
    from someone who also holds a token. The next page says so."""

    def form_valid(self, form):
        response = super().form_valid(form)
        revoked = api_tokens_revoke_all(user=form.user, actor=form.user, reason="password_reset")
        if revoked:
            messages.warning(self.request, ngettext(
                "Votre jeton d'API a été révoqué avec l'ancien mot de passe : créez-en un nouveau dans vos "
                "paramètres si un programme en a besoin.",
                "Vos %(count)d jetons d'API ont été révoqués avec l'ancien mot de passe : créez-en de nouveaux "
                "dans vos paramètres si des programmes en ont besoin.", revoked) % {"count": revoked})
        return response

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 404
        return response


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """'Paramètres → Mon compte': password, language and API tokens. A new token is shown once, here."""
    new_token = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, new_token = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    panels = [{"template": panel.template, "context": context} for panel in two_factor_settings_panels.values()
              if (context := panel.context(request)) is not None]
    return render(request, "accounts/settings.html", {
        "form": form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
        "two_factor_enabled": user_has_two_factor(user=request.user),
        "two_factor_required": two_factor_required_for(user=request.user),
        "two_factor_panels": panels,
    })


@login_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=token_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    api_token_revoke_service(token=token, actor=request.user)
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    return redirect("accounts:settings")
