"""Upflow by API: the « à compléter » state, the payment badge, the periodic sync and the « Poste client »."""

import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from comptoir.jobs.scheduler import periodic_jobs
from comptoir.partners.models import Delivery, DeliveryStatus, Receivable
from comptoir.partners.receivables import SYNC_JOB, receivables_sync
from comptoir.partners.services import connection_api_set, installation_create
from tests.conftest import login
from tests.delivery.conftest import drain, ventes
from tests.factories import deposit_pdf
from tests.invoices import corpus
from tests.invoices.conftest import deposit
from tests.partners.conftest import UPFLOW_KEY as KEY
from tests.partners.conftest import UPFLOW_SECRET as SECRET


def push(company, firm_admin, number: str, *, due: date | None = None, amount="1200.00"):
    bill = corpus.Invoice(number=number, seller_siren=company.siren, seller_vat="", due_date=due,
                          incl_tax=Decimal(amount), due=Decimal(amount))
    document = deposit(ventes(company), corpus.facturx_pdf(bill), name=f"{number}.pdf", actor=firm_admin)
    assert drain() == 1
    return document


def test_a_plain_pdf_waits_incomplete_and_goes_out_once_completed(fake, upflow_api, company, firm_admin, api_as):
    document = deposit_pdf(ventes(company), actor=firm_admin, name="scan.pdf")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.INCOMPLETE
    assert drain() == 0, "not sent without data"

    page = login(firm_admin).get(f"/applications/documents/{document.pk}/encaissement/")
    assert "À compléter" in page.content.decode() and 'name="number"' in page.content.decode()

    client = api_as(firm_admin)
    bad = client.client.put(f"/api/v1/documents/{document.pk}/invoice",
                            data={"number": "F-9", "customer_name": "Client", "amount": "douze"},
                            content_type="application/json", headers=client.headers)
    assert bad.status_code == 400 and "amount" in bad.json()["detail"]
    assert Delivery.objects.get().status == DeliveryStatus.INCOMPLETE and not hasattr(document, "_facts")

    done = client.client.put(f"/api/v1/documents/{document.pk}/invoice",
                             data={"number": "F-9", "customer_name": "Client Papier", "amount": "240,50",
                                   "due_date": "2027-03-01"},
                             content_type="application/json", headers=client.headers)
    assert done.status_code == 200 and done.json()["released_deliveries"] == 1
    assert drain() == 1
    [pushed] = fake.entities("invoices")
    assert (pushed["customId"], pushed["grossAmount"], pushed["dueDate"]) == ("F-9", "240.50", "2027-03-01")
    assert fake.entities("customers")[0]["externalId"] == "name-client-papier"
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_the_completion_form_on_the_document_page(fake, upflow_api, company, firm_admin):
    document = deposit_pdf(ventes(company), actor=firm_admin, name="scan.pdf")
    browser = login(firm_admin)
    url = f"/applications/documents/{document.pk}/encaissement/"
    refused = browser.post(url, {"number": "", "customer_name": "X", "amount": "10"})
    assert "Renseignez le numéro de la facture." in refused.content.decode()
    accepted = browser.post(url, {"number": "F-10", "customer_name": "X", "amount": "10"})
    assert "Facture complétée" in accepted.content.decode()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_the_badge_shows_the_state_synced_and_an_unknown_state_keeps_the_last_one(fake, upflow_api, company,
                                                                                   firm_admin, caplog):
    document = push(company, firm_admin, "F-20")
    receivables_sync()
    browser = login(firm_admin)
    html = browser.get(f"/applications/documents/{document.pk}/encaissement/").content.decode()
    assert 'data-state="open"' in html and "ouverte" in html and "reste dû 1\xa0200,00 EUR" in html
    remote = fake.entities("invoices")[0]
    fake.pay(remote["id"], amount=Decimal("200"))
    receivables_sync()
    assert Receivable.objects.get().state == "partially_paid"
    fake.set_state(remote["id"], "DISPUTED")
    caplog.set_level(logging.WARNING)
    receivables_sync()
    assert Receivable.objects.get().state == "partially_paid" and "unknown state 'DISPUTED'" in caplog.text
    fake.set_state(remote["id"], "OPEN")
    fake.pay(remote["id"])
    receivables_sync()
    html = browser.get(f"/applications/documents/{document.pk}/encaissement/").content.decode()
    assert 'data-state="paid"' in html and "payée" in html
    before = len(fake.requests("GET", "external"))
    receivables_sync()
    assert len(fake.requests("GET", "external")) == before, "incremental: a paid invoice is not read again"


def test_the_sync_is_a_periodic_job_on_the_configured_interval(settings):
    [job] = [job for job in periodic_jobs() if job.name == SYNC_JOB]
    assert job.every == timedelta(seconds=settings.COMPTOIR_UPFLOW_SYNC_SECONDS)


