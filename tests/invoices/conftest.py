import pytest
from django.core.files.base import ContentFile

from comptoir.ged.services import document_deposit
from comptoir.invoices.reading import _recent
from tests.api.conftest import _fast_passwords, api_as  # noqa: F401 (fixtures shared with the API tests)
from tests.delivery.conftest import upflow  # noqa: F401 (fixture)
from tests.intake.conftest import dns_zone, mail_in  # noqa: F401 (fixtures)
from tests.partners.conftest import fake, upflow_api  # noqa: F401 (fixtures: the fake Upflow API on loopback)


@pytest.fixture(autouse=True)
def _fresh_reading_memory():
    _recent.clear()
    yield
    _recent.clear()


def deposit(folder, data: bytes, *, name: str = "facture.pdf", actor=None, channel="web"):
    return document_deposit(folder=folder, file=ContentFile(data), channel=channel, actor=actor, filename=name)
