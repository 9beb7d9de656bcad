"""The GED folder list sorted and filtered by delivery state (registered by partners on the GED's
list-option registry): a failed document reads as failed on the page and in the API, everyone sees
the state their badges show, and nothing crosses tenants."""

import re

import pytest
from django.urls import reverse

from comptoir.ged.services import document_copy, folder_create
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.conftest import login
from tests.factories import deposit_pdf, folder_named
from tests.partners.conftest import switch

pytestmark = pytest.mark.django_db


def _names(page: str) -> list[str]:
    return re.findall(r'class="doc-name">([^<]+)<', page)


def _state(document, status: str) -> None:
    Delivery.objects.filter(document=document).update(status=status)


@pytest.fixture
def month(company, firm_admin, upflow):
    """A month of Ventes holding a document deposited before Upflow was switched on (never sent), then
    one sent, one failed and one waiting, deposited in that order."""
    month = folder_named(company, "Ventes").children.order_by("position").first()
    deposit_pdf(month, actor=firm_admin, name="avant-activation.pdf")
    switch(folder_named(company, "Ventes"), upflow, "on", actor=firm_admin)
    _state(deposit_pdf(month, actor=firm_admin, name="envoyee.pdf"), DeliveryStatus.SENT)
    _state(deposit_pdf(month, actor=firm_admin, name="refusee.pdf"), DeliveryStatus.FAILED)
    deposit_pdf(month, actor=firm_admin, name="en-attente.pdf")
    return month


def test_sort_by_delivery_state_puts_failures_first_and_never_sent_last(month, firm_admin):
    client = login(firm_admin)
    url = reverse("ged:folder", args=[month.pk])
    assert _names(client.get(url, {"tri": "envoi"}).text) == ["refusee.pdf", "en-attente.pdf", "envoyee.pdf",
                                                            "avant-activation.pdf"]
    assert _names(client.get(url, {"tri": "-envoi"}).text) == ["envoyee.pdf", "en-attente.pdf", "refusee.pdf",
                                                             "avant-activation.pdf"]


def test_filter_by_delivery_state_from_the_menu(month, firm_admin):
    client = login(firm_admin)
    url = reverse("ged:folder", args=[month.pk])
    page = client.get(url).text
    menu = page[page.index('name="envoi"'):]
    menu = menu[:menu.index("</select>")]
    assert ">échec<" in menu and ">envoyé<" in menu and ">jamais envoyé<" in menu
    assert _names(client.get(url, {"envoi": "echec"}).text) == ["refusee.pdf"]
    assert _names(client.get(url, {"envoi": "envoye"}).text) == ["envoyee.pdf"]
    assert _names(client.get(url, {"envoi": "en_cours"}).text) == ["en-attente.pdf"]
    assert _names(client.get(url, {"envoi": "aucun"}).text) == ["avant-activation.pdf"]
    # The filter is kept by the pagination and the polling, and an unknown state is ignored.
    filtered = client.get(url, {"envoi": "echec"}).text
    assert "envoi=echec" in filtered.split('id="documents"')[1].split(">")[0]
    assert len(_names(client.get(url, {"envoi": "perdu"}).text)) == 4


def test_a_document_sent_to_one_partner_and_failed_at_another_reads_as_failed(month, firm_admin, company,
                                                                                inqom):
    switch(folder_named(company, "Ventes"), inqom, "on", actor=firm_admin, destination="ventes")
    both = deposit_pdf(month, actor=firm_admin, name="deux-partenaires.pdf")
    Delivery.objects.filter(document=both, app_slug="upflow").update(status=DeliveryStatus.SENT)
    Delivery.objects.filter(document=both, app_slug="inqom").update(status=DeliveryStatus.DEAD)
    page = login(firm_admin).get(reverse("ged:folder", args=[month.pk]), {"envoi": "echec"}).text
    assert sorted(_names(page)) == ["deux-partenaires.pdf", "refusee.pdf"]


