"""The same queries give the same hits on SQLite (FTS5) and PostgreSQL (tsvector): bin/test runs this
file in both profiles against the same expected answers. Case and accents never matter, each word
is a prefix, every word is required, and nothing is stemmed."""

import pytest
from django.core.files.base import ContentFile

from comptoir.ged.search.selectors import document_search_for_user
from comptoir.ged.services import document_deposit
from tests.factories import folder_named

pytestmark = pytest.mark.django_db

CORPUS = {
    "Facture-2026-11_Électricité.pdf": "",
    "facture.pdf": "Montant TTC 1 234,56 € payé le 12.11.2026 par virement",
    "Relevé bancaire novembre.txt": "Crédit Agricole : solde créditeur",
    "contrat_œuvre.txt": "contrat d'œuvre avec l'entreprise Dupont-Martin, contact jean.dupont@example.fr",
    "NOTE.txt": "Les chevaux mangent; un cheval boit. Version 1.2.3 du logiciel.",
    "achats-fournisseurs.txt": "Fournisseur ÉDF — échéance 15/12/2026",
}
QUERIES = {
    "facture": {"Facture-2026-11_Électricité.pdf", "facture.pdf"},
    "FACT": {"Facture-2026-11_Électricité.pdf", "facture.pdf"},
    "electricite": {"Facture-2026-11_Électricité.pdf"},
    "électr 2026": {"Facture-2026-11_Électricité.pdf"},
    "releve banc": {"Relevé bancaire novembre.txt"},
    "credit": {"Relevé bancaire novembre.txt"},
    "créditeur agricole": {"Relevé bancaire novembre.txt"},
    "oeuvre": {"contrat_œuvre.txt"},
    "dupont martin": {"contrat_œuvre.txt"},
    "jean dupont example": {"contrat_œuvre.txt"},
    "entreprise": {"contrat_œuvre.txt"},
    "cheval": {"NOTE.txt"},
    "chevaux": {"NOTE.txt"},  # no stemming: "chevaux" is not "cheval"
    "version 1 2 3": {"NOTE.txt"},
    "1.2.3": {"NOTE.txt"},
    "1 234 56": {"facture.pdf"},
    "12.11.2026": {"facture.pdf"},
    "edf echeance": {"achats-fournisseurs.txt"},
    "15/12": {"achats-fournisseurs.txt"},
    "fournisseur achats": {"achats-fournisseurs.txt"},
    "ventes": set(CORPUS),  # every document is in a month of Ventes: folder paths are searched too
    "ventes cheval": {"NOTE.txt"},
    "facture cheval": set(),
    "xyzzy": set(),
    # One letter: any word starting with it, accented or not (électricité, entreprise, ÉDF, échéance).
    "e": {"Facture-2026-11_Électricité.pdf", "contrat_œuvre.txt", "achats-fournisseurs.txt"},
}


@pytest.fixture
def corpus(company, firm_admin):
    month = folder_named(company, "Ventes").children.order_by("position").first()
    for name, text in CORPUS.items():
        content = (text or "%PDF-1.4\n%%EOF\n").encode()
        document_deposit(folder=month, file=ContentFile(content, name=name), channel="web", actor=firm_admin,
                         filename=name)
    # Plain-text files have no text layer to read; the test gives them one, as OCR would.
    from comptoir.ged.models import DocumentExtract
    from comptoir.ged.search.index import search_index_documents

    for extract in DocumentExtract.objects.select_related("document"):
        extract.text_layer = CORPUS[extract.document.name]
        extract.save(update_fields=["text_layer"])
    search_index_documents(document_ids=DocumentExtract.objects.values_list("document_id", flat=True))


@pytest.mark.parametrize(("query", "expected"), list(QUERIES.items()), ids=list(QUERIES))
def test_same_hits_on_every_profile(corpus, firm_admin, query, expected):
    hits = document_search_for_user(user=firm_admin, query=query, limit=100)
    assert {hit.document.name for hit in hits} == expected


def test_small_window_takes_the_newest_matches_and_finds_older_ones(corpus, firm_admin, monkeypatch):
    """With a ranked window of 2 and (on PostgreSQL) a walk of the 4 newest documents: a word in every
    document gives the 2 newest (the walk fills the window), a word only in the 2 oldest is still found
    (the walk does not fill it, the index answers)."""
    from comptoir.ged.search import backends

    monkeypatch.setattr(backends, "RANKED_WINDOW", 2)
    monkeypatch.setattr(backends, "NEWEST_WALK", 4)
    newest = ["achats-fournisseurs.txt", "NOTE.txt"]
    assert {hit.document.name for hit in document_search_for_user(user=firm_admin, query="ventes", limit=2)} == set(
        newest)
    assert {hit.document.name for hit in document_search_for_user(user=firm_admin, query="facture", limit=2)} == {
        "Facture-2026-11_Électricité.pdf", "facture.pdf"}
    # A second page widens the window to the newest 4 (offset + limit): its two are among them.
    hits = document_search_for_user(user=firm_admin, query="ventes", limit=2, offset=2)
    assert len(hits) == 2
    assert {hit.document.name for hit in hits} <= {*newest, "contrat_œuvre.txt", "Relevé bancaire novembre.txt"}
