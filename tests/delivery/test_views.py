"""What people see: badges on documents, the send history with its filters and CSV, retry, the local outbox."""

import csv
import io
import re

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.delivery.sink import SinkHandler
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.conftest import login
from tests.delivery.conftest import drain, ventes
from tests.factories import PDF_BYTES, deposit_pdf
from tests.loopback import free_port
from tests.smtp_server import mailers_point_at


@pytest.fixture
def failed_and_sent(smtp_server, upflow, company, firm_admin):
    smtp_server.reply_with("550 5.1.1 mailbox unavailable", times=1)
    failed = deposit_pdf(ventes(company), actor=firm_admin, name="refusee.pdf")
    drain()
    sent = deposit_pdf(ventes(company), actor=firm_admin, name="acceptee.pdf")
    drain()
    return Delivery.objects.get(document=failed), Delivery.objects.get(document=sent)


def test_badge_polls_while_pending_then_shows_sent_without_reload(smtp_server, upflow, company, client_user):
    document = deposit_pdf(ventes(company), actor=client_user)
    client = login(client_user)
    url = f"/envois/documents/{document.pk}/badges/"
    pending = client.get(url).content.decode()
    assert "en attente" in pending and 'hx-trigger="every 2s"' in pending
    drain()
    sent = client.get(url).content.decode()
    assert "envoyé" in sent and "every 2s" not in sent
    assert "250" in sent, "the attempts history shows the server's reply"


def test_badges_of_another_firms_document_are_not_found(upflow, company, firm_admin, other_firm_admin):
    document = deposit_pdf(ventes(company), actor=firm_admin)
    assert login(other_firm_admin).get(f"/envois/documents/{document.pk}/badges/").status_code == 404


def test_history_filters_by_status_and_exports_the_same_rows_as_csv(failed_and_sent, admin_client, company):
    page = admin_client.get("/envois/applications/upflow/?status=failed").content.decode()
    assert "refusee.pdf" in page and "acceptee.pdf" not in page
    assert "550 5.1.1 mailbox unavailable" in page
    assert "réessayer" in page
    assert "<svg" in page and "<rect" in page, "the per-day chart is drawn"
    assert not re.search(r'(y|height)="[0-9]+,[0-9]', page), "SVG numbers are never localised"
    everything = admin_client.get(f"/envois/applications/upflow/?company={company.pk}").content.decode()
    assert "refusee.pdf" in everything and "acceptee.pdf" in everything

    export = admin_client.get("/envois/applications/upflow/export.csv?status=failed")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Identifiant"
    assert [row[3] for row in rows[1:]] == ["refusee.pdf"]


def test_history_is_for_firm_staff_only(failed_and_sent, client_user):
    assert login(client_user).get("/envois/applications/upflow/").status_code == 404


