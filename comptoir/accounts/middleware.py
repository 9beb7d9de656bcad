"""Two-factor authentication on the web: a signed-in session with an authenticator is usable only
once a code was given; firm staff of a firm that requires it are sent to enrolment first.

The API is not concerned (bearer tokens, created from a session that passed the second factor).
"""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from comptoir.accounts.selectors import two_factor_required_for, user_has_two_factor

REMEMBER_COOKIE = "comptoir_2fa_appareil"
REMEMBER_SALT = "comptoir.accounts.two_factor.remember"
# Reachable before the second factor: the steps themselves, leaving, and what pages need to render.
OPEN_PREFIXES = ("/api/", "/static/", "/i18n/", "/healthz", "/metrics")


def remember_cookie_value(*, device: TOTPDevice) -> str:
    return signing.dumps({"user": device.user_id, "device": device.pk}, salt=REMEMBER_SALT)


def remembered_device(request: HttpRequest) -> TOTPDevice | None:
    raw = request.COOKIES.get(REMEMBER_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=REMEMBER_SALT, max_age=settings.COMPTOIR_TWO_FACTOR_REMEMBER_DAYS * 86400)
    except signing.BadSignature:
        return None
    if value.get("user") != request.user.pk:
        return None
    return TOTPDevice.objects.filter(pk=value.get("device"), user=request.user, confirmed=True).first()


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = request.user
        if not user.is_authenticated or request.path.startswith(OPEN_PREFIXES) or user.is_verified():
            return self.get_response(request)
        open_paths = {reverse("accounts:logout"), reverse("accounts:two_factor_verify"),
                      reverse("accounts:two_factor_setup")}
        if user_has_two_factor(user=user):
            device = remembered_device(request)
            if device is not None:
                otp_login(request, device)
                return self.get_response(request)
            if request.path in open_paths:
                return self.get_response(request)
            return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
        if two_factor_required_for(user=user) and request.path not in open_paths:
            messages.info(request, _("Votre cabinet demande la double authentification : activez-la pour continuer."))
            return redirect("accounts:two_factor_setup")
        return self.get_response(request)
