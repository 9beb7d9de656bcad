"""Mail-in and zip imports file an e-invoice in the month it was issued; anything else by today's rule."""

import io
import zipfile
from datetime import date
from email.message import EmailMessage

import pytest
from django.utils import timezone

from comptoir.ged.models import Document, Folder
from comptoir.intake.models import ZipImport
from comptoir.intake.selectors import company_mailboxes
from comptoir.intake.services.mail_in import mail_message_ingest
from comptoir.intake.services.zip_import import zip_import_create
from comptoir.intake.tasks import zip_import_process
from tests.factories import folder_named
from tests.invoices import corpus


def _months(company) -> tuple[date, date]:
    start = company.fiscal_year_start.replace(day=1)
    def shift(n): return date(start.year + (start.month - 1 + n) // 12, (start.month - 1 + n) % 12 + 1, 10)
    return shift(1), shift(4)


def _month_folder(company, on: date) -> Folder:
    return Folder.objects.get(company=company, parent=folder_named(company, "Ventes"), role="month",
                              month=on.replace(day=1))


def test_two_invoices_in_one_mail_land_in_their_own_months(company, settings):
    settings.MAIL_DOMAIN = "depot.test"
    first, second = _months(company)
    message = EmailMessage()
    message["From"], message["To"] = "client@example.com", company_mailboxes(company)["ventes"]
    message["Subject"], message["Message-ID"] = "Factures", "<two-invoices@example.com>"
    message.set_content("Ci-joint.")
    for number, issued in (("F-1", first), ("F-2", second)):
        pdf = corpus.facturx_pdf(corpus.Invoice(number=number, issue_date=issued, due_date=None))
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{number}.pdf")
    message.add_attachment(corpus.plain_pdf(), maintype="application", subtype="pdf", filename="scan.pdf")
    received = timezone.now()
    mail_message_ingest(raw=message.as_bytes(), mail_from="client@example.com", recipients=[message["To"]],
                        received_at=received)
    by_name = {d.name: d.folder for d in Document.objects.all()}
    assert by_name["F-1.pdf"] == _month_folder(company, first)
    assert by_name["F-2.pdf"] == _month_folder(company, second)
    today_month = Folder.objects.filter(parent=folder_named(company, "Ventes"), role="month",
                                        month=timezone.localdate(received).replace(day=1)).first()
    assert by_name["scan.pdf"] == (today_month or folder_named(company, "Ventes"))


@pytest.mark.django_db(transaction=True)
def test_zip_into_sales_files_invoices_by_issue_month(company, firm_admin, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    first, second = _months(company)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("F-1.pdf", corpus.facturx_pdf(corpus.Invoice(number="F-1", issue_date=first)))
        archive.writestr("F-2.xml", corpus.ubl_xml(corpus.Invoice(number="F-2", issue_date=second)))
        archive.writestr("scan.pdf", corpus.plain_pdf())
    buffer.seek(0)
    sales = folder_named(company, "Ventes")
    zip_import = zip_import_create(folder=sales, upload=buffer, archive_name="lot.zip", actor=firm_admin)
    if ZipImport.objects.get(pk=zip_import.pk).status != "done":
        zip_import_process.call(zip_import.pk)
    by_name = {d.name: d.folder for d in Document.objects.all()}
    assert by_name == {"F-1.pdf": _month_folder(company, first), "F-2.xml": _month_folder(company, second),
                       "scan.pdf": sales}