def test_a_client_never_sees_the_state_of_the_firms_own_copies(month, firm_admin, client_user, company,
                                                               inqom):
    """The firm's copy in a firm-only folder failed at another partner: the firm sees the paper as failed
    (its badges show that delivery), the client sees what was sent for the client's document."""
    sent = month.documents.get(name="envoyee.pdf")
    review = folder_create(company=company, parent=folder_named(company, "Ventes").parent, name="Révision",
                           actor=firm_admin, firm_only=True)
    switch(review, inqom, "on", actor=firm_admin, destination="ventes")
    copy = document_copy(document=sent, folder=review, actor=firm_admin)
    _state(copy, DeliveryStatus.FAILED)
    url = reverse("ged:folder", args=[month.pk])
    assert "envoyee.pdf" in _names(login(firm_admin).get(url, {"envoi": "echec"}).text)
    as_client = login(client_user)
    assert _names(as_client.get(url, {"envoi": "echec"}).text) == ["refusee.pdf"]
    assert _names(as_client.get(url, {"envoi": "envoye"}).text) == ["envoyee.pdf"]


def test_another_company_cannot_list_the_folder_whatever_the_filter(month, other_client_user, other_firm_admin):
    for user in (other_client_user, other_firm_admin):
        response = login(user).get(reverse("ged:folder", args=[month.pk]), {"envoi": "echec", "tri": "envoi"})
        assert response.status_code == 404


def test_select_all_acts_on_what_the_delivery_filter_lists(month, firm_admin):
    import zipfile
    from io import BytesIO

    response = login(firm_admin).post(reverse("ged:bulk", args=[month.pk]),
                                      {"all": "1", "filters": "envoi=echec", "action": "zip"})
    assert response.status_code == 200
    archive = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["refusee.pdf"]


def test_api_lists_a_folders_documents_sorted_and_filtered_by_delivery_state(month, firm_admin, api_as,
                                                                             other_firm_admin):
    api = api_as(firm_admin)
    response = api.get(f"/folders/{month.pk}/documents?envoi=echec")
    assert response.status_code == 200
    assert [item["name"] for item in response.json()] == ["refusee.pdf"]
    ordered = api.get(f"/folders/{month.pk}/documents?tri=envoi&limit=2").json()
    assert [item["name"] for item in ordered] == ["refusee.pdf", "en-attente.pdf"]
    rest = api.get(f"/folders/{month.pk}/documents?tri=envoi&limit=2&offset=2").json()
    assert [item["name"] for item in rest] == ["envoyee.pdf", "avant-activation.pdf"]
    assert api.get(f"/folders/{month.pk}/documents?limit=0").status_code == 422
    assert api_as(other_firm_admin).get(f"/folders/{month.pk}/documents?envoi=echec").status_code == 404


def test_the_delivery_state_menu_in_english(month, firm_admin, settings):
    client = login(firm_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("ged:folder", args=[month.pk])).text
    assert "Delivery state" in page and ">failed<" in page and "delivery state (failures first)" in page


def test_subfolders_show_the_partners_they_send_to_in_a_bounded_number_of_queries(company, firm_admin, upflow):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comptoir.partners.selectors import folder_partner_badges

    ventes = folder_named(company, "Ventes")
    months = list(ventes.children.order_by("position"))
    switch(ventes, upflow, "on", actor=firm_admin)
    switch(months[1], upflow, "off", actor=firm_admin)
    page = login(firm_admin).get(reverse("ged:folder", args=[ventes.pk])).text
    rows = dict(re.findall(r'<tr class="subfolder" data-folder-id="(\d+)">(.*?)</tr>', page, re.S))
    assert "● Upflow" in rows[str(months[0].pk)] and "● Upflow" not in rows[str(months[1].pk)]
    with CaptureQueriesContext(connection) as queries:
        badges = folder_partner_badges(months)
    assert len(queries) <= 4  # connections (+ destinations), the switches: not one set per folder
    assert badges[months[0].pk] == ["Upflow"] and badges[months[1].pk] == []
