from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.firms.logos import LOGO_ACCEPT, logo_checked
from comptoir.firms.models import Firm
from comptoir.firms.validators import validate_siren, validate_siret
from comptoir.web.models import DigestFrequency


class DateInput(forms.DateInput):
    """A native date picker: its value must be ISO whatever the locale, or the browser shows it empty."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format)


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Raison sociale"), max_length=200)
    siren = forms.CharField(label=_("SIREN"), max_length=11, help_text=_("9 chiffres"))
    siret = forms.CharField(label=_("SIRET (facultatif)"), max_length=17, required=False,
                            help_text=_("14 chiffres"))
    fiscal_year_start = forms.DateField(label=_("Début d'exercice"), required=False, widget=DateInput)
    fiscal_year_end = forms.DateField(label=_("Fin d'exercice"), required=False, widget=DateInput,
                                      help_text=_("Vides : l'année civile en cours."))

    def clean_siren(self) -> str:
        siren = self.cleaned_data["siren"].replace(" ", "")
        validate_siren(siren)
        return siren

    def clean_siret(self) -> str:
        siret = self.cleaned_data["siret"].replace(" ", "")
        validate_siret(siret)
        return siret

    def clean(self):
        cleaned = super().clean()
        siren, siret = cleaned.get("siren"), cleaned.get("siret")
        if siren and siret and not siret.startswith(siren):
            self.add_error("siret", _("Le SIRET doit commencer par le SIREN."))
        return cleaned


class FirmBrandingForm(forms.ModelForm):
    logo_upload = forms.FileField(label=_("Logo"), required=False,
                                  help_text=_("Image PNG, JPEG, GIF ou WebP, 2 Mo au plus."),
                                  widget=forms.FileInput(attrs={"accept": LOGO_ACCEPT}))

    class Meta:
        model = Firm
        fields = ["name", "primary_color", "accent_color", "sender_name"]
        widgets = {
            "primary_color": forms.TextInput(attrs={"type": "color"}),
            "accent_color": forms.TextInput(attrs={"type": "color"}),
        }
        help_texts = {"sender_name": _("Affiché devant l'adresse d'envoi des e-mails du portail.")}

    def clean_logo_upload(self):
        logo = self.cleaned_data.get("logo_upload")
        return logo_checked(logo) if logo else None


class CompanyEditForm(CompanyForm):
    """The company's identity and fiscal year, after creation. Dates are required here."""

    create_exercise_folders = forms.BooleanField(
        label=_("Créer les dossiers du nouvel exercice"), required=False, initial=True,
        help_text=_("Si l'exercice change : un nouveau dossier annuel est créé, rien n'est supprimé."))

    def __init__(self, *args, company, **kwargs):
        initial = {"name": company.name, "siren": company.siren, "siret": company.siret,
                   "fiscal_year_start": company.fiscal_year_start, "fiscal_year_end": company.fiscal_year_end}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["fiscal_year_start"].required = True
        self.fields["fiscal_year_end"].required = True
        self.fields["fiscal_year_end"].help_text = ""

class DigestForm(forms.Form):
    frequency = forms.ChoiceField(label=_("Résumé par e-mail"), choices=DigestFrequency.choices,
                                  help_text=_("Ce qui s'est passé dans vos entreprises : dépôts, envois à traiter."))
