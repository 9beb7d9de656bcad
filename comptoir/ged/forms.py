from django import forms
from django.utils.translation import gettext_lazy as _


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
    company = forms.IntegerField(required=False)
    folder = forms.IntegerField(required=False)
    du = forms.DateField(label=_("Du"), required=False)
    au = forms.DateField(label=_("Au"), required=False)

