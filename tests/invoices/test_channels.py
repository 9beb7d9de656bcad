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


def _case(channel: Channel, sample: str):
    # Mail-in's listener runs in its own thread and reads what the test committed; the others run inline.
    marks = pytest.mark.django_db(transaction=channel == Channel.EMAIL)
    return pytest.param(channel, sample, marks=marks, id=f"{sample}-{channel.value}")


# The promise: reading does not depend on the channel. Each case is one of (issue #23, 18 cases, not 50):
# - the whole corpus through the zip import, a channel that reads the bytes *before* the deposit, to
#   file the invoice in its month (`invoice_issue_date_peek`, remembered by the bytes' sha256): every
#   kind of file, hostile ones included, yields through that path what it yields when read once.
#   The corpus through the path without the peek (the API upload, the same deposit as the web's):
#   tests/invoices/test_api.py::test_corpus_through_the_api and ::test_facturx_detail_has_the_exact_shape;
# - every other channel with two samples: a Factur-X PDF (XML inside a PDF, read) and a bare XXE file
#   (XML as the file itself, refused as "unreadable"), so no channel changes either carrier or outcome.
PEEKING_CHANNEL = Channel.ZIP
CASES = [_case(PEEKING_CHANNEL, sample) for sample in SAMPLES] + [
    _case(channel, sample) for channel in CHANNELS if channel != PEEKING_CHANNEL for sample in ("facturx", "xxe")]


@pytest.mark.parametrize(("channel", "sample"), CASES)
def test_every_channel_reads_the_invoice(channel, sample, company, client_user, tmp_path, monkeypatch, request):
    make, status, fields = SAMPLES[sample]
    # The channel entry points of the every-channel test, fed with this sample instead of their PDF
    # (the type is read from the content, so an XML sample is XML whatever the entry point names it).
    monkeypatch.setattr(channels, "PDF_BYTES", make(company))
    mail_in = request.getfixturevalue("mail_in") if channel == Channel.EMAIL else None
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


@pytest.mark.parametrize(("channel", "sample"), [_case(channel, "negative") for channel in CHANNELS])
def test_the_official_negative_invoice_is_read_with_its_warning_through_every_channel(
        channel, sample, company, client_user, tmp_path, monkeypatch, request):
    from tests.invoices.corpus_expected import CORPUS

    monkeypatch.setattr(channels, "PDF_BYTES", (CORPUS / "en16931" / "ubl_BIS3_Invoice_negativ.XML").read_bytes())
    mail_in = request.getfixturevalue("mail_in") if channel == Channel.EMAIL else None
    channels.ENTRY_POINTS[channel](folder=folder_named(company, "Ventes"), user=client_user, mail_in=mail_in,
                                   tmp_path=tmp_path)
    document = Document.objects.get()
    invoice = ApiClient(client_user).get(f"/documents/{document.pk}").json()["invoice"]
    assert (invoice["number"], invoice["kind"], invoice["total_incl_tax"]) == ("12345", "invoice", "-782179.43")
    assert "Montant négatif : s'agit-il d'un avoir ?" in invoice["warnings"]
