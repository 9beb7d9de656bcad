"""Forms of the invitation pages: invite someone to a company's space, accept an invitation."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.firms.models import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=[(Role.CLIENT_MEMBER, Role.CLIENT_MEMBER.label), (Role.CLIENT_ADMIN, Role.CLIENT_ADMIN.label)],
        initial=Role.CLIENT_MEMBER,
    )


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Nom complet"), max_length=150, required=False)
    password1 = forms.CharField(label=_("Mot de passe"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Confirmation du mot de passe"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        elif password1:
            # An unsaved user, so the similarity validator compares with the invited address.
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
