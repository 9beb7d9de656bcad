"""/api/v1/requests…: bare JSON lists with limit/offset, `{error, detail}`, 404 across tenants, 403 to see-not-act."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.conftest import ApiClient
from tests.factories import PDF_BYTES


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def due(days=10) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_firm_creates_client_answers_firm_closes(company, firm_admin, client_user):
    firm, client = ApiClient(firm_admin), ApiClient(client_user)
    created = firm.post("/requests", {"company_id": company.pk, "title": "Relevés de novembre", "due_date": due(),
                                      "items": ["relevé BNP", "relevé Qonto"]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert [i["label"] for i in body["items"]] == ["relevé BNP", "relevé Qonto"] and body["status"] == "open"
    assert body["addressee_ids"] == [client_user.pk] and body["address"].startswith("demande+")
    listed = client.get(f"/requests?company_id={company.pk}&status=open")
    assert [r["id"] for r in listed.json()] == [body["id"]]
    bnp, qonto = body["items"]
    uploaded = client.client.post(f"/api/v1/requests/{body['id']}/documents", headers=client.headers,
                                  data={"file": _pdf(), "item_id": bnp["id"]})
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["items"][0]["status"] == "provided" and uploaded.json()["answers"][0]["document_id"]
    answered = client.post(f"/requests/{body['id']}/unavailable", {"item_id": qonto["id"], "comment": "Clôturé"})
    assert answered.json()["status"] == "provided"
    refused = client.post(f"/requests/{body['id']}/close", {})
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert firm.post(f"/requests/{body['id']}/close", {}).json()["status"] == "closed"
    again = firm.post(f"/requests/{body['id']}/close", {})
    assert again.status_code == 409 and set(again.json()) == {"error", "detail"}


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bnp.pdf", PDF_BYTES)


def test_a_client_may_see_but_not_create(company, client_user):
    response = ApiClient(client_user).post("/requests", {"company_id": company.pk, "title": "x", "due_date": due()})
    assert response.status_code == 403 and set(response.json()) == {"error", "detail"}


def test_bad_input_is_a_clear_error_and_creates_nothing(company, firm_admin):
    from comptoir.docrequests.models import DocumentRequest

    api = ApiClient(firm_admin)
    assert api.post("/requests", {"company_id": company.pk, "title": " ", "due_date": due()}).status_code == 400
    assert api.post("/requests", {"company_id": company.pk, "title": "x"}).status_code == 422
    assert api.post("/requests", {"company_id": company.pk, "title": "x", "due_date": due(),
                                  "reminder_offsets": [-900]}).status_code == 400
    assert not DocumentRequest.objects.exists()


def test_other_tenants_get_404(company, firm_admin, other_firm_admin, other_client_user):
    api = ApiClient(firm_admin)
    created = api.post("/requests", {"company_id": company.pk, "title": "Relevés", "due_date": due()}).json()
    for stranger in (other_firm_admin, other_client_user):
        other = ApiClient(stranger)
        assert other.get(f"/requests/{created['id']}").status_code == 404
        assert other.post(f"/requests/{created['id']}/close", {}).status_code == 404
        assert other.get("/requests").json() == []
        assert other.post("/requests", {"company_id": company.pk, "title": "x", "due_date": due()}).status_code == 404


def test_list_is_paginated_by_limit_and_offset(company, firm_admin):
    api = ApiClient(firm_admin)
    ids = [api.post("/requests", {"company_id": company.pk, "title": f"R{n}", "due_date": due(n + 1)}).json()["id"]
           for n in range(3)]
    assert [r["id"] for r in api.get("/requests?limit=2").json()] == ids[:2]
    assert [r["id"] for r in api.get("/requests?limit=2&offset=2").json()] == ids[2:]


def test_firm_makes_a_recurring_template_client_cannot(company, firm_admin, client_user, other_company):
    api = ApiClient(firm_admin)
    made = api.post("/request-templates", {"title": "Relevés bancaires", "day": 5, "items": ["relevé BNP"],
                                           "company_ids": [company.pk]})
    assert made.status_code == 201 and made.json()["company_ids"] == [company.pk]
    assert [t["id"] for t in api.get("/request-templates").json()] == [made.json()["id"]]
    assert api.post("/request-templates", {"title": "x", "day": 31}).status_code == 400
    assert api.post("/request-templates", {"title": "x", "company_ids": [other_company.pk]}).status_code == 404
    client = ApiClient(client_user)
    assert client.get("/request-templates").json() == []
    assert client.post("/request-templates", {"title": "x"}).status_code == 403
