"""An invoice is found in the GED search by what it says once read: its number, its customer and its
amount (`GET /api/v1/search`), from the deposit's 201 on and after facts are typed in. bin/test runs
this file on both profiles (SQLite FTS5, PostgreSQL)."""

import pytest

from comptoir.ged.models import Document
from comptoir.ged.services import document_move
from comptoir.invoices.services import invoice_facts_enter
from tests.factories import folder_named
from tests.invoices import corpus
from tests.invoices.conftest import deposit

pytestmark = pytest.mark.django_db


def _hit_ids(api_as, user, query: str) -> set[int]:
    response = api_as(user).get(f"/search?q={query}")
    assert response.status_code == 200, response.content
    return {hit["id"] for hit in response.json()}


def test_facturx_invoice_found_by_number_customer_and_amount(api_as, company, client_user, firm_admin):
    ventes = folder_named(company, "Ventes")
    response = api_as(client_user).upload(f"/folders/{ventes.pk}/documents", "scan-0001.pdf", corpus.facturx_pdf())
    assert response.status_code == 201, response.content
    invoice_id = response.json()["id"]
    # Another PDF whose name and text say "Facture" too, but neither the number nor the customer.
    other = deposit(ventes, corpus.plain_pdf(text="Facture"), name="autre.pdf")

    for query in ("F-2027-001", "f 2027 001", "client exemple", "CLIENT EXEMPLE SA", "1200.00", "Boulangerie Demo"):
        hits = _hit_ids(api_as, firm_admin, query)
        assert invoice_id in hits, query
        assert other.pk not in hits, query
    assert _hit_ids(api_as, client_user, "exemple 2027") == {invoice_id}
    hit = api_as(firm_admin).get("/search?q=F-2027-001").json()[0]
    assert hit["name"] == "scan-0001.pdf" and hit["folder_id"] == ventes.pk
    assert _hit_ids(api_as, firm_admin, "F-2027-002") == set()

    # Re-indexed with its folder (one batch for many documents): the invoice's text stays.
    month = ventes.children.order_by("position").first()
    document_move(document=Document.objects.get(pk=invoice_id), folder=month, actor=firm_admin)
    assert _hit_ids(api_as, firm_admin, "client exemple") == {invoice_id}


def test_typed_invoice_facts_are_searchable_at_once(api_as, company, firm_admin):
    paper = deposit(folder_named(company, "Ventes"), corpus.plain_pdf(text="Facture papier"), name="papier.pdf")
    assert _hit_ids(api_as, firm_admin, "FAC-77") == set()
    assert _hit_ids(api_as, firm_admin, "Dupont Traiteur") == set()

    invoice_facts_enter(document=paper, number="FAC-77", buyer_name="Dupont Traiteur", buyer_siren="",
                        total_incl_tax="450.00", issue_date=None, due_date=None)

    assert _hit_ids(api_as, firm_admin, "FAC-77") == {paper.pk}
    assert _hit_ids(api_as, firm_admin, "dupont traiteur") == {paper.pk}
    assert _hit_ids(api_as, firm_admin, "450.00") == {paper.pk}
