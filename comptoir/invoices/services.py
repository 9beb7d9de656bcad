"""Writes of invoice facts: recorded inside the deposit's transaction, from a reading made before it."""

import io
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from comptoir.core.errors import ComptoirError
from comptoir.firms.models import Company
from comptoir.ged.blobs import blob_open
from comptoir.ged.filetypes import HEAD_SIZE, filetype_sniff
from comptoir.ged.models import Document, Folder, FolderRole
from comptoir.ged.readers import Recorder, StoredFile
from comptoir.ged.search.index import search_index_documents
from comptoir.invoices.kinds import PAYABLE_KINDS
from comptoir.invoices.models import InvoiceFacts, InvoiceStatus
from comptoir.invoices.notices import PURCHASE_IN_SALES, SALES_IN_PURCHASES, notice
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


def _folder_side(folder: Folder) -> str:
    """« ventes », « achats » or "": the role of the nearest folder (itself or an ancestor) that has one of them."""
    sides = dict(Folder.objects.filter(pk__in=folder.ancestor_ids or [folder.pk],
                                       role__in=[FolderRole.VENTES, FolderRole.ACHATS]).values_list("pk", "role"))
    return next((sides[pk] for pk in reversed(folder.ancestor_ids or [folder.pk]) if pk in sides), "")


def _seller_key(reading: InvoiceReading) -> str | None:
    """What "the same invoice" means for the duplicate check: (seller SIREN, or VAT number without one; number)."""
    if not reading.number:
        return None
    if reading.seller.siren:
        return f"siren:{reading.seller.siren}|{reading.number}"
    if reading.seller.vat_number:
        return f"vat:{reading.seller.vat_number}|{reading.number}"
    return None


def _first_of_duplicate(*, document: Document, reading: InvoiceReading) -> InvoiceFacts | None:
    seller = {"seller_siren": reading.seller.siren} if reading.seller.siren else (
        {"seller_siren": "", "seller_vat_number": reading.seller.vat_number} if reading.seller.vat_number else None)
    if seller is None or not reading.number:
        return None
    return (InvoiceFacts.objects.filter(company_id=document.company_id, status=InvoiceStatus.READ,
                                        number=reading.number, document__deleted_at__isnull=True, **seller)
            .exclude(document__lineage=document.lineage).select_related("document").order_by("read_at", "id")
            .first())


def _filing_notices(*, document: Document, reading: InvoiceReading) -> list[dict]:
    """A sales invoice from someone else, a purchase filed in Ventes, a sale filed in Achats."""
    if reading.kind not in PAYABLE_KINDS:
        return []
    side = _folder_side(document.folder)
    if not side:
        return []
    company_siren = Company.objects.filter(pk=document.company_id).values_list("siren", flat=True).first()
    if not company_siren:
        return []
    if side == FolderRole.VENTES:
        if reading.buyer.siren == company_siren:
            return [notice(PURCHASE_IN_SALES)]
        if reading.seller.siren and reading.seller.siren != company_siren:
            return [notice("third_party_seller", seller=reading.seller.siren, company=company_siren)]
    elif reading.seller.siren == company_siren:
        return [notice(SALES_IN_PURCHASES)]
    return []


def _duplicate_notice(first: InvoiceFacts) -> dict:
    received = timezone.localtime(first.document.deposited_at)
    return notice("duplicate", date=f"{received:%d/%m/%Y}", name=first.document.name)


def _first_holder(*, document: Document, key: str) -> InvoiceFacts | None:
    return (InvoiceFacts.objects.filter(company_id=document.company_id, first_key=key)
            .select_related("document").first())


