"""Only what is to be paid goes to a receivables partner, once per (seller, number): real SMTP on loopback."""

from decimal import Decimal

import pytest

from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.services import connection_set
from tests.delivery.conftest import UPFLOW_ADDRESS, drain, ventes
from tests.factories import folder_named
from tests.invoices import corpus
from tests.invoices.conftest import deposit


def invoice(company, **fields) -> corpus.Invoice:
    return corpus.Invoice(seller_siren=company.siren, seller_vat="", **fields)


def test_invoice_and_credit_note_reach_upflow_and_the_quote_is_skipped_with_the_reason(
        smtp_server, upflow, company, firm_admin):
    sales = ventes(company)
    bill = deposit(sales, corpus.facturx_pdf(invoice(company, number="F-2027-001")), name="facture.pdf",
                   actor=firm_admin)
    credit = deposit(sales, corpus.facturx_pdf(invoice(company, number="AV-2027-001", type_code="381")),
                     name="avoir.pdf", actor=firm_admin)
    quote = deposit(sales, corpus.facturx_pdf(invoice(company, number="DEV-9", type_code="310")), name="devis.pdf",
                    actor=firm_admin)
    proforma = deposit(sales, corpus.cii_xml(invoice(company, number="PRO-1", type_code="325")), name="pro.xml",
                       actor=firm_admin)

    assert drain() == 2
    messages = smtp_server.wait_for(2)
    subjects = sorted(message["Subject"] for message in messages)
    assert subjects == [
        "Boulangerie Alpha – Avoir n° AV-2027-001 – Client Exemple SA – 1 200,00 EUR TTC",
        "Boulangerie Alpha – Facture n° F-2027-001 – Client Exemple SA – 1 200,00 EUR TTC",
    ]
    assert all(envelope.rcpt_tos == [UPFLOW_ADDRESS] for envelope in smtp_server.envelopes)
    body = next(m for m in messages if "F-2027-001" in m["Subject"]).get_body(("plain",)).get_content()
    assert "Facture n° F-2027-001 – Client Exemple SA – 1 200,00 EUR TTC" in body
    assert "Échéance : 14/02/2027" in body and "Ventes" in body

    assert {d.document_id: d.status for d in Delivery.objects.all()} == {
        bill.pk: DeliveryStatus.SENT, credit.pk: DeliveryStatus.SENT,
        quote.pk: DeliveryStatus.SKIPPED, proforma.pk: DeliveryStatus.SKIPPED}
    quote_reason = Delivery.objects.get(document=quote).reason
    assert "n'est pas une facture à payer" in quote_reason and "310" in quote_reason
    assert "n'est pas une facture à payer" in Delivery.objects.get(document=proforma).reason


def test_the_same_invoice_twice_is_flagged_and_not_sent_twice(smtp_server, upflow, company, firm_admin):
    sales = ventes(company)
    first = deposit(sales, corpus.facturx_pdf(invoice(company)), name="F-2027-001.pdf", actor=firm_admin)
    # The same invoice again, scanned or exported once more: other bytes, same seller and number.
    again = deposit(sales, corpus.facturx_pdf(invoice(company), target_size=20_000), name="copie.pdf",
                    actor=firm_admin)
    assert first.sha256 != again.sha256
    assert drain() == 1
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1
    facts = again.invoice_facts
    assert facts.duplicate_of_id == first.pk
    assert [w["code"] for w in facts.warnings] == ["duplicate"]
    skipped = Delivery.objects.get(document=again)
    assert skipped.status == DeliveryStatus.SKIPPED
    assert "déjà reçue le" in skipped.reason and f"/ged/document/{first.pk}/" in skipped.reason
    assert first.invoice_facts.duplicate_of_id is None


def test_a_plain_pdf_is_sent_as_before_unless_the_connection_takes_recognised_invoices_only(
        smtp_server, upflow, company, firm_admin):
    sales = ventes(company)
    sent = deposit(sales, corpus.plain_pdf(), name="scan.pdf", actor=firm_admin)
    broken = deposit(sales, corpus.broken_facturx_pdf(), name="cassee.pdf", actor=firm_admin)
    assert Delivery.objects.get(document=sent).status == DeliveryStatus.PENDING
    # A PDF that carries a factur-x.xml we cannot read claims to be an invoice: held for a person (#26).
    assert Delivery.objects.get(document=broken).status == DeliveryStatus.INCOMPLETE

    connection_set(installation=upflow.installation, company=company, destinations={"collection": UPFLOW_ADDRESS},
                   actor=firm_admin, only_recognised_invoices=True)
    skipped = deposit(sales, corpus.plain_pdf(text="autre"), name="scan2.pdf", actor=firm_admin)
    bill = deposit(sales, corpus.facturx_pdf(invoice(company)), name="facture.pdf", actor=firm_admin)
    delivery = Delivery.objects.get(document=skipped)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "n'est pas une facture électronique reconnue" in delivery.reason
    assert Delivery.objects.get(document=bill).status == DeliveryStatus.PENDING
    assert drain() == 2
    assert len(smtp_server.wait_for(2)) == 2


def test_sales_invoice_of_another_seller_and_purchase_in_sales_are_flagged(company, firm_admin):
    sales = ventes(company)
    third = deposit(sales, corpus.facturx_pdf(corpus.Invoice(number="X-1", seller_siren=corpus.OTHER_SIREN,
                                                             seller_vat="")), actor=firm_admin)
    assert [w["code"] for w in third.invoice_facts.warnings] == ["third_party_seller"]
    purchase = deposit(sales, corpus.facturx_pdf(corpus.Invoice(number="A-1", seller_siren=corpus.OTHER_SIREN,
                                                                seller_vat="", buyer_siren=company.siren,
                                                                buyer_vat="")), actor=firm_admin)
    assert [w["code"] for w in purchase.invoice_facts.warnings] == ["purchase_in_sales"]
    # In Achats, a supplier's invoice is what is expected: no warning.
    bought = deposit(folder_named(company, "Achats"), corpus.facturx_pdf(corpus.Invoice(
        number="A-2", seller_siren=corpus.OTHER_SIREN, seller_vat="", buyer_siren=company.siren, buyer_vat="")),
        actor=firm_admin)
    assert bought.invoice_facts.warnings == []
    assert bought.invoice_facts.total_incl_tax == Decimal("1200.00")


@pytest.mark.parametrize("profile", ["minimum", "basic"])
def test_lower_profiles_are_sent_too(smtp_server, upflow, company, firm_admin, profile):
    deposit(ventes(company), corpus.facturx_pdf(invoice(company), profile=profile), actor=firm_admin)
    assert drain() == 1
    assert "F-2027-001" in smtp_server.wait_for(1)[0]["Subject"]
