"""A client company with two client users, and a request due in 10 days into its Ventes month folder."""

import datetime as dt

import pytest
from django.utils import timezone

from comptoir.docrequests.services import docrequest_create
from comptoir.ged.models import Folder
from tests.delivery.conftest import upflow  # noqa: F401 - the fixture
from tests.factories import UserFactory, membership_for
from tests.intake.conftest import dns_zone, mail_in  # noqa: F401 - the fixtures


def ventes_month(company, on: dt.date) -> Folder:
    return Folder.objects.get(company=company, role="month", month=on.replace(day=1), parent__role="ventes")


@pytest.fixture
def second_client(company):
    return membership_for(UserFactory(email="gerant@boulangerie.fr"), firm=company.firm, role="client_member",
                          company=company).user


@pytest.fixture
def bank_request(company, firm_admin, client_user):
    today = timezone.localdate()
    return docrequest_create(company=company, title="Relevés bancaires de novembre", actor=firm_admin,
                             due_date=today + dt.timedelta(days=10), folder=ventes_month(company, today),
                             addressees=[client_user], items=["relevé BNP", "relevé Qonto"])
