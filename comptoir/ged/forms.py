from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.core.params import ParamError, date_bounded


class NameForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)


class FolderCreateForm(NameForm):
    firm_only = forms.BooleanField(label=_("Réservé au cabinet"), required=False)


class TargetFolderForm(forms.Form):
    """A target folder id; the view checks it through the selectors (same company, visible)."""

    folder = forms.IntegerField(label=_("Dossier de destination"))


class FolderMoveForm(forms.Form):
    # Empty means: at the root of the company's tree.
    parent = forms.IntegerField(label=_("Nouveau parent"), required=False)


class DocumentSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=200)
    company = forms.IntegerField(label=_("Entreprise"), required=False, min_value=1, max_value=2**63 - 1)
    folder = forms.IntegerField(label=_("Dossier"), required=False, min_value=1, max_value=2**63 - 1)
    du = forms.DateField(label=_("Du"), required=False)
    au = forms.DateField(label=_("Au"), required=False)

    def _bounded(self, name: str):
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        try:
            return date_bounded(value)
        except ParamError as refusal:
            raise forms.ValidationError(refusal.message) from None

    def clean_du(self):
        return self._bounded("du")

    def clean_au(self):
        return self._bounded("au")

    def error_lines(self) -> list[str]:
        """One line per refused parameter (« Du : … »), shown above the results."""
        return [f"{self.fields[name].label or name} : {' '.join(texts)}" for name, texts in self.errors.items()]

