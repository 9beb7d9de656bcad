"""Each file of the corpus yields its facts (or "not readable") through every channel, as soon as the 201 returns."""

import pytest

from comptoir.ged.models import Channel, Document
from tests.api.conftest import ApiClient
from tests.factories import folder_named
from tests.intake import test_every_channel as channels
from tests.invoices import corpus

CHANNELS = [Channel.WEB, Channel.ZIP, Channel.API, Channel.EMAIL, Channel.SCANNER]


def _ours(company, **fields) -> corpus.Invoice:
    return corpus.Invoice(seller_siren=company.siren, seller_vat="", **fields)


# The whole corpus of tests/invoices/test_api.py, each with the facts it must yield whatever the channel.
SAMPLES = {
    "facturx": (lambda c: corpus.facturx_pdf(_ours(c)), "read",
                {"source": "factur-x", "profile": "en16931", "number": "F-2027-001", "total_incl_tax": "1200.00",
                 "warnings": []}),
    "minimum": (lambda c: corpus.facturx_pdf(_ours(c), profile="minimum"), "read",
                {"profile": "minimum", "number": "F-2027-001", "due_date": None}),
    "basic": (lambda c: corpus.facturx_pdf(_ours(c), profile="basic"), "read",
              {"profile": "basic", "number": "F-2027-001", "total_incl_tax": "1200.00"}),
    "ubl": (lambda c: corpus.ubl_xml(_ours(c)), "read",
            {"source": "ubl", "kind": "invoice", "number": "F-2027-001", "total_incl_tax": "1200.00", "warnings": []}),
    "ubl-credit-note": (lambda c: corpus.ubl_xml(_ours(c, number="AV-1", type_code="381"), credit_note=True), "read",
                        {"source": "ubl", "kind": "credit_note", "number": "AV-1"}),
    "cii-quote": (lambda c: corpus.cii_xml(_ours(c, number="D-1", type_code="310")), "read",
                  {"source": "cii", "kind": "other", "type_code": "310", "number": "D-1"}),
    "plain": (lambda c: corpus.plain_pdf(), "none", None),
    "broken": (lambda c: corpus.broken_facturx_pdf(), "unreadable", None),
    "laughs": (lambda c: corpus.BILLION_LAUGHS, "unreadable", None),
    "xxe": (lambda c: corpus.xxe_xml("/etc/passwd"), "unreadable", None),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel", CHANNELS, ids=lambda channel: channel.value)
@pytest.mark.parametrize("sample", list(SAMPLES))
def test_every_channel_reads_the_invoice(channel, sample, company, client_user, mail_in, tmp_path, monkeypatch):
    make, status, fields = SAMPLES[sample]
    # The channel entry points of the every-channel test, fed with this sample instead of their PDF
    # (the type is read from the content, so an XML sample is XML whatever the entry point names it).
    monkeypatch.setattr(channels, "PDF_BYTES", make(company))
    sales = folder_named(company, "Ventes")
    channels.ENTRY_POINTS[channel](folder=sales, user=client_user, mail_in=mail_in, tmp_path=tmp_path)
    document = Document.objects.get()
    assert document.channel == channel.value
    detail = ApiClient(client_user).get(f"/documents/{document.pk}").json()
    assert detail["invoice_status"] == status
    if fields is None:
        assert detail["invoice"] is None
    else:
        assert {key: detail["invoice"][key] for key in fields} == fields


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel", CHANNELS, ids=lambda channel: channel.value)
def test_the_official_negative_invoice_is_read_with_its_warning_through_every_channel(
        channel, company, client_user, mail_in, tmp_path, monkeypatch):
    from tests.invoices.corpus_expected import CORPUS

    monkeypatch.setattr(channels, "PDF_BYTES", (CORPUS / "en16931" / "ubl_BIS3_Invoice_negativ.XML").read_bytes())
    channels.ENTRY_POINTS[channel](folder=folder_named(company, "Ventes"), user=client_user, mail_in=mail_in,
                                   tmp_path=tmp_path)
    document = Document.objects.get()
    invoice = ApiClient(client_user).get(f"/documents/{document.pk}").json()["invoice"]
    assert (invoice["number"], invoice["kind"], invoice["total_incl_tax"]) == ("12345", "invoice", "-782179.43")
    assert "Montant négatif : s'agit-il d'un avoir ?" in invoice["warnings"]
