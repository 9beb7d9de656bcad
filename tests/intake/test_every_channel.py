"""THE channel test: whatever way a document comes in, a switched-on folder forwards it, exactly once.

It iterates over `Channel` itself: a new channel without an entry point here fails this test.
"""

import io
import smtplib
import zipfile
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from comptoir.accounts.services import api_token_create
from comptoir.ged.models import Channel, Document
from comptoir.intake.models import ZipImport
from comptoir.intake.selectors import company_mailboxes
from comptoir.intake.services.watch import DirectoryWatcher, WatchMapping
from comptoir.intake.tasks import zip_import_process
from comptoir.partners.models import Delivery
from comptoir.partners.services import connection_set, folder_switch_set, installation_create
from tests.conftest import login
from tests.factories import PDF_BYTES, folder_named
from tests.intake.conftest import authenticated, trust_senders

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def upflow_on_sales(company, firm_admin):
    installation = installation_create(firm=company.firm, slug="upflow", actor=firm_admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": "factures@client.upflow.example"}, actor=firm_admin)
    sales = folder_named(company, "Ventes")
    folder_switch_set(folder=sales, connection=connection, state="on", actor=firm_admin)
    return sales


def deposit_web(*, folder, user, **_):
    response = login(user).post(f"/ged/dossier/{folder.pk}/televerser/",
                                {"file": SimpleUploadedFile("web.pdf", PDF_BYTES, content_type="application/pdf")},
                                headers={"Accept": "application/json"})
    assert response.status_code == 201, response.content


def deposit_zip(*, folder, user, **_):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lot/zip.pdf", PDF_BYTES)
    response = login(user).post(f"/depots/dossiers/{folder.pk}/zip/envoyer/",
                                {"archive": SimpleUploadedFile("lot.zip", buffer.getvalue())})
    assert response.status_code == 202, response.content
    # The upload only queues the import; run its task here as `comptoir worker` would.
    assert zip_import_process.call(ZipImport.objects.get().pk) == "done"


def deposit_api(*, folder, user, **_):
    _token, raw = api_token_create(user=user)
    response = Client().post(f"/api/v1/folders/{folder.pk}/documents",
                             {"file": SimpleUploadedFile("api.pdf", PDF_BYTES, content_type="application/pdf")},
                             headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201, response.content


def deposit_email(*, folder, mail_in, **_):
    trust_senders(folder.company, "@example.com")
    to = company_mailboxes(folder.company)["ventes"]
    message = EmailMessage()
    authenticated(message, domain="example.com")
    message["From"], message["To"], message["Subject"] = "client@example.com", to, "Facture"
    message["Message-ID"] = "<every-channel@example.com>"
    message.set_content("Ci-joint.")
    message.add_attachment(PDF_BYTES, maintype="application", subtype="pdf", filename="email.pdf")
    with smtplib.SMTP(mail_in.hostname, mail_in.port, timeout=30) as client:
        assert client.send_message(message) == {}


def deposit_scanner(*, folder, tmp_path, **_):
    directory = tmp_path / "scanner"
    directory.mkdir()
    (directory / "scan.pdf").write_bytes(PDF_BYTES)
    watcher = DirectoryWatcher(WatchMapping(directory=directory, folder=folder))
    watcher.poll()  # first sight
    assert len(watcher.poll()) == 1  # stable: taken


def deposit_phone(*, folder, user, **_):
    photos = []
    for colour in ("white", "grey"):
        buffer = io.BytesIO()
        Image.new("RGB", (300, 400), colour).save(buffer, format="JPEG")
        photos.append(SimpleUploadedFile(f"{colour}.jpg", buffer.getvalue(), content_type="image/jpeg"))
    response = login(user).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/",
                                {"files": photos, "combine": "1"})
    assert response.status_code == 201, response.content


def deposit_pa(*, folder, user, **_):
    # A flow received from the company's plateforme agréée (its sync calls this for each SupplierInvoice);
    # the folder cache aims it at the test's folder instead of Achats' month.
    from comptoir.einvoicing.receiving import invoice_receive
    from comptoir.partners.models import Connection

    installation = installation_create(firm=folder.company.firm, slug="pa", actor=user)
    connection = Connection.objects.create(installation=installation, company=folder.company, method="afnor")
    document = invoice_receive(connection=connection, flow={"flowId": "every-channel-1", "name": "facture.pdf"},
                               data=PDF_BYTES, folders={None: (folder, "")})
    assert document is not None


ENTRY_POINTS = {
    Channel.WEB: deposit_web,
    Channel.ZIP: deposit_zip,
    Channel.API: deposit_api,
    Channel.EMAIL: deposit_email,
    Channel.SCANNER: deposit_scanner,
    Channel.PHONE: deposit_phone,
    Channel.PA: deposit_pa,
}


@pytest.mark.parametrize("channel", list(Channel), ids=lambda channel: channel.value)
def test_every_channel_deposit_produces_exactly_one_delivery(channel, upflow_on_sales, client_user, mail_in,
                                                             tmp_path):
    entry_point = ENTRY_POINTS.get(channel)
    if entry_point is None:
        pytest.fail(f"channel {channel.value!r} has no entry point in this test: route it through document_deposit "
                    "and add it here")
    entry_point(folder=upflow_on_sales, user=client_user, mail_in=mail_in, tmp_path=tmp_path)
    document = Document.objects.get()
    assert document.channel == channel.value
    assert document.folder.path.startswith(upflow_on_sales.path)
    delivery = Delivery.objects.get()
    assert delivery.document == document
    assert delivery.app_slug == "upflow"
