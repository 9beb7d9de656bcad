"""GET /api/v1/deliveries and POST /api/v1/deliveries/{id}/retry, scoped to the firm's staff."""

import pytest

from comptoir.partners.models import Delivery, DeliveryStatus
from tests.api.conftest import ApiClient
from tests.delivery.conftest import drain, ventes
from tests.factories import deposit_pdf


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def failed(smtp_server, upflow, company, firm_admin):
    smtp_server.reply_with("550 5.1.1 mailbox unavailable", times=1)
    document = deposit_pdf(ventes(company), actor=firm_admin, name="refusee.pdf")
    drain()
    deposit_pdf(ventes(company), actor=firm_admin, name="acceptee.pdf")
    drain()
    return Delivery.objects.get(document=document)


def test_list_filters_by_company_app_and_status(failed, firm_member, company):
    api = ApiClient(firm_member)
    rows = api.get(f"/deliveries?company={company.pk}&app=upflow&status=failed").json()
    assert [(row["document_name"], row["status"]) for row in rows] == [("refusee.pdf", "failed")]
    assert rows[0]["last_error"].startswith("550 5.1.1")
    assert len(api.get("/deliveries?app=upflow").json()) == 2
    assert api.get("/deliveries?app=autre").json() == []


def test_retry_puts_a_failed_delivery_back_in_the_queue(failed, firm_member, smtp_server, upflow):
    upflow.destinations.update(address="corrigee@upflow.example")
    response = ApiClient(firm_member).post(f"/deliveries/{failed.pk}/retry")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    drain()
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT


def test_retry_of_a_sent_delivery_is_a_conflict(failed, firm_member):
    sent = Delivery.objects.get(status=DeliveryStatus.SENT)
    assert ApiClient(firm_member).post(f"/deliveries/{sent.pk}/retry").status_code == 409


def test_other_tenants_and_client_users_get_404(failed, other_firm_admin, client_user):
    assert ApiClient(other_firm_admin).post(f"/deliveries/{failed.pk}/retry").status_code == 404
    assert ApiClient(other_firm_admin).get("/deliveries").json() == []
    assert ApiClient(client_user).post(f"/deliveries/{failed.pk}/retry").status_code == 404
    assert ApiClient(client_user).get("/deliveries").status_code == 404


def test_list_filters_by_creation_dates_as_the_history_export(failed, firm_member):
    import datetime as dt

    Delivery.objects.filter(pk=failed.pk).update(created_at=dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC))
    api = ApiClient(firm_member)
    assert [row["id"] for row in api.get("/deliveries?since=2026-01-01&until=2026-01-31").json()] == [failed.pk]
    assert failed.pk not in [row["id"] for row in api.get("/deliveries?since=2026-02-01").json()]
    for bad in ("since=hier", "company=-5983496544172754507661312", "company=0"):
        response = api.get(f"/deliveries?{bad}")
        assert response.status_code == 422 and response.json()["error"] == "invalid_request", bad


def test_the_documents_badge_offers_retry_and_warns_when_the_address_is_unchanged(failed, firm_admin, upflow,
                                                                                   client_user):
    from django.urls import reverse

    from tests.conftest import login

    url = reverse("delivery:document_badges", args=[failed.document_id]) + "?vue=page"
    page = login(firm_admin).get(url).content.decode()
    assert reverse("delivery:retry", args=[failed.pk]) in page
    assert "pas changé depuis" in page  # the warning, however its apostrophes are written
    upflow.destinations.update(address="corrigee@upflow.example")
    corrected = login(firm_admin).get(url).content.decode()
    assert reverse("delivery:retry", args=[failed.pk]) in corrected and "pas changé" not in corrected
    assert reverse("delivery:retry", args=[failed.pk]) not in login(client_user).get(url).content.decode()
