"""The API's document detail: `invoice_status` and `invoice`, in the shape integrations rely on."""

import pytest

from tests.factories import folder_named
from tests.invoices import corpus

EXPECTED_EN16931 = {
    "kind": "invoice",
    "kind_label": "Facture",
    "type_code": "380",
    "number": "F-2027-001",
    "issue_date": "2027-01-15",
    "due_date": "2027-02-14",
    "currency": "EUR",
    "total_excl_tax": "1000.00",
    "total_tax": "200.00",
    "total_incl_tax": "1200.00",
    "amount_due": "1200.00",
    "seller": {"name": "Boulangerie Demo", "siren": None, "siret": None, "vat_number": "FR44732829320",
               "country": "FR"},
    "buyer": {"name": "Client Exemple SA", "siren": corpus.BUYER_SIREN, "siret": None,
              "vat_number": "FR96552100554", "country": "FR"},
    "source": "factur-x",
    "profile": "en16931",
    "warnings": [],
    "misfiled": None,
}


def _upload(api_as, user, company, name, data):
    folder = folder_named(company, "Ventes")
    response = api_as(user).upload(f"/folders/{folder.pk}/documents", name, data)
    assert response.status_code == 201, response.content
    return api_as(user).get(f"/documents/{response.json()['id']}").json()


def test_facturx_detail_has_the_exact_shape(api_as, company, client_user):
    # The seller's SIREN is the company's own (a sales invoice) and its SIRET is given.
    sample = corpus.Invoice(seller_siren=company.siren, seller_vat="")
    data = corpus.facturx_pdf(sample)
    detail = _upload(api_as, client_user, company, "facture.pdf", data)
    assert detail["invoice_status"] == "read"
    expected = {**EXPECTED_EN16931, "seller": {**EXPECTED_EN16931["seller"], "siren": company.siren,
                                               "vat_number": None}}
    assert detail["invoice"] == expected


@pytest.mark.parametrize(("name", "make", "status", "fields"), [
    ("ubl.xml", lambda: corpus.ubl_xml(corpus.Invoice(number="U-1")), "read",
     {"source": "ubl", "kind": "invoice", "number": "U-1"}),
    ("avoir.xml", lambda: corpus.ubl_xml(corpus.Invoice(number="AV-1", type_code="381"), credit_note=True), "read",
     {"source": "ubl", "kind": "credit_note", "type_code": "381"}),
    ("devis.xml", lambda: corpus.cii_xml(corpus.Invoice(number="D-1", type_code="310")), "read",
     {"source": "cii", "kind": "other", "type_code": "310"}),
    ("minimum.pdf", lambda: corpus.facturx_pdf(profile="minimum"), "read",
     {"profile": "minimum", "due_date": None}),
    ("basic.pdf", lambda: corpus.facturx_pdf(profile="basic"), "read", {"profile": "basic"}),
    ("scan.pdf", corpus.plain_pdf, "none", None),
    ("cassee.pdf", corpus.broken_facturx_pdf, "unreadable", None),
    ("lol.xml", lambda: corpus.BILLION_LAUGHS, "unreadable", None),
    ("xxe.xml", lambda: corpus.xxe_xml("/etc/passwd"), "unreadable", None),
])
def test_corpus_through_the_api(api_as, company, client_user, name, make, status, fields):
    detail = _upload(api_as, client_user, company, name, make())
    assert detail["invoice_status"] == status
    if fields is None:
        assert detail["invoice"] is None
    else:
        assert {key: detail["invoice"][key] for key in fields} == fields


def test_warnings_are_french_sentences(api_as, company, client_user):
    sample = corpus.Invoice(seller_siren=corpus.OTHER_SIREN, seller_vat="")
    detail = _upload(api_as, client_user, company, "tiers.pdf", corpus.facturx_pdf(sample))
    assert detail["invoice"]["warnings"] == [
        f"Facture émise par un tiers ? Le SIREN du vendeur ({corpus.OTHER_SIREN}) n'est pas celui de "
        f"l'entreprise ({company.siren})."]


def test_invoice_of_another_tenant_is_404(api_as, company, client_user, other_firm_admin):
    detail = _upload(api_as, client_user, company, "facture.pdf", corpus.facturx_pdf())
    assert api_as(other_firm_admin).get(f"/documents/{detail['id']}").status_code == 404
