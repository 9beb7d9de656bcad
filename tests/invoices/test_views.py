"""The invoice facts on the folder list and the document page (a GED panel), in French and English."""

from tests.conftest import login
from tests.factories import folder_named
from tests.invoices import corpus
from tests.invoices.conftest import deposit


def test_folder_list_rows_load_the_invoice_panel(company, client_user):
    sales = folder_named(company, "Ventes")
    document = deposit(sales, corpus.facturx_pdf(corpus.Invoice(seller_siren=company.siren)))
    page = login(client_user).get(f"/ged/dossier/{sales.pk}/").content.decode()
    assert f'hx-get="/factures/documents/{document.pk}/facture/"' in page


def test_panel_shows_number_customer_amount_due_date_chip_and_warnings(company, client_user):
    sales = folder_named(company, "Ventes")
    document = deposit(sales, corpus.facturx_pdf(corpus.Invoice(seller_siren=corpus.OTHER_SIREN)))
    panel = login(client_user).get(f"/factures/documents/{document.pk}/facture/").content.decode()
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