def test_poste_client_totals_ageing_filter_and_who_sees_it(fake, upflow_api, company, firm_admin, client_user,
                                                           other_firm_admin):
    today = timezone.localdate()
    push(company, firm_admin, "F-OLD", due=today - timedelta(days=100), amount="100.00")
    push(company, firm_admin, "F-NEW", due=today + timedelta(days=10), amount="50.00")
    paid = push(company, firm_admin, "F-PAID", due=today, amount="30.00")
    receivables_sync()
    fake.pay(fake.invoice_by_external_id(Receivable.objects.get(document=paid).external_id)["id"])
    receivables_sync()

    url = f"/applications/entreprises/{company.pk}/poste-client/"
    html = login(firm_admin).get(url).content.decode()
    assert "150,00" in html.split('id="total-outstanding"')[1][:40]
    assert "30,00" in html.split('id="total-paid"')[1][:40]
    assert 'data-bucket="&gt; 90"' in html and 'data-number="F-OLD"' in html
    filtered = login(firm_admin).get(url + "?state=paid").content.decode()
    assert 'data-number="F-PAID"' in filtered and 'data-number="F-OLD"' not in filtered
    assert login(client_user).get(url).status_code == 404
    assert login(other_firm_admin).get(url).status_code == 404


def test_the_connection_page_connects_by_api_and_refuses_a_wrong_secret_with_upflows_message(fake, firm, company,
                                                                                            firm_admin):
    installation_create(firm=firm, slug="upflow", actor=firm_admin)
    browser = login(firm_admin)
    form = {f"authorise-{company.pk}": "1", f"method-{company.pk}": "api", f"api-key-{company.pk}": KEY,
            f"api-secret-{company.pk}": "not-the-secret"}
    page = browser.get("/applications/upflow/connexions/").content.decode()
    assert "par l&#x27;API Upflow" in page or "par l'API Upflow" in page
    refused = browser.post("/applications/upflow/connexions/", form)
    assert refused.status_code == 400 and "Invalid API credentials" in refused.content.decode()
    assert "not-the-secret" not in refused.content.decode()
    form[f"api-secret-{company.pk}"] = SECRET
    assert browser.post("/applications/upflow/connexions/", form).status_code == 302
    from comptoir.partners.models import Connection

    connection = Connection.objects.get()
    assert connection.method == "api" and SECRET not in str(connection.config)
    again = browser.get("/applications/upflow/connexions/").content.decode()
    assert SECRET not in again and "Poste client" in again


def test_the_demo_seeds_a_second_company_connected_by_api_to_the_local_fake(db, settings):
    from comptoir.partners.models import Connection
    from comptoir.web.demo import demo_seed

    settings.COMPTOIR_FAKE_UPFLOW = True
    firm, company, _logins = demo_seed()
    by_company = {c.company.name: c for c in Connection.objects.select_related("company")}
    assert by_company[company.name].method == "email", "the email tour stays as it is"
    assert by_company["Épicerie Démo"].method == "api"
    assert "demo-secret" not in str(by_company["Épicerie Démo"].config)
    # The demo's own connection goes to the local fake; a firm's would go to Upflow's public API.
    assert by_company["Épicerie Démo"].config["base_url"] == settings.COMPTOIR_FAKE_UPFLOW_URL


def test_a_key_rotation_keeps_the_secret_readable_and_drops_the_old_key(fake, firm, company, firm_admin, settings):
    from cryptography.fernet import Fernet

    from comptoir.partners.methods.upflow_api import UpflowApiMethod
    from comptoir.partners.models import Connection
    from comptoir.partners.services import connection_secrets_rotate
    from comptoir.partners.transports import PermanentError

    def connection_credentials(connection):
        return UpflowApiMethod().credentials(connection=connection)

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.COMPTOIR_CREDENTIAL_KEYS = [old]
    installation = installation_create(firm=firm, slug="upflow", actor=firm_admin)
    connection_api_set(installation=installation, company=company, api_key=KEY, api_secret=SECRET, actor=firm_admin)
    settings.COMPTOIR_CREDENTIAL_KEYS = [new, old]  # prepend the new key
    assert connection_secrets_rotate() == 1
    settings.COMPTOIR_CREDENTIAL_KEYS = [new]  # then drop the old one
    assert connection_credentials(Connection.objects.get())["api_secret"] == SECRET
    settings.COMPTOIR_CREDENTIAL_KEYS = [old]
    with pytest.raises(PermanentError, match="déchiffré"):
        connection_credentials(Connection.objects.get())


def test_an_email_connection_without_destinations_is_a_400(firm, company, firm_admin, api_as):
    installation_create(firm=firm, slug="upflow", actor=firm_admin)
    client = api_as(firm_admin)
    response = client.client.put(f"/api/v1/apps/upflow/connections/{company.pk}", data={"method": "email"},
                                 content_type="application/json", headers=client.headers)
    assert response.status_code == 400 and "destinations" in response.json()["detail"]


def test_the_folder_row_of_an_invoice_to_complete_carries_its_panel(fake, upflow_api, company, firm_admin,
                                                                   client_user):
    # The row renders the same panel as the document page, for whoever reads the list (a 500 once).
    deposit_pdf(ventes(company), actor=firm_admin, name="scan.pdf")
    for user in (firm_admin, client_user):
        page = login(user).get(f"/ged/dossier/{ventes(company).pk}/")
        assert page.status_code == 200 and 'data-panel="receivable"' in page.content.decode()
    assert 'name="number"' in login(firm_admin).get(f"/ged/dossier/{ventes(company).pk}/").content.decode()
