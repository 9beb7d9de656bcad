"""One idempotent deposit: the same key (per company) is the same document, whatever the channel or the race."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.ged.models import Document
from comptoir.ged.services import document_deposit
from comptoir.ged.services import documents as documents_module
from tests.api.conftest import ApiClient
from tests.conftest import stored_keys
from tests.factories import PDF_BYTES, folder_named

pytestmark = pytest.mark.django_db


def deposit(folder, key, data=PDF_BYTES):
    return document_deposit(folder=folder, file=ContentFile(data), channel="api", actor=None, filename="f.pdf",
                            idempotency_key=key)


def test_the_same_key_returns_the_first_document_and_stores_nothing(company):
    folder = folder_named(company, "Ventes")
    first = deposit(folder, "k1")
    blobs = stored_keys()
    assert deposit(folder, "k1", data=PDF_BYTES + b"%autre") == first
    assert deposit(folder_named(company, "Achats"), "k1") == first
    assert stored_keys() == blobs
    assert Document.objects.count() == 1
    assert deposit(folder, "k2") != first


def test_keys_are_per_company(company, other_company):
    assert deposit(folder_named(company, "Ventes"), "k") != deposit(folder_named(other_company, "Ventes"), "k")


def test_a_concurrent_try_with_the_same_key_loses_to_the_constraint(company, monkeypatch):
    folder = folder_named(company, "Ventes")
    first = deposit(folder, "course")
    blobs = stored_keys()
    looked_up = documents_module._document_for_key
    calls = []

    def too_late(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else looked_up(**kwargs)  # the check ran before the other commit

    monkeypatch.setattr(documents_module, "_document_for_key", too_late)
    assert deposit(folder, "course") == first
    assert len(calls) == 2
    assert stored_keys() == blobs  # the loser's bytes were removed
    assert Document.objects.count() == 1


def test_api_upload_honours_the_idempotency_key_header(firm_admin, company):
    api = ApiClient(firm_admin)
    folder = folder_named(company, "Ventes")

    def upload(**headers):
        return api.client.post(f"/api/v1/folders/{folder.pk}/documents",
                               data={"file": SimpleUploadedFile("api.pdf", PDF_BYTES)},
                               headers={**api.headers, **headers})

    first = upload(**{"Idempotency-Key": "facture-42"})
    again = upload(**{"Idempotency-Key": "facture-42"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert upload(**{"Idempotency-Key": "facture-43"}).json()["id"] != first.json()["id"]
    assert upload().status_code == 201 and upload().status_code == 201  # no key: a new document each time
    assert Document.objects.count() == 4
    refused = upload(**{"Idempotency-Key": "x" * 101})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_idempotency_key"
