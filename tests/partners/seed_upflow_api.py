"""Seed a fresh file-based database with Upflow connected by API for `Ventes` and N Factur-X invoices there.

Run as a separate process: `python tests/partners/seed_upflow_api.py N KEY SECRET` with
COMPTOIR_UPFLOW_API_URL pointing at a (fake) Upflow that accepts KEY/SECRET.
"""

import os
import sys
from pathlib import Path

import django


def main(count: int, key: str, secret: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    django.setup()
    from django.core.files.base import ContentFile

    from comptoir.firms.services import firm_create
    from comptoir.ged.models import Folder
    from comptoir.ged.services import company_onboard, document_deposit
    from comptoir.partners.services import connection_api_set, folder_switch_set, installation_create
    from tests.invoices import corpus

    firm, admin = firm_create(name="Cabinet Charge", admin_email="admin@charge.fr", admin_password="x-Solide-42-x")
    company = company_onboard(firm=firm, actor=admin, name="Charge SARL", siren="732829320")
    installation = installation_create(firm=firm, slug="upflow", actor=admin)
    connection = connection_api_set(installation=installation, company=company, api_key=key, api_secret=secret,
                                    actor=admin)
    ventes = Folder.objects.get(company=company, role="ventes")
    folder_switch_set(folder=ventes, connection=connection, state="on", actor=admin)
    for i in range(count):
        content = corpus.facturx_pdf(corpus.Invoice(number=f"F-{i:04d}", seller_siren=company.siren, seller_vat=""))
        document_deposit(folder=ventes, file=ContentFile(content, name=f"f{i}.pdf"), channel="api", actor=admin,
                         filename=f"facture-{i:04d}.pdf")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
