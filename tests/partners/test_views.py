"""The store, the connection page and the GED switch panel, as a firm admin uses them."""

from django.urls import reverse

from comptoir.partners.models import Delivery, FolderSwitch, Installation
from tests.conftest import login
from tests.factories import CompanyFactory, deposit_pdf, folder_named
from tests.partners.conftest import connect, switch


def test_store_lists_my_apps_and_the_available_ones_and_installs(admin_client, firm):
    page = admin_client.get(reverse("partners:store")).content.decode()
    assert "Applications de mon espace" in page and "Applications disponibles" in page and "Upflow" in page
    response = admin_client.post(reverse("partners:install", args=["upflow"]))
    assert response.status_code == 302 and response.url == reverse("partners:connections", args=["upflow"])
    assert Installation.objects.filter(firm=firm, app_slug="upflow", removed_at__isnull=True).exists()
    page = admin_client.get(reverse("partners:store")).content.decode()
    mine = page.split("Applications disponibles")[0]
    assert 'data-app="upflow"' in mine


def _upflow_card(client) -> str:
    page = client.get(reverse("partners:store")).content.decode()
    return page.split('data-app="upflow"')[1].split("</article>")[0]


def test_store_counts_connected_companies_in_french(admin_client, firm, company, firm_admin):
    admin_client.post(reverse("partners:install", args=["upflow"]))
    assert "Connectée à aucune entreprise" in _upflow_card(admin_client)
    connect(firm=firm, company=company, slug="upflow", destinations={"collection": "a@upflow.example"},
            actor=firm_admin)
    assert "Connectée à 1 entreprise<" in _upflow_card(admin_client)
    other = CompanyFactory(firm=firm, name="Fleuriste Gamma")
    connect(firm=firm, company=other, slug="upflow", destinations={"collection": "b@upflow.example"},
            actor=firm_admin)
    assert "Connectée à 2 entreprises" in _upflow_card(admin_client)


