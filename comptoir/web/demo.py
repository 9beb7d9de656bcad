"""The demo seeded on a first `comptoir serve`: a firm, a client company, an admin and a client user."""

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from comptoir.accounts.models import User
from comptoir.firms.models import Company, Firm, Role
from comptoir.firms.services import firm_create, membership_create
from comptoir.ged.services import company_onboard

DEMO_ADMIN_EMAIL = "admin@cabinet-demo.fr"
DEMO_CLIENT_EMAIL = "client@boulangerie-demo.fr"


@dataclass
class DemoLogins:
    admin_email: str
    admin_password: str
    client_email: str
    client_password: str


def demo_needed() -> bool:
    return not Firm.objects.exists()


@transaction.atomic
def demo_seed(*, today: date | None = None) -> tuple[Firm, Company, DemoLogins]:
    admin_password = secrets.token_urlsafe(9)
    client_password = secrets.token_urlsafe(9)
    firm, admin = firm_create(
        name="Cabinet Démo & Associés",
        admin_email=DEMO_ADMIN_EMAIL,
        admin_password=admin_password,
        primary_color="#234e70",
        accent_color="#f2a541",
        sender_name="Cabinet Démo",
    )
    company = company_onboard(firm=firm, actor=admin, name="Boulangerie Démo", siren="732829320")
    client = User.objects.create_user(email=DEMO_CLIENT_EMAIL, password=client_password, full_name="Client Démo")
    membership_create(user=client, firm=firm, role=Role.CLIENT_ADMIN, company=company, actor=admin)
    _demo_upflow(firm=firm, company=company, admin=admin)
    _demo_failing_company(firm=firm, admin=admin)
    _demo_upflow_api(firm=firm, admin=admin)
    _demo_pa(firm=firm, admin=admin)
    return firm, company, DemoLogins(DEMO_ADMIN_EMAIL, admin_password, DEMO_CLIENT_EMAIL, client_password)


DEMO_UPFLOW_ADDRESS = "upflow-demo@factures.localhost"


DEMO_FAILING_COMPANY = "Traiteur Démo"


def _demo_failing_company(*, firm: Firm, admin: User) -> Company:
    """A second company whose Upflow address the local sink refuses (550): the README tour's step 5
    (« échec », fix the address, « réessayer ») can be done by hand."""
    from comptoir.delivery.sink import REFUSED_ADDRESS

    company = company_onboard(firm=firm, actor=admin, name=DEMO_FAILING_COMPANY, siren="443061841")
    _demo_upflow(firm=firm, company=company, admin=admin, address=REFUSED_ADDRESS)
    return company


def _demo_upflow(*, firm: Firm, company: Company, admin: User, address: str = DEMO_UPFLOW_ADDRESS) -> None:
    """Upflow installed, connected with an address the local SMTP sink accepts, and on for `Ventes`:
    the first upload there shows the whole path, down to the email in the "Boîte d'envoi locale"."""
    from comptoir.ged.models import Folder, FolderRole
    from comptoir.partners.selectors import installation_get_active
    from comptoir.partners.services import connection_set, folder_switch_set, installation_create

    installation = (installation_get_active(firm=firm, slug="upflow")
                    or installation_create(firm=firm, slug="upflow", actor=admin))
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": address}, actor=admin)
    ventes = Folder.objects.get(company=company, role=FolderRole.VENTES, deleted_at__isnull=True)
    folder_switch_set(folder=ventes, connection=connection, state="on", actor=admin)


DEMO_UPFLOW_API_KEY, DEMO_UPFLOW_API_SECRET = "demo", "demo-secret"
DEMO_API_COMPANY = "Épicerie Démo"


def _demo_upflow_api(*, firm: Firm, admin: User) -> None:
    """A second company connected to Upflow by API, to the local fake Upflow `serve` runs (issue #15):
    a Factur-X invoice deposited in its `Ventes` is pushed, then « payée » once marked paid on the fake."""
    from django.conf import settings

    from comptoir.ged.models import Folder
    from comptoir.partners.selectors import installation_get_active
    from comptoir.partners.services import connection_api_set, folder_switch_set

    if not settings.COMPTOIR_FAKE_UPFLOW:
        return
    company = company_onboard(firm=firm, actor=admin, name=DEMO_API_COMPANY, siren="552100554")
    connection = connection_api_set(installation=installation_get_active(firm=firm, slug="upflow"), company=company,
                                    api_key=DEMO_UPFLOW_API_KEY, api_secret=DEMO_UPFLOW_API_SECRET, actor=admin,
                                    check=False, base_url=settings.COMPTOIR_FAKE_UPFLOW_URL)
    ventes = Folder.objects.get(company=company, role="ventes", deleted_at__isnull=True)
    folder_switch_set(folder=ventes, connection=connection, state="on", actor=admin)


DEMO_PA_SELLER, DEMO_PA_BUYER = "Vendeur Démo", "Acheteur Démo"


def _demo_pa(*, firm: Firm, admin: User) -> None:
    """The official examples' seller and buyer, both connected to the local fake PA `serve` runs (issue
    #25): the buyer receives the example invoice within a minute of start; an invoice the seller deposits
    in « Ventes » goes out and comes back « Déposée », then « Encaissée ». Their connections sync every 10 s."""
    from datetime import date

    from django.conf import settings

    from comptoir.einvoicing.connections import pa_connection_set
    from comptoir.einvoicing.fake_pa import DEMO_ACCOUNTS
    from comptoir.einvoicing.services import pa_sync_period_set
    from comptoir.ged.models import Folder
    from comptoir.partners.services import folder_switch_set, installation_create

    if not settings.COMPTOIR_FAKE_PA:
        return
    installation = installation_create(firm=firm, slug="pa", actor=admin)
    url = f"http://127.0.0.1:{settings.COMPTOIR_FAKE_PA_PORT}"
    for name, client_id in ((DEMO_PA_SELLER, "demo-vendeur"), (DEMO_PA_BUYER, "demo-acheteur")):
        secret, siren = DEMO_ACCOUNTS[client_id]
        company = company_onboard(firm=firm, actor=admin, name=name, siren=siren,
                                  fiscal_year_start=date(2025, 1, 1), fiscal_year_end=date(2025, 12, 31))
        connection = pa_connection_set(installation=installation, company=company, api_url=f"{url}/flow-service",
                                       token_url=f"{url}/token", client_id=client_id, client_secret=secret,
                                       actor=admin, check=False)
        pa_sync_period_set(connection=connection, seconds=10)
        if client_id == "demo-vendeur":
            ventes = Folder.objects.get(company=company, role="ventes", deleted_at__isnull=True)
            folder_switch_set(folder=ventes, connection=connection, state="on", actor=admin)
