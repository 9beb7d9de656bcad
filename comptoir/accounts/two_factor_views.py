"""Two-factor authentication pages: enrol an authenticator (QR code, recovery codes), give the code
after the password, switch it off. (The firm admin's "required for all staff" switch is `firms`'.)"""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from comptoir.accounts import services
from comptoir.accounts.forms import TwoFactorCodeForm, TwoFactorSetupForm
from comptoir.accounts.middleware import REMEMBER_COOKIE, remember_cookie_value
from comptoir.accounts.selectors import two_factor_required_for, user_has_two_factor


def _qr_data_uri(text: str) -> str:
    """The enrolment QR code as an SVG data URI: an image, so the page's CSP needs no inline style."""
    buffer = BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: `redirect("NaN")` would take it for a URL name (NoReverseMatch, a 500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if user_has_two_factor(user=request.user):
        return render(request, "accounts/two_factor_setup.html", {"enabled": True,
                      "required": two_factor_required_for(user=request.user)})
    device = services.totp_device_start(user=request.user)
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_enable(user=request.user, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            messages.success(request, _("La double authentification est activée."))
            return render(request, "accounts/two_factor_codes.html", {"codes": codes})
        form.add_error("code", _("Ce code ne correspond pas. Vérifiez l'heure de votre téléphone et réessayez."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "secret": secret, "qr": _qr_data_uri(device.config_url),
        "required": two_factor_required_for(user=request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified() or not user_has_two_factor(user=request.user):
        return redirect(_safe_next(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.two_factor_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            response = redirect(_safe_next(request))
            if form.cleaned_data["remember"] and device.persistent_id.startswith("otp_totp."):
                response.set_cookie(REMEMBER_COOKIE, remember_cookie_value(device=device),
                                    max_age=settings.COMPTOIR_TWO_FACTOR_REMEMBER_DAYS * 86400, httponly=True,
                                    secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")
            return response
        form.add_error("code", _("Code incorrect ou expiré."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    if two_factor_required_for(user=request.user):
        messages.error(request, _("Votre cabinet exige la double authentification : elle ne peut pas être désactivée."))
        return redirect("accounts:settings")
    services.two_factor_disable(user=request.user, actor=request.user)
    messages.success(request, _("La double authentification est désactivée."))
    response = redirect("accounts:settings")
    response.delete_cookie(REMEMBER_COOKIE)
    return response
