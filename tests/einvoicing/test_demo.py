"""The demo's PA: the official example arrives for the buyer; what the seller sends comes back « Encaissée »;
`serve` names the fake PA's port when it is taken."""

from datetime import date

import pytest

from comptoir.einvoicing.fake_pa import fake_pa_demo
from comptoir.einvoicing.fake_pa.server import FakePa
from comptoir.einvoicing.selectors import einvoice_api_dict
from comptoir.einvoicing.submission import PaFlowTransport
from comptoir.einvoicing.sync import pa_sync
from comptoir.firms.models import Company
from comptoir.ged.models import Document
from comptoir.partners.models import Delivery
from tests.einvoicing.conftest import UC1_PDF, folder
from tests.invoices.conftest import deposit
from tests.loopback import free_port, wait_until


@pytest.mark.django_db
@pytest.mark.embedded_only
def test_the_demo_buyer_receives_the_example_and_a_sent_invoice_turns_encaissee(settings):
    from comptoir.web.demo import DEMO_PA_BUYER, DEMO_PA_SELLER, demo_seed

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COMPTOIR_INVOICE_READ_SECONDS = 30.0
    settings.COMPTOIR_FAKE_PA, settings.COMPTOIR_FAKE_PA_PORT = True, free_port()
    with FakePa(port=settings.COMPTOIR_FAKE_PA_PORT) as fake:
        fake_pa_demo(fake)
        fake.set_auto_statuses(("200", 0.0), ("212", 0.2))  # the demo's 20 s, shortened
        demo_seed()
        pa_sync()
        buyer, seller = Company.objects.get(name=DEMO_PA_BUYER), Company.objects.get(name=DEMO_PA_SELLER)
        received = Document.objects.get(company=buyer)
        assert received.folder == folder(buyer, "achats", date(2025, 7, 1))
        sent = deposit(folder(seller, "ventes", date(2025, 7, 1)), UC1_PDF.read_bytes(), name=UC1_PDF.name)
        delivery = Delivery.objects.select_related("document", "destination__connection").get(document=sent)
        PaFlowTransport().send(app=None, delivery=delivery)
        wait_until(lambda: len(fake.flows("demo-vendeur", direction="In")) == 2, timeout=10, what="212 back")
        from comptoir.einvoicing.models import SyncCursor

        SyncCursor.objects.update(synced_at=None)  # due now rather than in 10 s
        pa_sync()
        assert einvoice_api_dict(document=sent)["status"]["label"] == "Encaissée"
        assert [h["code"] for h in einvoice_api_dict(document=sent)["history"]] == ["212", "200"]


def test_serve_names_the_fake_pa_port_when_taken(tmp_path):
    import socket

    from tests.web.test_demo_and_serve import _serve

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        result = _serve(tmp_path, "--port", str(free_port()), COMPTOIR_MAILIN_PORT=str(free_port()),
                        EMAIL_URL=f"smtp://127.0.0.1:{free_port()}", COMPTOIR_SMTP_SINK="true",
                        COMPTOIR_FAKE_UPFLOW_PORT=str(free_port()), COMPTOIR_FAKE_PA_PORT=str(taken))
    assert result.returncode == 1
    assert f"Le port {taken} (la plateforme agréée locale (démo))" in result.stderr
    assert "COMPTOIR_FAKE_PA_PORT" in result.stderr
