from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.docrequests.models import DEFAULT_OFFSETS, DEFAULT_REPEAT_DAYS, Frequency
from comptoir.firms.models import CLIENT_ROLES, Company
from comptoir.ged.models import Folder
from comptoir.ged.selectors import folder_display_paths, folder_list_for_user

# The cadence as chips rather than typed numbers: the reminders before the due date, then a repeat after it.
OFFSET_CHOICES = [(-14, _("J-14")), (-7, _("J-7")), (-3, _("J-3")), (-1, _("J-1")), (0, _("jour J"))]
REPEAT_CHOICES = [(0, _("jamais")), (7, _("chaque semaine")), (14, _("toutes les deux semaines"))]


class OffsetsField(forms.TypedMultipleChoiceField):
    """Chips J-7, J-1, jour J… → [-7, -1, 0] (sorted)."""

    def __init__(self, **kwargs):
        super().__init__(choices=OFFSET_CHOICES, coerce=int,
                         widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}), **kwargs)
        self.error_messages["invalid_choice"] = _("Choisissez les relances parmi J-14, J-7, J-3, J-1 et jour J.")

    def clean(self, value):
        return sorted(set(super().clean(value)))


def folders_in_tree_order(folders: list[Folder]) -> list[tuple[int, str]]:
    """(id, full path) of each folder, in the tree's order: a parent, then its children by position."""
    by_id = {folder.pk: folder for folder in folders}
    paths = folder_display_paths(folders=folders)

    def key(folder: Folder):
        return [(by_id[pk].position, by_id[pk].name) if pk in by_id else (0, "") for pk in folder.ancestor_ids]

    return [(folder.pk, paths.get(folder.pk, folder.name)) for folder in sorted(folders, key=key)]


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
    reminder_offsets = OffsetsField(label=_("Relances"), initial=DEFAULT_OFFSETS, required=False)
    repeat_days = forms.TypedChoiceField(label=_("Puis, après l'échéance"), choices=REPEAT_CHOICES, coerce=int,
                                         initial=DEFAULT_REPEAT_DAYS,
                                         widget=forms.RadioSelect(attrs={"class": "chips"}))

    def __init__(self, *args, user: User, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        folders = list(folder_list_for_user(user=user, company=company))
        self.fields["folder"].queryset = folder_list_for_user(user=user, company=company)
        self.fields["folder"].choices = [("", "---------"), *folders_in_tree_order(folders)]
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