def test_switch_is_announced_as_a_switch_with_its_state(admin_client, company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    page = admin_client.get(reverse("partners:folder_switches", args=[ventes.pk])).content.decode()
    assert 'role="switch"' in page and 'aria-checked="false"' in page
    assert 'aria-label="Upflow activé pour ce dossier"' in page
    switch(ventes, upflow, "on", actor=firm_admin)
    page = admin_client.get(reverse("partners:folder_switches", args=[ventes.pk])).content.decode()
    assert 'aria-checked="true"' in page


def test_app_page_and_demo_request(admin_client, company):
    page = admin_client.get(reverse("partners:app_detail", args=["upflow"])).content.decode()
    assert "Demander une démo" in page and "Gérer les utilisateurs" in page
    response = admin_client.post(reverse("partners:demo_request", args=["upflow"]), {"company": company.pk})
    assert response.status_code == 302


def test_connection_page_shows_sender_and_saves_with_per_field_errors(admin_client, firm, company, settings):
    admin_client.post(reverse("partners:install", args=["inqom"]))
    url = reverse("partners:connections", args=["inqom"])
    page = admin_client.get(url).content.decode()
    assert settings.SENDER_ADDRESS in page and "autoriser" in page
    response = admin_client.post(url, {f"authorise-{company.pk}": "1",
                                       f"dest-{company.pk}-achats":
                                           "achat.boulangerie@inqombox.com\r\nBcc: x@evil.example",
                                       f"dest-{company.pk}-ventes": "Vente.boulangerie@INQOMBOX.com"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "retour à la ligne" in page and f'id="err-{company.pk}-achats"' in page
    assert f'id="err-{company.pk}-ventes"' not in page
    response = admin_client.post(url, {f"authorise-{company.pk}": "1",
                                       f"dest-{company.pk}-achats": "achat.boulangerie@inqombox.com",
                                       f"dest-{company.pk}-ventes": "Vente.boulangerie@INQOMBOX.com"})
    assert response.status_code == 302
    connection = company.partner_connections.get(revoked_at__isnull=True)
    assert {d.key: d.address for d in connection.destinations.all()} == {"achats": "achat.boulangerie@inqombox.com",
                                                                        "ventes": "Vente.boulangerie@inqombox.com"}
    # Unticking "autoriser" revokes.
    admin_client.post(url, {})
    connection.refresh_from_db()
    assert connection.revoked_at is not None


def test_remove_asks_for_confirmation_then_cancels_pending(admin_client, company, upflow, firm_admin):
    switch(folder_named(company, "Ventes"), upflow, "on", actor=firm_admin)
    deposit_pdf(folder_named(company, "Ventes"))
    page = admin_client.get(reverse("partners:remove", args=["upflow"])).content.decode()
    assert "1 envoi en attente sera annulé" in page
    assert Installation.objects.get(app_slug="upflow").removed_at is None
    admin_client.post(reverse("partners:remove", args=["upflow"]))
    assert Delivery.objects.get().status == "cancelled"


def test_switch_panel_shows_inherited_state_and_its_origin(admin_client, company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    janvier = ventes.children.order_by("position").first()
    switch(ventes, upflow, "on", actor=firm_admin)
    page = admin_client.get(reverse("partners:folder_switches", args=[janvier.pk])).content.decode()
    assert "activé via Ventes" in page and "checked" in page and "Exclure ce dossier" in page
    assert "admin@alpha.fr" in page


def test_toggling_returns_the_refreshed_panel_and_writes_one_row(admin_client, company, upflow):
    ventes = folder_named(company, "Ventes")
    url = reverse("partners:folder_switch_set", args=[ventes.pk, "upflow"])
    response = admin_client.post(url, {"state": ["off", "on"]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-effective="on"' in response.content.decode()
    assert "activé ici" in response.content.decode()
    assert FolderSwitch.objects.get().state == "on"
    response = admin_client.post(url, {"state": "off"}, HTTP_HX_REQUEST="true")
    assert 'data-effective="off"' in response.content.decode() and "exclu ici" in response.content.decode()
    admin_client.post(url, {"state": "inherit"}, HTTP_HX_REQUEST="true")
    assert not FolderSwitch.objects.exists()


def test_multi_destination_switch_needs_a_known_destination(admin_client, company, inqom):
    achats = folder_named(company, "Achats")
    url = reverse("partners:folder_switch_set", args=[achats.pk, "inqom"])
    page = admin_client.post(url, {"state": "on", "destination": "achats"}).content.decode()
    assert "achat.boulangerie@inqombox.com" in page
    page = admin_client.post(url, {"state": "on", "destination": "inconnue"}).content.decode()
    assert "Aucune adresse" in page


def test_backfill_confirmation_shows_the_count_then_sends(admin_client, company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    deposit_pdf(ventes, name="a.pdf")
    deposit_pdf(ventes, name="b.pdf")
    switch(ventes, upflow, "on", actor=firm_admin)
    url = reverse("partners:folder_backfill", args=[ventes.pk, "upflow"])
    page = admin_client.get(url).content.decode()
    assert "2 documents déjà présents" in page and not Delivery.objects.exists()
    page = admin_client.post(url).content.decode()
    assert "2 document(s) déjà présent(s) mis en file d&#x27;envoi" in page
    assert Delivery.objects.filter(trigger="backfill").count() == 2


def test_firm_member_sees_switches_but_cannot_backfill_or_open_the_store(firm_member, company, upflow):
    client = login(firm_member)
    ventes = folder_named(company, "Ventes")
    page = client.get(reverse("partners:folder_switches", args=[ventes.pk])).content.decode()
    assert "Upflow" in page and "Envoyer les documents déjà présents" not in page
    assert client.get(reverse("partners:folder_backfill", args=[ventes.pk, "upflow"])).status_code == 403
    assert client.get(reverse("partners:store")).status_code == 404


def _every_url(company, slug="upflow"):
    ventes = folder_named(company, "Ventes")
    return [
        ("get", reverse("partners:store")), ("get", reverse("partners:app_detail", args=[slug])),
        ("post", reverse("partners:install", args=[slug])), ("get", reverse("partners:remove", args=[slug])),
        ("post", reverse("partners:demo_request", args=[slug])),
        ("get", reverse("partners:connections", args=[slug])),
        ("post", reverse("partners:connection_revoke", args=[slug, company.pk])),
        ("get", reverse("partners:folder_switches", args=[ventes.pk])),
        ("post", reverse("partners:folder_switch_set", args=[ventes.pk, slug])),
        ("get", reverse("partners:folder_backfill", args=[ventes.pk, slug])),
        ("post", reverse("partners:folder_backfill", args=[ventes.pk, slug])),
    ]


def test_client_users_get_404_on_every_partners_url(client_user, company, upflow):
    client = login(client_user)
    for method, url in _every_url(company):
        response = getattr(client, method)(url, {"state": "on", "company": company.pk})
        assert response.status_code == 404, (method, url, response.status_code)
    assert not FolderSwitch.objects.exists()
    assert Installation.objects.get(pk=upflow.installation.pk).removed_at is None


def test_another_firm_gets_404_on_our_companies_and_folders(other_firm_admin, company, upflow):
    client = login(other_firm_admin)
    ventes = folder_named(company, "Ventes")
    assert client.get(reverse("partners:folder_switches", args=[ventes.pk])).status_code == 404
    assert client.post(reverse("partners:folder_switch_set", args=[ventes.pk, "upflow"]),
                       {"state": "on"}).status_code == 404
    assert client.post(reverse("partners:folder_backfill", args=[ventes.pk, "upflow"])).status_code == 404
    assert client.post(reverse("partners:demo_request", args=["upflow"]), {"company": company.pk}).status_code == 404
    # Their own store works, but shows none of our installations and reaches none of our connections.
    page = client.get(reverse("partners:store")).content.decode()
    assert "Connectée à" not in page
    assert client.get(reverse("partners:connections", args=["upflow"])).status_code == 404
    client.post(reverse("partners:install", args=["upflow"]))
    assert client.post(reverse("partners:connection_revoke", args=["upflow", company.pk])).status_code == 404
    assert "Boulangerie" not in client.get(reverse("partners:connections", args=["upflow"])).content.decode()
    assert not FolderSwitch.objects.exists() and upflow.revoked_at is None
