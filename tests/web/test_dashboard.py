"""The firm's day: what clients deposited since my last visit, what needs a person, duplicates, health."""

import pytest
from django.urls import reverse

from comptoir.partners.catalogue.upflow import Upflow
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.conftest import login
from tests.factories import PDF_BYTES, deposit_pdf, folder_named

pytestmark = pytest.mark.django_db


def _health_line(page: str, name: str) -> str:
    start = page.index('class="health-line"', page.index('id="health-title"'))
    lines = page[start:].split('class="health-line"')
    return next(line for line in lines if name in line)


def test_client_deposit_shows_on_the_dashboard_with_a_dot_cleared_by_opening_the_company(
        admin_client, company, client_user):
    ventes = folder_named(company, "Ventes")
    deposit_pdf(ventes, actor=client_user, name="facture-client.pdf")
    page = admin_client.get(reverse("web:home")).text
    assert "Nouveaux dépôts des clients" in page
    assert "1 nouveau document" in page and f'href="{reverse("ged:folder", args=[ventes.pk])}"' in page
    assert 'class="dot"' in _health_line(page, "Boulangerie Alpha")

    assert admin_client.get(reverse("ged:company", args=[company.pk]), follow=True).status_code == 200
    page = admin_client.get(reverse("web:home")).text
    assert "Aucun nouveau dépôt depuis votre dernière visite." in page
    assert 'class="dot"' not in _health_line(page, "Boulangerie Alpha")


def test_opening_a_folder_of_the_company_clears_it_too_and_staff_deposits_are_not_news(
        admin_client, firm_admin, company, client_user):
    deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="par-le-cabinet.pdf")
    assert "Aucun nouveau dépôt" in admin_client.get(reverse("web:home")).text
    deposit_pdf(folder_named(company, "Achats"), actor=client_user, name="par-le-client.pdf", content=PDF_BYTES + b"1")
    admin_client.get(reverse("ged:folder", args=[folder_named(company, "Achats").pk]))
    assert "Aucun nouveau dépôt" in admin_client.get(reverse("web:home")).text


def test_seen_is_per_person(admin_client, firm_member, company, client_user):
    deposit_pdf(folder_named(company, "Ventes"), actor=client_user)
    admin_client.get(reverse("ged:company", args=[company.pk]))
    assert "1 nouveau document" in login(firm_member).get(reverse("web:home")).text


def test_another_firms_deposits_never_show(admin_client, other_company, other_firm_admin):
    from tests.factories import UserFactory, membership_for

    other_client = membership_for(UserFactory(email="c@beta.fr"), firm=other_company.firm, role="client_admin",
                                  company=other_company).user
    deposit_pdf(folder_named(other_company, "Ventes"), actor=other_client, name="beta-secret.pdf")
    page = admin_client.get(reverse("web:home")).text
    assert "beta-secret.pdf" not in page and "Garage Beta" not in page
    assert "Garage Beta" in login(other_firm_admin).get(reverse("web:home")).text


def _upflow_on_ventes(company, admin):
    from comptoir.partners.services import connection_set, folder_switch_set, installation_create

    installation = installation_create(firm=company.firm, slug="upflow", actor=admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": "factures@upflow.example"}, actor=admin)
    folder_switch_set(folder=folder_named(company, "Ventes"), connection=connection, state="on", actor=admin)


def test_skipped_oversize_invoice_is_under_a_traiter_with_its_reason(admin_client, firm_admin, company,
                                                                     monkeypatch):
    _upflow_on_ventes(company, firm_admin)
    monkeypatch.setattr(Upflow, "max_size", 10)
    deposit_pdf(folder_named(company, "Ventes"), name="grosse-facture.pdf")
    [delivery] = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.SKIPPED
    page = admin_client.get(reverse("web:home")).text
    todo = page[page.index('id="todo-title"'):page.index('id="new-title"')]
    assert "grosse-facture.pdf" in todo and "Upflow · ignoré" in todo
    assert "dépasse la taille maximale acceptée par Upflow" in todo
    assert "Voir le document" in todo


def test_failed_delivery_has_a_one_click_retry_back_to_the_dashboard(admin_client, firm_admin, company):
    _upflow_on_ventes(company, firm_admin)
    deposit_pdf(folder_named(company, "Ventes"), name="refusee.pdf")
    Delivery.objects.update(status=DeliveryStatus.FAILED, last_error="550 5.1.1 mailbox unavailable")
    delivery = Delivery.objects.get()
    page = admin_client.get(reverse("web:home")).text
    assert "550 5.1.1 mailbox unavailable" in page and reverse("delivery:retry", args=[delivery.pk]) in page
    assert "1 échec" in _health_line(page, "Boulangerie Alpha")
    response = admin_client.post(reverse("delivery:retry", args=[delivery.pk]), {"next": reverse("web:home")})
    assert response["Location"] == reverse("web:home")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_same_pdf_under_three_names_is_a_suspected_duplicate(admin_client, company, client_user):
    for name in ("facture.pdf", "facture (1).pdf", "scan-0042.pdf"):
        deposit_pdf(folder_named(company, "Achats"), actor=client_user, name=name, content=PDF_BYTES)
    page = admin_client.get(reverse("web:home")).text
    assert "Doublons probables" in page and "le même fichier déposé 3 fois" in page
    assert all(name in page for name in ("facture.pdf", "facture (1).pdf", "scan-0042.pdf"))


def test_a_client_with_one_company_lands_in_its_documents(client_user, company):
    response = login(client_user).get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("ged:company", args=[company.pk])


def test_digest_is_off_by_default_and_a_choice_of_the_person(client_user):
    from comptoir.web.models import DigestPreference

    client = login(client_user)
    page = client.get(reverse("web:digest_settings")).text
    assert 'value="off" selected' in page
    client.post(reverse("web:digest_settings"), {"frequency": "weekly"})
    assert DigestPreference.objects.get(user=client_user).frequency == "weekly"