def _facts_create_claiming(*, document: Document, key: str | None, fields: dict) -> tuple[InvoiceFacts | None,
                                                                                          InvoiceFacts | None]:
    """Create the facts as the first of `key` (the unique `first_key`), or say who is first instead.

    Returns (facts, None) when created, (None, holder) when another lineage holds the key. The check before
    this one read without a lock: two deposits of the same invoice at the same time both find no first, and
    the unique constraint lets only one of them be it; the other sees the winner here, once committed.
    """
    for _attempt in range(2):
        try:
            with transaction.atomic():  # a savepoint: a lost claim must not undo the deposit
                return InvoiceFacts.objects.create(**fields, first_key=key), None
        except IntegrityError:
            holder = _first_holder(document=document, key=key)
            if holder is None:
                continue  # the holder went away meanwhile: try again
            if holder.document.lineage == document.lineage:  # a copy of the first: not a duplicate of itself
                return InvoiceFacts.objects.create(**fields), None
            if holder.document.deleted_at is not None:  # the first is in the trash: this one takes over
                InvoiceFacts.objects.filter(pk=holder.pk, first_key=key).update(first_key=None)
                continue
            return None, holder
    return InvoiceFacts.objects.create(**fields), None


def invoice_facts_record(*, document: Document, reading: InvoiceReading) -> InvoiceFacts:
    """Keep what a reading found on the document (called inside the deposit's transaction).

    No audit event of its own: the facts are part of the deposit, whose event is written beside them.
    """
    if reading.status != "read":
        return InvoiceFacts.objects.create(document=document, company_id=document.company_id,
                                           status=InvoiceStatus.UNREADABLE, parser_version=PARSER_VERSION,
                                           warnings=list(reading.notices), claims_invoice=reading.claims_invoice)
    filing = _filing_notices(document=document, reading=reading)
    seller, buyer = reading.seller, reading.buyer
    fields = dict(
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
        order_reference=reading.order_reference,
    )
    first = _first_of_duplicate(document=document, reading=reading)
    key = _seller_key(reading)
    if first is None and key is not None:
        facts, first = _facts_create_claiming(document=document, key=key,
                                              fields={**fields, "warnings": [*reading.notices, *filing]})
        if facts is not None:
            return facts
    duplicate = [_duplicate_notice(first)] if first is not None else []
    return InvoiceFacts.objects.create(**fields, warnings=[*reading.notices, *filing, *duplicate],
                                       duplicate_of=first.document if first is not None else None)


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


# --- a reading that ran out of time is tried again, once the machine is quieter --------------------

REREAD_WINDOW = timedelta(days=7)


def invoice_facts_too_slow_ids(*, limit: int = 20) -> list[int]:
    """Recent unreadable facts whose reason is the time budget (few rows: filtered here, not in JSON SQL)."""
    rows = (InvoiceFacts.objects.filter(status=InvoiceStatus.UNREADABLE, read_at__gte=timezone.now() - REREAD_WINDOW,
                                        document__deleted_at__isnull=True)
            .order_by("id").values_list("pk", "warnings"))
    return [pk for pk, warnings in rows if any(item.get("code") == "too_slow" for item in warnings)][:limit]


def invoice_facts_reread(*, facts_id: int) -> InvoiceFacts | None:
    """Read the document again; its facts are replaced when the reading now succeeds (None otherwise).

    The bytes are read outside the transaction, as on deposit; the replacement goes through
    `invoice_facts_record`, so the duplicate check and the filing warnings apply as on deposit.
    """
    facts = InvoiceFacts.objects.select_related("document").filter(pk=facts_id).first()
    if facts is None:
        return None
    document = facts.document
    with blob_open(document.blob) as stream:
        reading = invoice_read(stream=stream, size=document.size, content_type=document.content_type)
    if reading.status == "unreadable" and reading.too_slow:
        return None
    with transaction.atomic():
        if not InvoiceFacts.objects.filter(pk=facts_id, status=InvoiceStatus.UNREADABLE).delete()[0]:
            return None  # completed by a person meanwhile
        if reading.status == "none":
            return None
        return invoice_facts_record(document=document, reading=reading)
