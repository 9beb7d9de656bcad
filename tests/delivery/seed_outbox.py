"""Seed a fresh file-based database with Upflow switched on for `Ventes` and N deposits there.

Run as a separate process by the worker tests: `python tests/delivery/seed_outbox.py N`.
"""

import os
import sys

import django


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    django.setup()
    from django.core.files.base import ContentFile

    from comptoir.firms.services import firm_create
    from comptoir.ged.models import Folder
    from comptoir.ged.services import company_onboard, document_deposit
    from comptoir.partners.services import connection_set, folder_switch_set, installation_create

    firm, admin = firm_create(name="Cabinet Charge", admin_email="admin@charge.fr", admin_password="x-Solide-42-x")
    company = company_onboard(firm=firm, actor=admin, name="Charge SARL", siren="732829320")
    installation = installation_create(firm=firm, slug="upflow", actor=admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": "charge@upflow.example"}, actor=admin)
    ventes = Folder.objects.get(company=company, role="ventes")
    folder_switch_set(folder=ventes, connection=connection, state="on", actor=admin)
    for i in range(count):
        content = b"%PDF-1.4\n" + f"facture {i}\n".encode() + b"%%EOF\n"
        document_deposit(folder=ventes, file=ContentFile(content, name=f"f{i}.pdf"), channel="api", actor=admin,
                         filename=f"facture-{i:04d}.pdf")


if __name__ == "__main__":
    main(int(sys.argv[1]))
