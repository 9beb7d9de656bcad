"""Each file of the corpus yields its facts (or "not readable") through every channel, as soon as the 201 returns."""

import pytest

from comptoir.ged.models import Channel, Document
from tests.api.conftest import ApiClient
from tests.factories import folder_named
from tests.intake import test_every_channel as channels
from tests.invoices import corpus

CHANNELS = [Channel.WEB, Channel.ZIP, Channel.API, Channel.EMAIL, Channel.SCANNER]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel", CHANNELS, ids=lambda channel: channel.value)
@pytest.mark.parametrize(("sample", "status"), [("facturx", "read"), ("broken", "unreadable"), ("plain", "none")])
def test_every_channel_reads_the_invoice(channel, sample, status, company, client_user, mail_in,
                                         tmp_path, monkeypatch):
    data = {"facturx": lambda: corpus.facturx_pdf(corpus.Invoice(seller_siren=company.siren, seller_vat="")),
            "broken": corpus.broken_facturx_pdf, "plain": corpus.plain_pdf}[sample]()
    # The channel entry points of the every-channel test, fed with this sample instead of their PDF.
    monkeypatch.setattr(channels, "PDF_BYTES", data)
    sales = folder_named(company, "Ventes")
    channels.ENTRY_POINTS[channel](folder=sales, user=client_user, mail_in=mail_in, tmp_path=tmp_path)
    document = Document.objects.get()
    assert document.channel == channel.value
    detail = ApiClient(client_user).get(f"/documents/{document.pk}").json()
    assert detail["invoice_status"] == status
    if status == "read":
        assert detail["invoice"]["number"] == "F-2027-001"
        assert detail["invoice"]["total_incl_tax"] == "1200.00"
        assert detail["invoice"]["warnings"] == []
    else:
        assert detail["invoice"] is None
