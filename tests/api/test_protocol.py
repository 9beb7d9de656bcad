"""What every API client relies on: bearer tokens, JSON errors, the schema and its docs page."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from comptoir.accounts.models import ApiToken


def test_no_token_is_a_json_401(api_as, company):
    for path in ("/companies", f"/companies/{company.pk}"):
        response = api_as().get(path)
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorized", "detail": "Jeton d'API manquant ou invalide."}


def test_invalid_or_inactive_token_is_401(api_as, firm_admin):
    assert api_as(token="cpt_faux").get("/companies").status_code == 401
    api = api_as(firm_admin)
    assert api.get("/companies").status_code == 200
    firm_admin.is_active = False
    firm_admin.save(update_fields=["is_active"])
    assert api.get("/companies").status_code == 401


def test_session_login_does_not_open_the_api(firm_admin):
    browser = Client()
    browser.force_login(firm_admin)
    assert browser.get("/api/v1/companies").status_code == 401


def test_bearer_calls_need_no_csrf_token(firm_admin, company):
    from comptoir.accounts.services import api_token_create

    _, token = api_token_create(user=firm_admin)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/api/v1/companies/{company.pk}/folders", data={"name": "Via API"},
                           content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_wrong_method_is_a_json_405(api_as, company, firm_admin):
    response = api_as(firm_admin).client.delete(f"/api/v1/companies/{company.pk}",
                                                headers=api_as(firm_admin).headers)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_unknown_api_path_is_a_json_404(api_as, firm_admin):
    for path in ("/nulle-part", "/companies/abc"):
        response = api_as(firm_admin).get(path)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_malformed_json_is_a_json_error(api_as, firm_admin):
    api = api_as(firm_admin)
    response = api.client.post("/api/v1/companies", data="{pas du json", content_type="application/json",
                               headers=api.headers)
    assert response.status_code in (400, 422)
    assert set(response.json()) == {"error", "detail"}


def test_openapi_schema_lists_every_endpoint(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert set(paths["/api/v1/companies"]) == {"get", "post"}
    assert "get" in paths["/api/v1/companies/{company_id}"]
    assert set(paths["/api/v1/companies/{company_id}/folders"]) == {"get", "post"}
    upload = paths["/api/v1/folders/{folder_id}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "413", "415"} <= set(upload["responses"])
    assert "get" in paths["/api/v1/documents/{document_id}"]
    assert "get" in paths["/api/v1/documents/{document_id}/content"]
    assert "post" in paths["/api/v1/documents/{document_id}/move"]
    assert any(scheme.get("scheme") == "bearer" for scheme in schema["components"]["securitySchemes"].values())


def test_docs_page_renders(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"openapi.json" in response.content


@pytest.mark.django_db
def test_createtoken_prints_the_token_alone_on_its_last_line_and_it_works(api_as, firm_admin):
    out = StringIO()
    call_command("createtoken", "--email", "ADMIN@alpha.fr", stdout=out)
    last_line = out.getvalue().rstrip("\n").splitlines()[-1]
    assert last_line.startswith("cpt_") and " " not in last_line
    assert ApiToken.objects.filter(user=firm_admin).count() == 1
    assert api_as(token=last_line).get("/companies").status_code == 200


def test_token_last_use_is_recorded_without_a_write_on_every_request(db, firm_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comptoir.accounts.models import ApiToken
    from comptoir.accounts.selectors import user_get_by_api_token
    from comptoir.accounts.services import api_token_create

    token, raw = api_token_create(user=firm_admin, name="bench")
    assert user_get_by_api_token(raw=raw) == firm_admin
    token.refresh_from_db()
    assert token.last_used_at is not None
    with CaptureQueriesContext(connection) as queries:
        assert user_get_by_api_token(raw=raw) == firm_admin
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get(pk=token.pk).last_used_at == token.last_used_at
