"""A payable on the wrong side: a sales invoice (the company sells) in Achats, a purchase invoice (the company
buys) in Ventes. Flagged on the document (a badge in French, in the folder list and on the page) and in the
API's document detail (`invoice.misfiled`); the expected side says nothing."""

import pytest

from comptoir.ged.models import Folder
from tests.conftest import login
from tests.factories import folder_named
from tests.invoices import corpus

pytestmark = pytest.mark.django_db


def _sale(company, number="V-1"):  # the company is the seller
    return corpus.facturx_pdf(corpus.Invoice(number=number, seller_siren=company.siren, seller_vat=""))


def _purchase(company, number="A-1"):  # a supplier sells to the company
    return corpus.facturx_pdf(corpus.Invoice(number=number, seller_siren=corpus.OTHER_SIREN, seller_vat="",
                                             buyer_siren=company.siren, buyer_vat=""))


def _inside(folder: Folder) -> Folder:
    """A folder below `folder` (a month, or the folder itself when it has none): the side is inherited."""
    return Folder.objects.filter(path__startswith=folder.path, deleted_at__isnull=True).exclude(
        pk=folder.pk).order_by("path").first() or folder


def _upload(api_as, user, folder, name, data) -> dict:
    response = api_as(user).upload(f"/folders/{folder.pk}/documents", name, data)
    assert response.status_code == 201, response.content
    return api_as(user).get(f"/documents/{response.json()['id']}").json()


def _panel(user, document_id: int, page: bool = False) -> str:
    url = f"/factures/documents/{document_id}/facture/" + ("?vue=page" if page else "")
    return login(user).get(url).content.decode().replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(("side", "make", "misfiled", "badge", "sentence"), [
    ("Achats", _sale, "sales_in_purchases", "Facture de vente classée dans Achats",
     "Facture de vente classée dans Achats ? L'entreprise en est le vendeur."),
    ("Ventes", _purchase, "purchase_in_sales", "Facture d'achat classée dans Ventes",
     "Facture d'achat classée dans Ventes ? L'entreprise en est l'acheteur."),
])
def test_a_payable_on_the_wrong_side_is_flagged_on_the_document_and_in_the_api(
        api_as, company, client_user, side, make, misfiled, badge, sentence):
    folder = _inside(folder_named(company, side))
    detail = _upload(api_as, client_user, folder, "facture.pdf", make(company))
    assert detail["invoice"]["misfiled"] == misfiled
    assert detail["invoice"]["warnings"] == [sentence]
    for page in (False, True):  # the folder list's row and the document page
        panel = _panel(client_user, detail["id"], page=page)
        assert 'class="badge invoice-misfiled"' in panel and badge in panel.replace("&#x27;", "'")


@pytest.mark.parametrize(("side", "make"), [("Achats", _purchase), ("Ventes", _sale)])
def test_a_payable_on_its_own_side_is_not_flagged(api_as, company, client_user, side, make):
    folder = _inside(folder_named(company, side))
    detail = _upload(api_as, client_user, folder, "facture.pdf", make(company))
    assert detail["invoice"]["misfiled"] is None and detail["invoice"]["warnings"] == []
    assert "invoice-misfiled" not in _panel(client_user, detail["id"])


def test_a_sales_invoice_outside_ventes_and_achats_is_not_flagged(api_as, company, client_user):
    detail = _upload(api_as, client_user, folder_named(company, "Banque"), "facture.pdf", _sale(company))
    assert detail["invoice"]["misfiled"] is None
