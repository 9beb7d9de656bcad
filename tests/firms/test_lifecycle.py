"""A client relationship over time: edit, archive, members."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.core.models import AuditEvent
from comptoir.firms.models import Company, Membership
from comptoir.ged.models import Folder
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.conftest import login
from tests.factories import PASSWORD, UserFactory, deposit_pdf, folder_named, membership_for

pytestmark = pytest.mark.django_db


def _edit(client, company, **overrides):
    data = {"name": company.name, "siren": company.siren, "siret": company.siret,
            "fiscal_year_start": company.fiscal_year_start.isoformat(),
            "fiscal_year_end": company.fiscal_year_end.isoformat(), **overrides}
    return client.post(reverse("web:company_edit", args=[company.pk]), data, follow=True)


def _siret(siren: str) -> str:
    from comptoir.firms.validators import luhn_valid

    return next(f"{siren}0001{check}" for check in range(10) if luhn_valid(f"{siren}0001{check}"))


def test_firm_admin_edits_the_company_name_and_siret(admin_client, company):
    siret = _siret(company.siren)
    response = _edit(admin_client, company, name="Boulangerie Alpha SARL", siret=siret)
    assert response.status_code == 200
    company.refresh_from_db()
    assert company.name == "Boulangerie Alpha SARL" and company.siret == siret
    event = AuditEvent.objects.get(action="company.update")
    assert set(event.data["changed"]) == {"name", "siret"}


def test_changing_the_fiscal_year_offers_the_new_exercise_folders_and_deletes_nothing(admin_client, company):
    deposit_pdf(folder_named(company, "Ventes"))
    before = set(Folder.objects.filter(company=company).values_list("pk", "name"))
    response = _edit(admin_client, company, fiscal_year_start="2027-07-01", fiscal_year_end="2028-06-30",
                     create_exercise_folders="on")
    assert "Exercice 2027-2028" in response.text
    after = set(Folder.objects.filter(company=company, deleted_at__isnull=True).values_list("pk", "name"))
    assert before <= after  # nothing deleted, nothing renamed
    new_annual = Folder.objects.get(company=company, name="Exercice 2027-2028")
    months = Folder.objects.filter(parent__parent=new_annual, parent__name="Ventes").order_by("position")
    assert months.first().name == "01 – Juillet 2027" and months.count() == 12


def test_changing_the_fiscal_year_without_asking_creates_no_folder(admin_client, company):
    count = Folder.objects.filter(company=company).count()
    _edit(admin_client, company, fiscal_year_start="2027-01-01", fiscal_year_end="2027-12-31")
    assert Folder.objects.filter(company=company).count() == count
    company.refresh_from_db()
    assert company.fiscal_year_start == date(2027, 1, 1)


def test_edit_refuses_a_siren_used_by_another_company_of_the_firm(admin_client, company, firm):
    from tests.factories import CompanyFactory

    other = CompanyFactory(firm=firm, name="Autre")
    response = _edit(admin_client, company, siren=other.siren)
    assert "Une entreprise avec ce SIREN existe déjà dans le cabinet." in response.text
    company.refresh_from_db()
    assert company.siren != other.siren


def test_only_firm_admins_edit_or_archive(company, firm_member, client_user):
    for user in (firm_member, client_user):
        client = login(user)
        assert client.get(reverse("web:company_edit", args=[company.pk])).status_code == 403
        assert client.post(reverse("web:company_archive", args=[company.pk])).status_code == 403
    company.refresh_from_db()
    assert company.archived_at is None


def _pending_delivery(company):
    from comptoir.partners.services import connection_set, folder_switch_set, installation_create

    admin = Membership.objects.get(firm=company.firm, role="firm_admin").user
    installation = installation_create(firm=company.firm, slug="upflow", actor=admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": "factures@upflow.example"}, actor=admin)
    folder_switch_set(folder=folder_named(company, "Ventes"), connection=connection, state="on", actor=admin)
    document = deposit_pdf(folder_named(company, "Ventes"))
    return Delivery.objects.get(document=document)


def test_archive_makes_the_company_read_only_stops_deliveries_and_deletes_nothing(admin_client, company,
                                                                                  firm_admin):
    delivery = _pending_delivery(company)
    documents = company.documents.count()
    response = admin_client.post(reverse("web:company_archive", args=[company.pk]), follow=True)
    assert "1 envoi en attente est annulé" in response.text
    assert "Entreprise archivée le" in response.text
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED and "archivée" in delivery.reason
    assert company.documents.count() == documents
    # Read-only: no channel can deposit, and the company's informations are frozen.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="archivée"):
        deposit_pdf(folder_named(company, "Ventes"), name="apres.pdf")
    assert admin_client.get(reverse("web:company_edit", args=[company.pk]), follow=True).redirect_chain
    # And back.
    admin_client.post(reverse("web:company_unarchive", args=[company.pk]))
    deposit_pdf(folder_named(company, "Ventes"), name="apres.pdf")


def test_client_admin_changes_a_member_role_and_removes_them(company, client_user):
    member = membership_for(UserFactory(email="simple@boulangerie.fr"), firm=company.firm, role="client_member",
                            company=company)
    client = login(client_user)
    client.post(reverse("web:member_role", args=[company.pk, member.pk]), {"role": "client_admin"})
    member.refresh_from_db()
    assert member.role == "client_admin"
    response = client.post(reverse("web:member_remove", args=[company.pk, member.pk]), follow=True)
    assert "simple@boulangerie.fr n&#x27;a plus accès" in response.text
    assert not Membership.objects.filter(pk=member.pk).exists()
    # The removed person can no longer sign in; what they deposited stays.
    assert not Client().login(username="simple@boulangerie.fr", password=PASSWORD)


def test_nobody_removes_or_demotes_themselves(company, client_user):
    me = client_user.membership
    client = login(client_user)
    response = client.post(reverse("web:member_remove", args=[company.pk, me.pk]), follow=True)
    assert "Vous ne pouvez pas vous retirer vous-même." in response.text
    client.post(reverse("web:member_role", args=[company.pk, me.pk]), {"role": "client_member"})
    me.refresh_from_db()
    assert me.role == "client_admin" and Membership.objects.filter(pk=me.pk).exists()


def test_firm_staff_memberships_are_not_managed_from_a_company(admin_client, company, firm_member):
    membership = firm_member.membership
    assert admin_client.post(reverse("web:member_remove", args=[company.pk, membership.pk])).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_client_of_another_company_cannot_manage_members(company, client_user, other_client_user):
    member = client_user.membership
    response = login(other_client_user).post(reverse("web:member_remove", args=[company.pk, member.pk]))
    assert response.status_code == 404
    assert Company.objects.filter(pk=company.pk).exists() and Membership.objects.filter(pk=member.pk).exists()