def test_retry_button_after_correcting_the_address_sends(failed_and_sent, admin_client, smtp_server, upflow):
    failed, _sent = failed_and_sent
    upflow.destinations.update(address="corrigee@upflow.example")
    response = admin_client.post(f"/envois/{failed.pk}/reessayer/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.PENDING
    drain()
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT
    assert smtp_server.messages[-1]["To"] == "corrigee@upflow.example"


def _history_row(client, delivery) -> str:
    page = client.get("/envois/applications/upflow/").content.decode()
    return re.search(rf'<tr id="delivery-{delivery.pk}">(.*?)</tr>', page, re.S).group(1)


def _attempts_cell(row: str) -> str:
    return re.search(r'<td class="num">\s*(\d+)\s*</td>', row).group(1)


def test_history_shows_attempts_made_and_the_address_each_went_to(failed_and_sent, admin_client, upflow, company,
                                                                  firm_admin):
    failed, _sent = failed_and_sent
    upflow.destinations.update(address="corrigee@upflow.example")
    # Before the retry: the failed row still says where it was refused, not the corrected address.
    row = _history_row(admin_client, failed)
    assert "factures-boulangerie@upflow.example" in row and "corrigee@upflow.example" not in row
    assert "550 5.1.1 mailbox unavailable" in row and _attempts_cell(row) == "1"

    admin_client.post(f"/envois/{failed.pk}/reessayer/")
    drain()
    row = _history_row(admin_client, failed)
    # Two attempts were made, although "réessayer" reset the retry budget; each lists its address.
    assert _attempts_cell(row) == "2"
    assert "corrigee@upflow.example" in row and "(adresse actuelle)" not in row
    assert "factures-boulangerie@upflow.example" in row, "the first attempt's address is in its details"

    waiting = Delivery.objects.get(document=deposit_pdf(ventes(company), actor=firm_admin, name="attente.pdf"))
    row = _history_row(admin_client, waiting)
    assert "corrigee@upflow.example" in row and "(adresse actuelle)" in row and _attempts_cell(row) == "0"


def test_history_queries_do_not_grow_with_the_rows(failed_and_sent, admin_client, company, firm_admin):
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/envois/applications/upflow/")
    for number in range(4):
        deposit_pdf(ventes(company), actor=firm_admin, name=f"lot-{number}.pdf")
    drain()
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/envois/applications/upflow/")
    assert len(many) == len(few)


def test_retry_from_another_firm_is_not_found(failed_and_sent, other_firm_admin):
    failed, _sent = failed_and_sent
    assert login(other_firm_admin).post(f"/envois/{failed.pk}/reessayer/").status_code == 404
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


@pytest.fixture
def local_sink(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.EMBEDDED = True
    settings.COMPTOIR_SMTP_SINK = True
    port = free_port()
    controller = Controller(SinkHandler(tmp_path / "outbox"), hostname="127.0.0.1", port=port,
                            server_hostname="comptoir.localhost")
    controller.start()
    mailers_point_at(settings, "127.0.0.1", port)
    yield tmp_path / "outbox"
    controller.stop()


def test_local_outbox_lists_the_upflow_email_with_its_attachment(local_sink, upflow, company, firm_admin,
                                                                  admin_client, firm_member):
    deposit_pdf(ventes(company), actor=firm_admin, name="vente-demo.pdf", content=PDF_BYTES)
    drain()
    page = admin_client.get("/envois/boite-locale/").content.decode()
    assert "factures-boulangerie@upflow.example" in page and "vente-demo.pdf" in page
    [name] = [path.name for path in local_sink.glob("*.eml")]
    download = admin_client.get(f"/envois/boite-locale/{name}/pieces/0/")
    assert download.content == PDF_BYTES
    assert login(firm_member).get("/envois/boite-locale/").status_code == 404


def test_local_outbox_shows_a_firm_only_its_own_deliveries(local_sink, upflow, company, firm_admin,
                                                          other_firm_admin):
    deposit_pdf(ventes(company), actor=firm_admin, name="secret-alpha.pdf")
    drain()
    [name] = [path.name for path in local_sink.glob("*.eml")]
    other = login(other_firm_admin)
    assert "secret-alpha.pdf" not in other.get("/envois/boite-locale/").content.decode()
    assert other.get(f"/envois/boite-locale/{name}/pieces/0/").status_code == 404


def test_local_outbox_is_absent_outside_embedded_mode(admin_client, settings):
    settings.EMBEDDED = False
    settings.COMPTOIR_SMTP_SINK = True
    assert admin_client.get("/envois/boite-locale/").status_code == 404
    assert "Boîte d'envoi locale" not in admin_client.get("/comptes/parametres/").content.decode()


def test_local_outbox_is_absent_when_no_local_sink_runs(admin_client, settings):
    settings.EMBEDDED = True
    settings.COMPTOIR_SMTP_SINK = False
    assert admin_client.get("/envois/boite-locale/").status_code == 404
    assert "Boîte d'envoi locale" not in admin_client.get("/comptes/parametres/").content.decode()


def test_local_outbox_is_in_the_settings_menu_when_the_sink_runs(local_sink, admin_client):
    page = admin_client.get("/comptes/parametres/").content.decode()
    assert "Boîte d'envoi locale" in page and "/envois/boite-locale/" in page


def test_app_chart_partial_links_to_the_history(failed_and_sent, admin_client):
    page = admin_client.get("/envois/applications/upflow/graphique/").content.decode()
    assert "<rect" in page and "/envois/applications/upflow/" in page


def test_ged_folder_page_carries_the_badges_of_each_document(upflow, company, client_user):
    document = deposit_pdf(ventes(company), actor=client_user, name="badge.pdf")
    page = login(client_user).get(f"/ged/dossier/{ventes(company).pk}/").content.decode()
    assert f'id="delivery-badges-{document.pk}"' in page


def test_send_history_and_csv_of_another_firm_show_none_of_ours(failed_and_sent, other_firm_admin):
    other = login(other_firm_admin)
    page = other.get("/envois/applications/upflow/")
    assert page.status_code in (200, 404)
    assert "acceptee.pdf" not in page.content.decode() and "refusee.pdf" not in page.content.decode()
    export = other.get("/envois/applications/upflow/export.csv")
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert b"acceptee.pdf" not in body and b"refusee.pdf" not in body
