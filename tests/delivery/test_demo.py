"""The demo seeded on a first start: the first upload in `Ventes` goes all the way to the local sink's address."""

from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.web.demo import DEMO_UPFLOW_ADDRESS, demo_seed
from tests.delivery.conftest import drain, ventes
from tests.factories import deposit_pdf


def test_first_upload_in_demo_ventes_is_emailed_to_upflow(db, smtp_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _firm, company, _logins = demo_seed()
    document = deposit_pdf(ventes(company), name="premiere-facture.pdf")
    assert drain() == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == DEMO_UPFLOW_ADDRESS
    assert message["From"].addresses[0].display_name == "Cabinet Démo"
    assert Delivery.objects.get(document=document).status == DeliveryStatus.SENT
