"""Writes of invoice facts: recorded inside the deposit's transaction, from a reading made before it."""

import io
from datetime import date

from django.utils import timezone

from comptoir.core.errors import ComptoirError
from comptoir.firms.models import Company
from comptoir.ged.blobs import blob_open
from comptoir.ged.filetypes import HEAD_SIZE, filetype_sniff
from comptoir.ged.models import Document, Folder
from comptoir.ged.readers import Recorder, StoredFile
from comptoir.ged.search.index import search_index_documents
from comptoir.invoices.kinds import PAYABLE_KINDS
from comptoir.invoices.models import InvoiceFacts, InvoiceStatus
from comptoir.invoices.notices import notice
from comptoir.invoices.reading import (
    NONE,
    PARSER_VERSION,
    PDF,
    XML,
    InvoiceReading,
    invoice_read,
    invoice_read_remembered,
)


def invoice_read_stored(*, key: str, size: int, sha256: str, content_type: str) -> InvoiceReading:
    """Read the stored bytes of a deposit (outside any transaction)."""
    if content_type not in (PDF, XML):
        return NONE

    def read() -> InvoiceReading:
        with blob_open(key) as stream:
            return invoice_read(stream=stream, size=size, content_type=content_type)

    return invoice_read_remembered(sha256=sha256, content_type=content_type, read=read)


def invoice_reader(stored: StoredFile) -> Recorder | None:
    """The GED's deposit reader: reads before the transaction, records inside it."""
    reading = invoice_read_stored(key=stored.key, size=stored.size, sha256=stored.sha256,
                                  content_type=stored.content_type)
    if reading.status == "none":
        return None

    def record(document: Document) -> None:
        invoice_facts_record(document=document, reading=reading)

    return record


def _in_sales(folder: Folder) -> bool:
    return Folder.objects.filter(pk__in=folder.ancestor_ids or [folder.pk], role="ventes").exists()


def _first_of_duplicate(*, document: Document, reading: InvoiceReading) -> InvoiceFacts | None:
    seller = {"seller_siren": reading.seller.siren} if reading.seller.siren else (
        {"seller_siren": "", "seller_vat_number": reading.seller.vat_number} if reading.seller.vat_number else None)
    if seller is None or not reading.number:
        return None
    return (InvoiceFacts.objects.filter(company_id=document.company_id, status=InvoiceStatus.READ,
                                        number=reading.number, document__deleted_at__isnull=True, **seller)
            .exclude(document__lineage=document.lineage).select_related("document").order_by("read_at", "id")
            .first())


def _domain_notices(*, document: Document, reading: InvoiceReading) -> tuple[list[dict], Document | None]:
    """What the accountant should look at: a sales invoice from someone else, a purchase in Ventes, a repeat."""
    notices: list[dict] = []
    if reading.kind in PAYABLE_KINDS and _in_sales(document.folder):
        company_siren = Company.objects.filter(pk=document.company_id).values_list("siren", flat=True).first()
        if company_siren and reading.buyer.siren == company_siren:
            notices.append(notice("purchase_in_sales"))
        elif company_siren and reading.seller.siren and reading.seller.siren != company_siren:
            notices.append(notice("third_party_seller", seller=reading.seller.siren, company=company_siren))
    first = _first_of_duplicate(document=document, reading=reading)
    if first is not None:
        received = timezone.localtime(first.document.deposited_at)
        notices.append(notice("duplicate", date=f"{received:%d/%m/%Y}", name=first.document.name))
    return notices, (first.document if first is not None else None)


def invoice_facts_record(*, document: Document, reading: InvoiceReading) -> InvoiceFacts:
    """Keep what a reading found on the document (called inside the deposit's transaction).

    No audit event of its own: the facts are part of the deposit, whose event is written beside them.
    """
    if reading.status != "read":
        return InvoiceFacts.objects.create(document=document, company_id=document.company_id,
                                           status=InvoiceStatus.UNREADABLE, parser_version=PARSER_VERSION,
                                           warnings=list(reading.notices))
    domain, first = _domain_notices(document=document, reading=reading)
    seller, buyer = reading.seller, reading.buyer
    return InvoiceFacts.objects.create(
        document=document, company_id=document.company_id, status=InvoiceStatus.READ,
        parser_version=PARSER_VERSION, source=reading.source, profile=reading.profile, kind=reading.kind,
        type_code=reading.type_code, number=reading.number, issue_date=reading.issue_date,
        due_date=reading.due_date, payment_terms=reading.payment_terms, currency=reading.currency,
        total_excl_tax=reading.total_excl_tax, total_tax=reading.total_tax,
        total_incl_tax=reading.total_incl_tax, amount_due=reading.amount_due,
        seller_name=seller.name, seller_siren=seller.siren, seller_siret=seller.siret,
        seller_vat_number=seller.vat_number, seller_country=seller.country,
        buyer_name=buyer.name, buyer_siren=buyer.siren, buyer_siret=buyer.siret,
        buyer_vat_number=buyer.vat_number, buyer_country=buyer.country,
        order_reference=reading.order_reference, warnings=[*reading.notices, *domain], duplicate_of=first,
    )


def invoice_issue_date_peek(*, data: bytes, filename: str, sha256: str) -> date | None:
    """The issue date of the e-invoice in these bytes, for a channel choosing the month folder.

    The reading is remembered by sha256, so the deposit that follows does not read the bytes again.
    """
    try:
        content_type = filetype_sniff(head=data[:HEAD_SIZE], filename=filename)
    except ComptoirError:
        return None
    if content_type not in (PDF, XML):
        return None
    reading = invoice_read_remembered(
        sha256=sha256, content_type=content_type,
        read=lambda: invoice_read(stream=io.BytesIO(data), size=len(data), content_type=content_type))
    return reading.issue_date if reading.status == "read" else None


def invoice_facts_enter(*, document: Document, number: str, buyer_name: str, buyer_siren: str,
                        total_incl_tax, issue_date: date | None, due_date: date | None,
                        currency: str = "EUR") -> InvoiceFacts:
    """Facts typed by a person for a document without (readable) structured data: an invoice to push.

    Replaces an "unreadable" row; a document whose e-invoice was read keeps what it says. The caller
    (a partner's completion service) is atomic and writes the audit event.
    """
    existing = InvoiceFacts.objects.filter(document=document).first()
    if existing is not None and existing.status == InvoiceStatus.READ and existing.source:
        raise ComptoirError("Les données de cette facture viennent de sa facture électronique.", status=409)
    fields = {"company_id": document.company_id, "status": InvoiceStatus.READ, "parser_version": PARSER_VERSION,
              "source": "", "kind": "invoice", "type_code": "380", "number": number, "buyer_name": buyer_name,
              "buyer_siren": buyer_siren, "total_incl_tax": total_incl_tax, "amount_due": total_incl_tax,
              "issue_date": issue_date, "due_date": due_date, "currency": currency, "warnings": []}
    facts, _created = InvoiceFacts.objects.update_or_create(document=document, defaults=fields)
    document.invoice_facts = facts
    search_index_documents(document_ids=[document.pk])  # found by its number and customer from now on
    return facts
