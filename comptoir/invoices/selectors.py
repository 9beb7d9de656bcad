"""Reads of invoice facts. Callers pass a document they already got through a user-scoped selector."""

from django.utils.translation import gettext as _

from comptoir.ged.models import Document
from comptoir.invoices.kinds import invoice_kind_label
from comptoir.invoices.models import InvoiceFacts, InvoiceStatus
from comptoir.invoices.notices import MISFILED, misfiled_code, notice_text, notice_texts_fr


def invoice_facts_for_document(*, document: Document) -> InvoiceFacts | None:
    try:
        return document.invoice_facts
    except InvoiceFacts.DoesNotExist:
        return None


def invoice_status_for(facts: InvoiceFacts | None) -> str:
    """`none` (no structured data), `read` or `unreadable`."""
    return facts.status if facts is not None else "none"


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _party(facts: InvoiceFacts, prefix: str) -> dict:
    return {key: (getattr(facts, f"{prefix}_{key}") or None)
            for key in ("name", "siren", "siret", "vat_number", "country")}


def invoice_api_dict(facts: InvoiceFacts | None) -> dict | None:
    """The API's `invoice` object: null unless read; amounts as decimal strings, dates ISO, French warnings."""
    if facts is None or facts.status != InvoiceStatus.READ:
        return None
    return {
        "kind": facts.kind,
        "kind_label": invoice_kind_label(type_code=facts.type_code, kind=facts.kind),
        "type_code": facts.type_code or None,
        "number": facts.number or None,
        "issue_date": facts.issue_date.isoformat() if facts.issue_date else None,
        "due_date": facts.due_date.isoformat() if facts.due_date else None,
        "currency": facts.currency or None,
        "total_excl_tax": _money(facts.total_excl_tax),
        "total_tax": _money(facts.total_tax),
        "total_incl_tax": _money(facts.total_incl_tax),
        "amount_due": _money(facts.amount_due),
        "seller": _party(facts, "seller"),
        "buyer": _party(facts, "buyer"),
        "source": facts.source,
        "profile": facts.profile or None,
        "warnings": notice_texts_fr(facts.warnings),
        "misfiled": misfiled_code(facts.warnings),
    }


def invoice_unreadable_reason(facts: InvoiceFacts | None) -> str | None:
    """Why the e-invoice could not be read, in French (the API's `invoice_unreadable_reason`)."""
    if facts is None or facts.status != InvoiceStatus.UNREADABLE:
        return None
    return " ".join(notice_texts_fr(facts.warnings)) or None


def invoice_warning_texts(facts: InvoiceFacts) -> list[str]:
    """Warnings (or the 'not readable' reason) in the active language, for pages."""
    return [notice_text(item) for item in facts.warnings]


def invoice_misfiled_text(facts: InvoiceFacts | None) -> str:
    """The badge of a payable filed on the wrong side (« Facture de vente classée dans Achats »), or ""."""
    code = misfiled_code(facts.warnings) if facts is not None else None
    return _(MISFILED[code]) if code else ""


def invoice_search_text(facts: InvoiceFacts | None) -> str:
    """What the GED search should index for a document: number, customer and amount."""
    if facts is None or facts.status != InvoiceStatus.READ:
        return ""
    parts = [facts.number, facts.buyer_name, facts.buyer_siren, facts.seller_name,
             _money(facts.total_incl_tax) or "", facts.order_reference]
    return " ".join(part for part in parts if part)


def invoice_search_text_for_document(document: Document) -> str:
    """The GED's search text source (registered in apps.py)."""
    return invoice_search_text(invoice_facts_for_document(document=document))
