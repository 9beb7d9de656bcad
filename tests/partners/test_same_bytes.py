"""Promise 10, the bytes half: identical bytes already in the company are known *before* routing, whatever
the channel, and are not sent again where they already went; firm staff may send them anyway."""

import pytest

from comptoir.delivery.services import delivery_send_anyway
from comptoir.ged.selectors import document_notices
from comptoir.ged.services import document_copy
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.api.conftest import ApiClient
from tests.conftest import login
from tests.factories import deposit_pdf, folder_named, pdf_unique
from tests.partners.conftest import switch


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ventes_on(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    switch(ventes.parent, upflow, "on", actor=firm_admin)  # the whole year: Ventes, Banque, Achats…
    return ventes


def test_the_same_bytes_by_another_channel_are_skipped_and_name_the_first(company, ventes_on, firm_admin):
    content = pdf_unique()
    first = deposit_pdf(ventes_on, name="facture.pdf", content=content, actor=firm_admin)
    again = deposit_pdf(folder_named(company, "Banque"), name="scan.pdf", content=content, channel="email")
    assert Delivery.objects.get(document=first).status == DeliveryStatus.PENDING
    skipped = Delivery.objects.get(document=again)
    assert skipped.status == DeliveryStatus.SKIPPED and skipped.duplicate_of == first
    assert "Déjà déposé le" in skipped.reason and "« facture.pdf »" in skipped.reason
    [notice] = document_notices(user=firm_admin, document=again)
    assert "Déjà déposé le" in notice.text and notice.url == f"/ged/document/{first.pk}/"
    assert document_notices(user=firm_admin, document=first) == []


def test_a_copy_is_the_same_paper_not_a_duplicate(company, ventes_on, firm_admin):
    original = deposit_pdf(folder_named(company, "Achats"), name="a.pdf", actor=firm_admin)
    copy = document_copy(document=original, folder=folder_named(company, "Banque"), actor=firm_admin)
    assert document_notices(user=firm_admin, document=copy) == []
    assert Delivery.objects.filter(lineage=original.lineage).count() == 1  # the one row of the paper


def test_a_destination_that_never_got_the_bytes_still_gets_them(company, upflow, firm_admin):
    content = pdf_unique()
    first = deposit_pdf(folder_named(company, "Achats"), content=content)  # off: it went nowhere
    switch(folder_named(company, "Ventes"), upflow, "on", actor=firm_admin)
    again = deposit_pdf(folder_named(company, "Ventes"), content=content)
    assert Delivery.objects.get(document=again).status == DeliveryStatus.PENDING
    assert "Déjà déposé le" in document_notices(user=firm_admin, document=again)[0].text  # still worth a look
    assert not Delivery.objects.filter(document=first).exists()


def test_a_skipped_first_does_not_make_the_second_a_duplicate(company, ventes_on, firm_admin):
    content = pdf_unique()
    first = deposit_pdf(ventes_on, content=content)
    Delivery.objects.filter(document=first).update(status=DeliveryStatus.CANCELLED)
    again = deposit_pdf(folder_named(company, "Banque"), content=content)
    assert Delivery.objects.get(document=again).status == DeliveryStatus.PENDING


def test_send_anyway_by_the_page_and_the_api_and_only_for_a_duplicate(company, ventes_on, firm_admin, firm_member,
                                                                     client_user, other_firm_admin):
    content = pdf_unique()
    first = deposit_pdf(ventes_on, content=content)
    skipped = Delivery.objects.get(document=deposit_pdf(folder_named(company, "Banque"), content=content))
    assert ApiClient(other_firm_admin).post(f"/deliveries/{skipped.pk}/send-anyway").status_code == 404
    assert ApiClient(client_user).post(f"/deliveries/{skipped.pk}/send-anyway").status_code == 404
    pending = Delivery.objects.get(document=first)
    assert ApiClient(firm_member).post(f"/deliveries/{pending.pk}/send-anyway").status_code == 409
    response = ApiClient(firm_member).post(f"/deliveries/{skipped.pk}/send-anyway")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending" and response.json()["duplicate_of_document_id"] is None

    third = Delivery.objects.get(document=deposit_pdf(folder_named(company, "Achats"), content=content))
    assert third.status == DeliveryStatus.SKIPPED
    page = login(firm_admin).post(f"/envois/{third.pk}/envoyer-quand-meme/")
    assert page.status_code == 302
    third.refresh_from_db()
    assert third.status == DeliveryStatus.PENDING
    with pytest.raises(Exception, match="envoyés quand même"):  # already released: nothing left to send anyway
        delivery_send_anyway(delivery=third, actor=firm_admin)
