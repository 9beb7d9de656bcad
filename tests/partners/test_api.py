"""The partner API: same rules as the UI."""

import json

import pytest
from django.test import Client

from comptoir.accounts.services import api_token_create
from comptoir.partners.models import Delivery, FolderSwitch
from tests.factories import deposit_pdf, folder_named


def api(user) -> Client:
    _token, raw = api_token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def put(client, url, body):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_install_connect_and_switch_through_the_api(firm_admin, company):
    client = api(firm_admin)
    apps = client.get("/api/v1/apps").json()
    assert {"upflow", "webhook"} <= {a["slug"] for a in apps}
    assert client.post("/api/v1/apps/upflow/install").status_code == 201
    assert client.post("/api/v1/apps/upflow/install").status_code == 400
    response = put(client, f"/api/v1/apps/upflow/connections/{company.pk}",
                   {"destinations": {"collection": "Nom <a@b.fr>"}})
    assert response.status_code == 400 and "collection" in response.json()["detail"]
    response = put(client, f"/api/v1/apps/upflow/connections/{company.pk}",
                   {"destinations": {"collection": "factures@Upflow.example"}})
    assert response.json()["destinations"] == {"collection": "factures@upflow.example"}

    ventes = folder_named(company, "Ventes")
    janvier = ventes.children.order_by("position").first()
    response = put(client, f"/api/v1/folders/{ventes.pk}/switches/upflow", {"state": "on"})
    assert response.status_code == 200 and response.json()["explicit"] == "on"
    switches = client.get(f"/api/v1/folders/{janvier.pk}/switches").json()
    assert switches == [{"app": "upflow", "destination": "collection", "destination_address": "factures@upflow.example",
                         "explicit": None, "effective": True, "inherited_from": ventes.pk,
                         "inherited_from_name": "Ventes", "set_by": "admin@alpha.fr",
                         "set_at": switches[0]["set_at"]}]
    document = deposit_pdf(janvier)
    assert Delivery.objects.get(document=document).status == "pending"

    response = client.delete(f"/api/v1/apps/upflow/connections/{company.pk}")
    assert response.json()["cancelled_deliveries"] == 1
    assert client.get(f"/api/v1/folders/{janvier.pk}/switches").json() == []
    assert client.delete("/api/v1/apps/upflow/install").json()["installed"] is False


def test_firm_member_can_switch_but_not_install(firm_member, firm_admin, company):
    from tests.partners.conftest import connect

    connect(firm=company.firm, company=company, slug="upflow", destinations={"collection": "f@upflow.example"},
            actor=firm_admin)
    client = api(firm_member)
    assert client.post("/api/v1/apps/inqom/install").status_code == 403
    ventes = folder_named(company, "Ventes")
    assert put(client, f"/api/v1/folders/{ventes.pk}/switches/upflow", {"state": "off"}).status_code == 200
    assert put(client, f"/api/v1/folders/{ventes.pk}/switches/upflow", {"state": "maybe"}).status_code == 422


@pytest.mark.parametrize("who", ["client_user", "other_firm_admin"])
def test_client_users_and_another_firm_get_404_on_the_partner_api(request, who, company, upflow):
    client = api(request.getfixturevalue(who))
    ventes = folder_named(company, "Ventes")
    calls = [
        ("get", f"/api/v1/folders/{ventes.pk}/switches", None),
        ("put", f"/api/v1/folders/{ventes.pk}/switches/upflow", {"state": "on"}),
        ("put", f"/api/v1/apps/upflow/connections/{company.pk}", {"destinations": {"collection": "x@y.fr"}}),
        ("delete", f"/api/v1/apps/upflow/connections/{company.pk}", None),
    ]
    if who == "client_user":
        calls += [("get", "/api/v1/apps", None), ("post", "/api/v1/apps/upflow/install", None),
                  ("delete", "/api/v1/apps/upflow/install", None)]
    for method, url, body in calls:
        response = put(client, url, body) if method == "put" else getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code, response.content)
    assert not FolderSwitch.objects.exists()
    upflow.refresh_from_db()
    assert upflow.revoked_at is None
