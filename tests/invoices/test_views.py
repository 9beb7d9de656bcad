"""The invoice facts on the folder list and the document page (a GED panel), in French and English."""

from tests.conftest import login
from tests.factories import folder_named
from tests.invoices import corpus
from tests.invoices.conftest import deposit


def test_folder_list_rows_carry_the_invoice_panel_in_the_page(company, client_user):
    sales = folder_named(company, "Ventes")
    deposit(sales, corpus.facturx_pdf(corpus.Invoice(seller_siren=company.siren)))
    page = login(client_user).get(f"/ged/dossier/{sales.pk}/").content.decode()
    assert 'data-panel="invoice"' in page and "F-2027-001" in page  # written into the row, no request per row


def test_panel_shows_number_customer_amount_due_date_chip_and_warnings(company, client_user):
    sales = folder_named(company, "Ventes")
    document = deposit(sales, corpus.facturx_pdf(corpus.Invoice(seller_siren=corpus.OTHER_SIREN)))
    panel = login(client_user).get(f"/factures/documents/{document.pk}/facture/").content.decode()
    panel = panel.replace("\u202f", " ").replace("\u00a0", " ")  # French typography's narrow spaces
    assert ">Factur-X<" in panel
    assert "n° F-2027-001" in panel
    assert "client : Client Exemple SA" in panel
    assert "1 200,00 EUR TTC" in panel.replace("\xa0", " ").replace("&nbsp;", " ")
    assert "échéance 14/02/2027" in panel
    assert "Facture émise par un tiers ?" in panel


def test_document_page_shows_the_details(company, client_user):
    sales = folder_named(company, "Ventes")
    document = deposit(sales, corpus.ubl_xml(corpus.Invoice(seller_siren=company.siren, number="U-7")),
                       name="facture.xml")
    client = login(client_user)
    page = client.get(f"/ged/document/{document.pk}/").content.decode()
    assert f'hx-get="/factures/documents/{document.pk}/facture/?vue=page"' in page
    panel = client.get(f"/factures/documents/{document.pk}/facture/?vue=page").content.decode()
    assert ">UBL · en16931<" in panel and "n° U-7" in panel and "Bon de commande" in panel and "PO-77" in panel


def test_unreadable_and_plain_documents(company, client_user):
    sales = folder_named(company, "Ventes")
    broken = deposit(sales, corpus.broken_facturx_pdf(), name="cassee.pdf")
    plain = deposit(sales, corpus.plain_pdf(), name="scan.pdf")
    client = login(client_user)
    panel = client.get(f"/factures/documents/{broken.pk}/facture/").content.decode()
    assert "Facture électronique illisible" in panel and "Le XML de la facture est illisible" in panel
    assert client.get(f"/factures/documents/{plain.pk}/facture/").content.decode().strip() == ""


def test_panel_in_english(company, client_user, settings):
    sales = folder_named(company, "Ventes")
    document = deposit(sales, corpus.facturx_pdf(corpus.Invoice(seller_siren=corpus.OTHER_SIREN)))
    client = login(client_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    panel = client.get(f"/factures/documents/{document.pk}/facture/")
    text = panel.content.decode()
    assert "customer: Client Exemple SA" in text
    assert "Issued by a third party?" in text


def test_another_company_client_gets_404(company, other_client_user):
    document = deposit(folder_named(company, "Ventes"), corpus.facturx_pdf())
    assert login(other_client_user).get(f"/factures/documents/{document.pk}/facture/").status_code == 404


def _names(response) -> list[str]:
    import re

    return re.findall(r'class="doc-name">([^<]+)<', response.content.decode())


def test_folder_list_sorts_and_filters_by_amount_due_date_and_customer(company, client_user):
    from datetime import date
    from decimal import Decimal

    sales = folder_named(company, "Ventes")
    for number, buyer, amount, due in (("A", "Alpha SA", "100.00", date(2027, 3, 1)),
                                       ("B", "Beta SARL", "900.00", date(2027, 1, 31)),
                                       ("C", "Gamma", "500.00", date(2027, 2, 15))):
        amount = Decimal(amount)
        deposit(sales, corpus.facturx_pdf(corpus.Invoice(number=number, buyer_name=buyer, excl_tax=amount, tax=0,
                                                         incl_tax=amount, due=amount, due_date=due)),
                name=f"{number}.pdf")
    deposit(sales, corpus.plain_pdf(), name="scan.pdf")
    client = login(client_user)
    url = f"/ged/dossier/{sales.pk}/documents/"
    assert _names(client.get(url, {"tri": "montant"})) == ["B.pdf", "C.pdf", "A.pdf", "scan.pdf"]
    assert _names(client.get(url, {"tri": "echeance"})) == ["B.pdf", "C.pdf", "A.pdf", "scan.pdf"]
    assert _names(client.get(url, {"tri": "client"})) == ["A.pdf", "B.pdf", "C.pdf", "scan.pdf"]
    assert _names(client.get(url, {"client": "beta"})) == ["B.pdf"]
    assert sorted(_names(client.get(url, {"montant_min": "500"}))) == ["B.pdf", "C.pdf"]
    assert sorted(_names(client.get(url, {"echeance_avant": "2027-02-15"}))) == ["B.pdf", "C.pdf"]
    # A value the field cannot take is ignored, never an error page.
    response = client.get(f"/ged/dossier/{sales.pk}/", {"echeance_avant": "demain", "montant_min": "x", "tri": "?"})
    assert response.status_code == 200 and len(_names(response)) == 4
    assert 'name="tri"' in response.content.decode()
