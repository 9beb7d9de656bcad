"""The known starting state of the browser walk, laid down through the services, as a firm would.

Run inside the server's environment (`comptoir shell -c "from tests.browser.seed import main; main()"`),
once per test module on the package's one server: a firm with its colours and logo, its admin, one
client company with its folder tree, a client user, and one invoice already in `Ventes` before any
switch exists (the non-retroactivity check). Prints one line `SEED {json}` that the fixtures read.
The firms of earlier modules stay, but their people's addresses take a prefix, so the logins below
(and any a module adds, like test_account_security's member) are always the newest firm's.
"""

import io
import json
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from PIL import Image

from comptoir.accounts.models import User
from comptoir.firms.models import Role
from comptoir.firms.services import firm_branding_update, firm_create, membership_create
from comptoir.ged.models import Folder
from comptoir.ged.services import company_onboard, document_deposit

ADMIN_EMAIL = "admin@cabinet-alpha.fr"
ADMIN_PASSWORD = "Alpha-admin-2026!"
CLIENT_EMAIL = "client@boulangerie-alpha.fr"
CLIENT_PASSWORD = "Alpha-client-2026!"
PRIMARY = "#0b6e4f"
ACCENT = "#d1495b"
# Must stay distinctive: the walk checks the client sees this exact logo.
LOGO_RGB = (245, 197, 66)


def pdf_bytes(label: str) -> bytes:
    """A small, valid one-page PDF whose text (and so bytes) differ by label."""
    text = f"BT /F1 18 Tf 40 100 Td (Facture {label}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _logo_png() -> bytes:
    image = Image.new("RGB", (96, 96), LOGO_RGB)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _earlier_firms_retire() -> None:
    """Free the addresses of earlier modules' people and forget failed logins (django-axes counts them
    by address and client IP, and every browser comes from 127.0.0.1)."""
    from axes.utils import reset

    User.objects.exclude(email__startswith="avant-").update(email=Concat(Value(f"avant-{uuid.uuid4().hex[:8]}-"),
                                                                         F("email")))
    reset()


@transaction.atomic
def seed() -> dict:
    _earlier_firms_retire()
    firm, admin = firm_create(name="Cabinet Alpha", admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
                              primary_color=PRIMARY, accent_color=ACCENT, sender_name="Cabinet Alpha")
    firm_branding_update(firm=firm, actor=admin, logo=ContentFile(_logo_png(), name="logo.png"))
    company = company_onboard(firm=firm, actor=admin, name="Boulangerie Alpha", siren="732829320")
    client = User.objects.create_user(email=CLIENT_EMAIL, password=CLIENT_PASSWORD, full_name="Claire Client")
    membership_create(user=client, firm=firm, role=Role.CLIENT_ADMIN, company=company, actor=admin)
    ventes = Folder.objects.get(company=company, role="ventes", deleted_at__isnull=True)
    months = list(Folder.objects.filter(parent=ventes, role="month").order_by("position"))
    before = document_deposit(folder=months[0], file=io.BytesIO(pdf_bytes("avant activation")), channel="web",
                              actor=admin, filename="facture-avant-activation.pdf")
    return {
        "firm_id": firm.pk,
        "admin_id": admin.pk,
        "company_id": company.pk,
        "company_name": company.name,
        "ventes_id": ventes.pk,
        "months": [{"id": month.pk, "name": month.name} for month in months],
        "firm_only": list(Folder.objects.filter(company=company, firm_only=True).values_list("name", flat=True)),
        "before_document": {"id": before.pk, "name": before.name, "folder": months[0].name},
    }


def main() -> None:
    print("SEED " + json.dumps(seed()))  # noqa: T201 - read by the test fixture
