"""More of the starting state for the GED walk (tests/browser/test_ged_daily.py), laid on top of
`tests.browser.seed` through the services: Upflow connected and on for Ventes, documents in months
of Ventes (some from before the switch), three purchases, and a firm-only document.

Run as `comptoir shell -c "from tests.browser.ged_seed import main; main()"`; prints `GED {json}`.
"""

import io
import json

from django.db import transaction

from comptoir.firms.models import Company
from comptoir.ged.models import Folder
from comptoir.ged.services import document_deposit, folder_create
from comptoir.partners.services import connection_set, folder_switch_set, installation_create
from tests.browser.seed import ADMIN_EMAIL, pdf_bytes

UPFLOW_ADDRESS = "factures-alpha@upflow.example"


def _deposit(folder, name: str, actor) -> dict:
    document = document_deposit(folder=folder, file=io.BytesIO(pdf_bytes(name)), channel="web", actor=actor,
                                filename=name)
    return {"id": document.pk, "name": name, "label": name}


@transaction.atomic
def seed() -> dict:
    from comptoir.accounts.models import User

    admin = User.objects.get(email=ADMIN_EMAIL)
    company = Company.objects.get(firm=admin.membership.firm, name="Boulangerie Alpha")
    folders = Folder.objects.filter(company=company, deleted_at__isnull=True)
    ventes, achats = folders.get(role="ventes"), folders.get(role="achats")
    sales_months = list(folders.filter(parent=ventes).order_by("position"))
    purchase_months = list(folders.filter(parent=achats).order_by("position"))
    before = [_deposit(sales_months[0], f"vente-ancienne-{index}.pdf", admin) for index in (1, 2)]
    installation = installation_create(firm=company.firm, slug="upflow", actor=admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": UPFLOW_ADDRESS}, actor=admin)
    folder_switch_set(folder=ventes, connection=connection, state="on", actor=admin)
    purchases = [_deposit(purchase_months[4], f"achat-{index}.pdf", admin) for index in (1, 2, 3)]
    confidential = folder_create(company=company, parent=ventes.parent, name="Révision du cabinet", actor=admin,
                                 firm_only=True)
    _deposit(confidential, "honoraires-confidentiel.pdf", admin)
    _deposit(achats, "honoraires-publics.pdf", admin)
    # A full page of the list (50 rows): the request count of a folder page is measured on it.
    statements = folder_create(company=company, parent=ventes.parent, name="Relevés", actor=admin)
    for index in range(50):
        _deposit(statements, f"releve-{index:02d}.pdf", admin)
    return {"before": before, "purchases": purchases, "sales_months": [m.name for m in sales_months],
            "purchase_month": purchase_months[4].name, "annual": ventes.parent.name}


def main() -> None:
    print("GED " + json.dumps(seed()))  # noqa: T201 - read by the test fixture
