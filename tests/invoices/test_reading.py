"""What the reader finds in each file of the corpus, and what it refuses to be hurt by."""

import io
import time
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest

from comptoir.invoices.notices import notice_texts_fr
from comptoir.invoices.reading import PDF, XML, invoice_read
from tests.invoices import corpus


def read(data: bytes, content_type: str):
    return invoice_read(stream=io.BytesIO(data), size=len(data), content_type=content_type)


@pytest.mark.parametrize("profile", ["minimum", "basic", "en16931"])
def test_facturx_profiles_give_their_facts(profile, settings):
    reading = read(corpus.facturx_pdf(profile=profile), PDF)
    assert reading.status == "read"
    assert (reading.source, reading.profile) == ("factur-x", profile)
    assert (reading.kind, reading.type_code, reading.number) == ("invoice", "380", "F-2027-001")
    assert reading.issue_date == date(2027, 1, 15)
    assert reading.due_date == (None if profile == "minimum" else date(2027, 2, 14))
    assert (reading.total_excl_tax, reading.total_tax, reading.total_incl_tax, reading.amount_due) == (
        Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00"), Decimal("1200.00"))
    assert reading.currency == "EUR"
    assert (reading.seller.name, reading.seller.siren, reading.seller.country) == (
        "Boulangerie Demo", corpus.SELLER_SIREN, "FR")
    assert (reading.buyer.name, reading.buyer.siren) == ("Client Exemple SA", corpus.BUYER_SIREN)
    assert reading.order_reference == "PO-77"
    assert reading.notices == ()


def test_ubl_invoice_and_credit_note():
    invoice = read(corpus.ubl_xml(corpus.Invoice(number="U-1")), XML)
    assert (invoice.status, invoice.source, invoice.kind, invoice.number) == ("read", "ubl", "invoice", "U-1")
    assert invoice.due_date == date(2027, 2, 14)
    assert invoice.seller.vat_number == "FR44732829320"
    credit = read(corpus.ubl_xml(corpus.Invoice(number="AV-1", type_code="381"), credit_note=True), XML)
    assert (credit.status, credit.kind, credit.type_code) == ("read", "credit_note", "381")
    assert credit.total_incl_tax == Decimal("1200.00")


@pytest.mark.parametrize(("type_code", "kind"), [
    ("380", "invoice"), ("751", "invoice"), ("384", "corrective_invoice"), ("386", "prepayment_invoice"),
    ("389", "self_billed_invoice"), ("381", "credit_note"), ("261", "credit_note"), ("262", "credit_note"),
    ("325", "other"), ("310", "other"),
])
def test_kind_comes_from_the_type_code(type_code, kind):
    reading = read(corpus.cii_xml(corpus.Invoice(type_code=type_code)), XML)
    assert (reading.status, reading.source, reading.kind) == ("read", "cii", kind)


def test_plain_pdf_has_no_structured_data():
    assert read(corpus.plain_pdf(), PDF).status == "none"


def test_other_files_are_not_read():
    assert read(b"\x89PNG\r\n", "image/png").status == "none"
    assert read(b"<?xml version='1.0'?><config><a/></config>", XML).status == "none"


def test_broken_embedded_xml_is_not_readable():
    reading = read(corpus.broken_facturx_pdf(), PDF)
    assert reading.status == "unreadable"
    assert "illisible" in notice_texts_fr(list(reading.notices))[0]


def test_warnings_for_bad_siren_and_totals():
    bad = corpus.Invoice(seller_siren="732829321", incl_tax=Decimal("1300.00"), due=Decimal("1300.00"))
    reading = read(corpus.cii_xml(bad), XML)
    assert reading.status == "read"
    texts = notice_texts_fr(list(reading.notices))
    assert "Le SIREN du vendeur (732829321) n'est pas valide (clé de contrôle)." in texts
    assert "Les totaux ne concordent pas : HT 1000.00 + TVA 200.00 ≠ TTC 1300.00." in texts


def test_schema_problem_is_a_warning_not_a_refusal():
    xml = corpus.cii_xml(corpus.Invoice()).replace(b"<ram:TypeCode>380</ram:TypeCode>",
                                                   b"<ram:TypeCode>380</ram:TypeCode><ram:Oops/>")
    reading = read(xml, XML)
    assert reading.status == "read"
    assert [n["code"] for n in reading.notices] == ["schema"]


def _bounded(data: bytes, content_type: str):
    tracemalloc.start()
    started = time.process_time()
    reading = read(data, content_type)
    elapsed = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return reading, elapsed, peak


def test_billion_laughs_is_refused_quickly(tmp_path):
    reading, elapsed, peak = _bounded(corpus.BILLION_LAUGHS, XML)
    assert reading.status == "unreadable"
    assert reading.notices[0]["code"] == "xml_refused"
    assert elapsed < 0.5 and peak < 5 * 1024 * 1024


def test_xxe_never_reads_the_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE")
    for data, content_type in ((corpus.xxe_xml(str(secret)), XML),
                               (corpus.pdf_with_attachment("factur-x.xml", corpus.xxe_xml(str(secret))), PDF)):
        reading = read(data, content_type)
        assert reading.status == "unreadable"
        assert "MOT-DE-PASSE" not in repr(reading)


def test_deep_nesting_is_not_readable():
    reading, elapsed, peak = _bounded(corpus.deep_xml(), XML)
    assert reading.status == "unreadable"
    assert elapsed < 1


def test_huge_xml_is_not_readable(settings):
    body = b"<a>x</a>" * (settings.COMPTOIR_INVOICE_XML_MAX_BYTES // 8)
    data = b"<?xml version='1.0'?><Invoice>" + body + b"</Invoice>"
    reading, elapsed, peak = _bounded(data, XML)
    assert (reading.status, reading.notices[0]["code"]) == ("unreadable", "xml_too_large")
    assert peak < 1024 * 1024


def test_fifty_megabyte_pdf_is_bounded_and_not_readable():
    data = corpus.facturx_pdf(target_size=50 * 1024 * 1024)
    reading, elapsed, peak = _bounded(data, PDF)
    assert (reading.status, reading.notices[0]["code"]) == ("unreadable", "too_large")
    assert elapsed < 0.5 and peak < 1024 * 1024


def test_hostile_pdf_structures_are_not_readable():
    nested = b"%PDF-1.7\n1 0 obj\n" + b"[" * 200_000 + b"]" * 200_000 + b"\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    reading, elapsed, _ = _bounded(nested, PDF)
    assert reading.status in {"unreadable", "none"}
    assert elapsed < 2
    bomb = corpus.pdf_with_attachment("factur-x.xml", b"<a>" + b"x" * (6 * 1024 * 1024) + b"</a>")
    reading, elapsed, _ = _bounded(bomb, PDF)
    assert (reading.status, reading.notices[0]["code"]) == ("unreadable", "xml_too_large")


def test_deflate_bomb_in_the_pdf_is_bounded_and_not_readable():
    data = corpus.deflate_bomb_facturx_pdf(300)
    assert len(data) < 1024 * 1024
    reading, elapsed, peak = _bounded(data, PDF)
    assert reading.status == "unreadable"
    assert elapsed < 2 and peak < 40 * 1024 * 1024


def test_the_reading_budget_is_cpu_time_so_waiting_for_a_core_does_not_spend_it(settings):
    from comptoir.invoices.reading import _Budget, _Unreadable

    settings.COMPTOIR_INVOICE_READ_SECONDS = 0.05
    budget = _Budget()
    time.sleep(0.2)  # what a saturated machine does to a reading: it waits, using no CPU of its own
    budget.check()
    spin_until = time.thread_time() + 0.1
    while time.thread_time() < spin_until:
        pass
    with pytest.raises(_Unreadable):
        budget.check()
