"""One way to say a refusal: ComptoirError, ValidationError (flat or per field) and bound forms."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation

from comptoir.core.errors import ComptoirError, NotFound
from comptoir.core.refusals import refusal_form_add, refusal_message, refusal_text, refusal_texts


class _NameForm(forms.Form):
    name = forms.CharField(max_length=5)


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_each_kind_of_refusal_reads_as_its_sentences():
    assert refusal_texts(NotFound("Ce dossier n'existe plus.")) == ["Ce dossier n'existe plus."]
    assert refusal_texts(ValidationError(["Nom vide.", "Nom trop long."])) == ["Nom vide.", "Nom trop long."]
    assert refusal_texts(ValidationError({"name": "Nom vide."})) == ["Nom vide."]
    assert refusal_text(ValidationError(["Nom vide.", "Nom trop long."])) == "Nom vide. Nom trop long."
    with translation.override("en"):
        form = _NameForm({"name": "beaucoup trop long"})
        assert not form.is_valid()
        assert refusal_texts(form) == ["Ensure this value has at most 5 characters (it has 18)."]


def test_a_refusal_becomes_one_error_message_per_sentence():
    request = _request()
    refusal_message(request, ValidationError(["Nom vide.", "Nom trop long."]))
    refusal_message(request, ComptoirError("Refusé.", status=403))
    shown = [(message.level_tag, message.message) for message in get_messages(request)]
    assert shown == [("error", "Nom vide."), ("error", "Nom trop long."), ("error", "Refusé.")]


@pytest.mark.parametrize(("refusal", "field_errors", "form_errors"), [
    (ValidationError({"name": "Déjà pris.", "elsewhere": "Autre."}), ["Déjà pris."], ["Autre."]),
    (ValidationError("Refusé."), [], ["Refusé."]),
    (ComptoirError("Archivée."), [], ["Archivée."]),
])
def test_a_service_refusal_lands_on_the_form_field_it_names(refusal, field_errors, form_errors):
    form = _NameForm({"name": "abc"})
    assert form.is_valid()
    refusal_form_add(form, refusal)
    assert form.errors.get("name", []) == field_errors
    assert form.non_field_errors() == form_errors
