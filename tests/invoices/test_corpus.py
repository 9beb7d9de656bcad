"""Public e-invoices (EN 16931 examples, the French reform's examples) and our own samples for what they
lack, each deposited through the API and compared, fact by fact, with an independent XPath reading
(`corpus_expected`). Sources and licences: tests/invoices/corpus/README.md."""

import pytest

from tests.factories import folder_named
from tests.invoices.corpus_expected import CORPUS, FIELDS, expected_facts

PUBLIC = ("en16931", "afnor")
FILES = sorted(str(path.relative_to(CORPUS)) for path in CORPUS.glob("*/*")
               if path.suffix.lower() in (".xml", ".pdf"))
# The corpus files that truly are unreadable, and why (the API's French reason).
UNREADABLE = {
    "own/broken_truncated.pdf": "Le PDF n'a pas pu être ouvert pour y chercher une facture électronique.",
    "own/broken_cii_truncated.xml": "Le XML de la facture est illisible",
    "own/broken_facturx_embedded.pdf": "Le XML de la facture est illisible",
}
SOURCES = {"zugferd1_": "zugferd-1", "orderx_": "order-x"}
READABLE = [name for name in FILES if name not in UNREADABLE]


def _api_facts(invoice: dict) -> dict:
    return {**{key: invoice[key] for key in FIELDS if key in invoice},
            "seller_name": invoice["seller"]["name"], "seller_vat_number": invoice["seller"]["vat_number"],
            "buyer_name": invoice["buyer"]["name"]}


def _deposit(api_as, user, company, name: str) -> dict:
    folder = folder_named(company, "Achats")
    path = CORPUS / name
    response = api_as(user).upload(f"/folders/{folder.pk}/documents", path.name, path.read_bytes())
    assert response.status_code == 201, response.content
    return api_as(user).get(f"/documents/{response.json()['id']}").json()


def test_the_corpus_holds_at_least_45_public_files_of_every_syntax():
    public = [name for name in FILES if name.split("/")[0] in PUBLIC]
    assert len(public) >= 45, public
    roots = {expected_facts(CORPUS / name)["type_code"] is not None for name in public}
    assert roots == {True}
    own = {name.split("/")[1].split("_")[0] for name in FILES if name.startswith("own/")}
    assert {"zugferd1", "orderx", "facturx", "cii", "ubl"} <= own


def _expected_source(name: str) -> str:
    stem = name.split("/")[1]
    source = next((source for prefix, source in SOURCES.items() if stem.startswith(prefix)), None)
    return source or ("factur-x" if stem.lower().endswith(".pdf") else ("ubl" if "ubl" in stem.lower() else "cii"))


# One test per directory, each file deposited in turn: the fixtures are set up three times, not eighty (the
# scale profile pays for each), and a failure lists every file that differs.
@pytest.mark.parametrize("directory", ["en16931", "afnor", "own"])
def test_every_fact_matches_the_independent_reading(api_as, company, client_user, directory):
    names = [name for name in READABLE if name.startswith(f"{directory}/")]
    assert names
    differences = {}
    for name in names:
        detail = _deposit(api_as, client_user, company, name)
        if detail["invoice_status"] != "read":
            differences[name] = detail["invoice_unreadable_reason"]
            continue
        got = {**_api_facts(detail["invoice"]), "source": detail["invoice"]["source"]}
        expected = {**expected_facts(CORPUS / name), "source": _expected_source(name)}
        if got != expected:
            differences[name] = {key: (got[key], expected[key]) for key in expected if got[key] != expected[key]}
    assert differences == {}


@pytest.mark.parametrize(("name", "reason"), sorted(UNREADABLE.items()))
def test_only_the_truly_broken_files_are_unreadable_and_each_says_why(api_as, company, client_user, name, reason):
    detail = _deposit(api_as, client_user, company, name)
    assert detail["invoice_status"] == "unreadable"
    assert detail["invoice"] is None
    assert detail["invoice_unreadable_reason"].startswith(reason)


KINDS = [
    ("own/cii_393_factored.xml", "invoice", "Facture affacturée"),
    ("own/ubl_396_factored_credit_note.xml", "credit_note", "Avoir affacturé"),
    ("own/cii_326_partial.xml", "invoice", "Facture de situation"),
    ("own/cii_875_construction_partial.xml", "invoice", "Facture de situation de travaux"),
    ("own/cii_383_debit_note.xml", "invoice", "Note de débit"),
    ("own/cii_389_self_billed.xml", "self_billed_invoice", "Autofacture"),
    ("own/cii_501_ctc_self_billed_factored.xml", "self_billed_invoice", "Autofacture affacturée"),
    ("own/cii_471_ctc_corrective_factored.xml", "corrective_invoice", "Facture rectificative affacturée"),
    ("own/cii_386_prepayment.xml", "prepayment_invoice", "Facture d'acompte"),
    ("afnor/UC4b_F202500010_00-INVCORR_20250702_UBL.xml", "corrective_invoice", "Facture rectificative"),
    ("afnor/UC5b_F202500011_00-CN_20250703.pdf", "credit_note", "Avoir"),
    ("own/orderx_basic.pdf", "other", "Bon de commande"),
    ("own/cii_310_quote.xml", "other", "Devis"),
    ("own/cii_325_proforma.xml", "other", "Facture proforma"),
]


def test_type_codes_give_the_kind_and_its_french_name(api_as, company, client_user):
    got = {}
    for name, _kind, _label in KINDS:
        invoice = _deposit(api_as, client_user, company, name)["invoice"]
        got[name] = (invoice["kind"], invoice["kind_label"])
    assert got == {name: (kind, label) for name, kind, label in KINDS}


WARNINGS = [
    ("en16931/ubl_BIS3_Invoice_negativ.XML", "Montant négatif : s'agit-il d'un avoir ?"),
    ("own/facturx_basicwl_negative.pdf", "Montant négatif : s'agit-il d'un avoir ?"),
    ("own/cii_extended_usd_eur.xml",
     "2 échéances : la plus proche (15/02/2027) est retenue comme date d'échéance."),
    ("own/ubl_payment_means_due.xml",
     "2 échéances : la plus proche (01/02/2027) est retenue comme date d'échéance."),
    ("own/ubl_three_decimals.xml", "Montant écrit 999.995 arrondi au centime : 1000.00."),
]


def test_what_the_reader_had_to_decide_is_said(api_as, company, client_user):
    missing = {}
    for name, warning in WARNINGS:
        warnings = _deposit(api_as, client_user, company, name)["invoice"]["warnings"]
        if warning not in warnings:
            missing[name] = warnings
    assert missing == {}


def test_a_positive_invoice_has_no_negative_warning_and_a_credit_note_neither(api_as, company, client_user):
    for name in ("en16931/ubl_BIS3_Invoice_positive.XML", "afnor/UC5b_F202500011_00-CN_20250703_CII.xml"):
        warnings = _deposit(api_as, client_user, company, name)["invoice"]["warnings"]
        assert not any(text.startswith("Montant négatif") for text in warnings), (name, warnings)
