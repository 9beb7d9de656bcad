import logging

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.client_ip import client_ip_address
from comptoir.accounts.extensions import user_mail_context
from comptoir.accounts.selectors import login_failures_from_address, password_reset_requests_since
from comptoir.accounts.services import password_reset_request_record
from comptoir.core.mail import MAIL_SEND_ERRORS, sender_header

logger = logging.getLogger(__name__)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
        "address_blocked": _("Trop de tentatives de connexion depuis votre adresse. Réessayez dans un moment."),
    }

    def clean(self):
        # Per address, whatever the usernames: the lockout per (username, address) does not stop someone
        # trying one password on many accounts.
        if self.request is not None and settings.AXES_ENABLED:
            address = client_ip_address(self.request)
            if login_failures_from_address(ip_address=address) >= settings.COMPTOIR_LOGIN_IP_FAILURE_LIMIT:
                raise forms.ValidationError(self.error_messages["address_blocked"], code="address_blocked")
        return super().clean()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Nom du jeton"), max_length=100, initial="API",
                           help_text=_("Pour vous souvenir de son usage, par exemple « Scanner du bureau »."))


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(label=_("Code à 6 chiffres (ou code de secours)"), max_length=20, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))
    remember = forms.BooleanField(label=_("Faire confiance à cet appareil"), required=False)


class TwoFactorSetupForm(forms.Form):
    code = forms.CharField(label=_("Code affiché par l'application"), max_length=10, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PasswordResetRequestForm(PasswordResetForm):
    """Django's form, throttled per address and per account; the answer never says whether the account
    exists. The mail goes out in the firm's name (its sender name, its colours are on the pages)."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        address = client_ip_address(self.request) if self.request is not None else ""
        if password_reset_requests_since(ip_address=address) >= settings.COMPTOIR_PASSWORD_RESET_IP_LIMIT:
            raise forms.ValidationError(_("Trop de demandes depuis votre adresse. Réessayez dans une heure."))
        return cleaned

    def save(self, **kwargs):
        email = self.cleaned_data["email"]
        address = client_ip_address(self.request) if self.request is not None else ""
        over_limit = password_reset_requests_since(email=email) >= settings.COMPTOIR_PASSWORD_RESET_EMAIL_LIMIT
        password_reset_request_record(email=email, ip_address=address)
        if over_limit:
            return  # the same answer, without flooding the mailbox
        kwargs["extra_email_context"] = {"base_url": settings.BASE_URL}
        super().save(**kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        extra = {}
        for provider in user_mail_context:
            extra.update(provider(context["user"]))
        context = {**context, **extra}
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        try:
            sender = sender_header(context.get("sender_name") or "Comptoir")
            EmailMessage(subject=subject, body=body, from_email=sender, to=[to_email]).send()
        except MAIL_SEND_ERRORS:
            logger.exception("password reset mail to %s failed", to_email)
