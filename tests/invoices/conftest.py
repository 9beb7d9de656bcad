import pytest
from django.core.files.base import ContentFile

from comptoir.ged.services import document_deposit
from comptoir.invoices.reading import _recent


@pytest.fixture(autouse=True)
def _fresh_reading_memory():
    _recent.clear()
    yield
    _recent.clear()


def deposit(folder, data: bytes, *, name: str = "facture.pdf", actor=None, channel="web"):
    return document_deposit(folder=folder, file=ContentFile(data), channel=channel, actor=actor, filename=name)
