"""What an e-invoice says it is, from its UNTDID 1001 type code (BT-3): a closed list of kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Facture")
    CORRECTIVE_INVOICE = "corrective_invoice", _("Facture rectificative")
    PREPAYMENT_INVOICE = "prepayment_invoice", _("Facture d'acompte")
    SELF_BILLED_INVOICE = "self_billed_invoice", _("Autofacture")
    CREDIT_NOTE = "credit_note", _("Avoir")
    OTHER = "other", _("Autre document (non payable)")


KIND_BY_TYPE_CODE = {
    "380": InvoiceKind.INVOICE,
    "751": InvoiceKind.INVOICE,
    "384": InvoiceKind.CORRECTIVE_INVOICE,
    "386": InvoiceKind.PREPAYMENT_INVOICE,
    "389": InvoiceKind.SELF_BILLED_INVOICE,
    "381": InvoiceKind.CREDIT_NOTE,
    "261": InvoiceKind.CREDIT_NOTE,
    "262": InvoiceKind.CREDIT_NOTE,
}

# What a receivables partner takes: documents "qui ont vocation à être payés" (or to be credited).
PAYABLE_KINDS = frozenset({InvoiceKind.INVOICE, InvoiceKind.CORRECTIVE_INVOICE, InvoiceKind.PREPAYMENT_INVOICE,
                           InvoiceKind.SELF_BILLED_INVOICE, InvoiceKind.CREDIT_NOTE})


def invoice_kind_for(type_code: str) -> InvoiceKind:
    """The kind of a type code; a proforma (325), a quote (310), an order (220)… are `other`."""
    return KIND_BY_TYPE_CODE.get((type_code or "").strip(), InvoiceKind.OTHER)
