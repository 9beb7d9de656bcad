"""The PA area's fixtures: the fake PA over HTTP on loopback, and the official examples' two companies
(seller SIREN 100000009, buyer 200000008) as clients of one firm, each connected to the PA."""

from datetime import date
from pathlib import Path

import pytest

from comptoir.einvoicing.connections import pa_connection_set
from comptoir.einvoicing.fake_pa.server import FakePa
from comptoir.ged.models import Folder
from comptoir.partners.services import folder_switch_set, installation_create
from tests.factories import CompanyFactory

STANDARD = Path(__file__).parent / "standard"
XSD = STANDARD / "cdar_d22b" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
UC1_CII = STANDARD / "UC1_F202500003_00-INV_20250701_CII.xml"
UC1_UBL = STANDARD / "UC1_F202500003_00-INV_20250701_UBL.xml"
UC1_PDF = STANDARD / "UC1_F202500003_00-INV_20250701.pdf"
CDV_200 = STANDARD / "UC1_F202500003_01-CDV-200_Deposee.xml"
CDV_212 = STANDARD / "UC1_F202500003_07-CDV-212_Encaissee.xml"
CDV_207 = STANDARD / "UC4_F202500006_04-CDV-207_En_litige.xml"
UC4_CII = STANDARD / "UC4_F202500006_00-INV_20250701_CII.xml"
SELLER_SIREN, BUYER_SIREN = "100000009", "200000008"
SELLER_ID, BUYER_ID = "vendeur-client", "acheteur-client"
SELLER_SECRET, BUYER_SECRET = "vendeur-secret-0123456789", "acheteur-secret-0123456789"


def folder(company, role: str, month: date | None = None) -> Folder:
    found = Folder.objects.get(company=company, role=role, deleted_at__isnull=True)
    if month is None:
        return found
    return Folder.objects.get(parent=found, role="month", month=month, deleted_at__isnull=True)


@pytest.fixture(autouse=True)
def _patient_reader(settings):
    # The first reading in a process compiles the schemas: on a loaded machine, past the 2 s default.
    settings.COMPTOIR_INVOICE_READ_SECONDS = 30.0


@pytest.fixture
def fake_pa(settings):
    settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE = True  # the fake listens on loopback
    settings.COMPTOIR_PA_TIMEOUT_SECONDS = 2.0
    with FakePa() as fake:
        fake.account_add(SELLER_ID, SELLER_SECRET, siren=SELLER_SIREN)
        fake.account_add(BUYER_ID, BUYER_SECRET, siren=BUYER_SIREN)
        yield fake


def _company(firm, name: str, siren: str):
    return CompanyFactory(firm=firm, name=name, siren=siren, fiscal_year_start=date(2025, 1, 1),
                          fiscal_year_end=date(2025, 12, 31))


@pytest.fixture
def seller(firm):
    return _company(firm, "Vendeur", SELLER_SIREN)


@pytest.fixture
def buyer(firm):
    return _company(firm, "Acheteur", BUYER_SIREN)


@pytest.fixture
def pa_installation(firm, firm_admin):
    return installation_create(firm=firm, slug="pa", actor=firm_admin)


def connect(fake, installation, company, client_id, secret, actor):
    return pa_connection_set(installation=installation, company=company, api_url=fake.api_url,
                             token_url=fake.token_url, client_id=client_id, client_secret=secret, actor=actor)


@pytest.fixture
def buyer_pa(fake_pa, pa_installation, buyer, firm_admin):
    return connect(fake_pa, pa_installation, buyer, BUYER_ID, BUYER_SECRET, firm_admin)


@pytest.fixture
def seller_pa(fake_pa, pa_installation, seller, firm_admin):
    """The seller connected, and the PA on for its « Ventes »."""
    connection = connect(fake_pa, pa_installation, seller, SELLER_ID, SELLER_SECRET, firm_admin)
    folder_switch_set(folder=folder(seller, "ventes"), connection=connection, state="on", actor=firm_admin)
    return connection


@pytest.fixture
def worker():
    from comptoir.delivery.worker import DeliveryWorker

    started = []

    def start() -> DeliveryWorker:
        instance = DeliveryWorker(concurrency=1, poll_interval=0.05)
        instance.start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()
