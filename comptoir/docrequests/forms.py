from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.docrequests.models import DEFAULT_OFFSETS, DEFAULT_REPEAT_DAYS, Frequency
from comptoir.firms.models import CLIENT_ROLES, Company
from comptoir.ged.models import Folder
from comptoir.ged.selectors import folder_display_paths, folder_list_for_user


class OffsetsField(forms.CharField):
    """« -7, -1, 0 » → [-7, -1, 0]."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return sorted({int(part) for part in value.replace(";", ",").split(",") if part.strip()})
        except ValueError as error:
            raise forms.ValidationError(_("Des nombres de jours séparés par des virgules, ex. -7, -1, 0.")) from error


class DocumentRequestForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    folder = forms.ModelChoiceField(label=_("Dossier cible"), queryset=Folder.objects.none(), required=False,
                                    help_text=_("Par défaut : « À classer » de l'exercice de l'échéance."))
    due_date = forms.DateField(label=_("Échéance"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    addressees = forms.ModelMultipleChoiceField(label=_("Destinataires"), queryset=User.objects.none(),
                                                widget=forms.CheckboxSelectMultiple, required=False,
                                                help_text=_("Aucun coché : tous les utilisateurs de l'entreprise."))
    items = forms.CharField(label=_("Pièces demandées (une par ligne)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    reminder_offsets = OffsetsField(label=_("Relances (jours par rapport à l'échéance)"),
                                    initial=", ".join(str(day) for day in DEFAULT_OFFSETS), required=False)
    repeat_days = forms.IntegerField(label=_("Puis tous les N jours après l'échéance (0 : jamais)"),
                                     initial=DEFAULT_REPEAT_DAYS, min_value=0, max_value=365)

    def __init__(self, *args, user: User, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        folders = list(folder_list_for_user(user=user, company=company).order_by("path"))
        paths = folder_display_paths(folders=folders)
        self.fields["folder"].queryset = folder_list_for_user(user=user, company=company)
        self.fields["folder"].label_from_instance = lambda folder: paths.get(folder.pk, folder.name)
        self.fields["addressees"].queryset = User.objects.filter(membership__company=company,
                                                                 membership__role__in=CLIENT_ROLES, is_active=True)

    def cleaned_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


FOLDER_ROLES = [("banque", _("Banque")), ("achats", _("Achats")), ("ventes", _("Ventes")), ("social", _("Social")),
                ("fiscal", _("Fiscal")), ("juridique", _("Juridique")), ("a-classer", _("À classer"))]


class RequestTemplateForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    frequency = forms.ChoiceField(label=_("Fréquence"), choices=Frequency.choices)
    day = forms.IntegerField(label=_("Jour du mois"), min_value=1, max_value=28, initial=1)
    month = forms.IntegerField(label=_("Mois (modèles annuels)"), min_value=1, max_value=12, initial=1)
    due_days = forms.IntegerField(label=_("Échéance (jours après la demande)"), min_value=0, max_value=365,
                                  initial=10)
    folder_role = forms.ChoiceField(label=_("Dossier cible"), choices=FOLDER_ROLES)
    items = forms.CharField(label=_("Pièces demandées (une par ligne)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    companies = forms.ModelMultipleChoiceField(label=_("Entreprises abonnées"), queryset=Company.objects.none(),
                                               widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = companies
