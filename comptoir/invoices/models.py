from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company
from comptoir.ged.models import Document
from comptoir.invoices.kinds import InvoiceKind


class InvoiceStatus(models.TextChoices):
    # "none" (no structured data) has no row.
    READ = "read", _("lue")
    UNREADABLE = "unreadable", _("illisible")


class InvoiceSource(models.TextChoices):
    FACTURX = "factur-x", "Factur-X"
    UBL = "ubl", "UBL"
    CII = "cii", "CII"
    ZUGFERD_1 = "zugferd-1", "ZUGFeRD 1.0"
    ORDER_X = "order-x", "Order-X"


def _money() -> models.DecimalField:
    return models.DecimalField(max_digits=17, decimal_places=2, null=True, blank=True)


class InvoiceFacts(models.Model):
    """What a document's e-invoice says, read on deposit; one row per document that carries one.

    Typed (Decimal amounts, dates) so that partners' APIs are fed from here, and stamped with the
    parser version that read it. Warnings and the "not readable" reason are codes with parameters
    (`invoices.notices`), worded when shown.
    """

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="invoice_facts")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=InvoiceStatus.choices)
    parser_version = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=10, choices=InvoiceSource.choices, blank=True)
    profile = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=20, choices=InvoiceKind.choices, blank=True)
    type_code = models.CharField(max_length=10, blank=True)
    number = models.CharField(max_length=100, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    payment_terms = models.CharField(max_length=500, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    total_excl_tax = _money()
    total_tax = _money()
    total_incl_tax = _money()
    amount_due = _money()
    seller_name = models.CharField(max_length=200, blank=True)
    seller_siren = models.CharField(max_length=9, blank=True)
    seller_siret = models.CharField(max_length=14, blank=True)
    seller_vat_number = models.CharField(max_length=30, blank=True)
    seller_country = models.CharField(max_length=2, blank=True)
    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_siren = models.CharField(max_length=9, blank=True)
    buyer_siret = models.CharField(max_length=14, blank=True)
    buyer_vat_number = models.CharField(max_length=30, blank=True)
    buyer_country = models.CharField(max_length=2, blank=True)
    order_reference = models.CharField(max_length=100, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # Unreadable, but the file said it carries an e-invoice (an embedded factur-x.xml, an invoice's XML root):
    # a payables partner does not get it until a person looks (`partners` holds it « à compléter »).
    claims_invoice = models.BooleanField(default=False)
    # The first document of the company with the same (seller SIREN, number), when this one repeats it.
    duplicate_of = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # "siren:<seller>|<number>" (or "vat:…") on the first document of its lineage to carry this invoice in the
    # company, null otherwise: unique, so two concurrent deposits of one invoice cannot both be "the first".
    first_key = models.CharField(max_length=150, null=True, blank=True)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "invoice facts"
        indexes = [
            models.Index(fields=["company", "seller_siren", "number"], name="invoice_seller_number_idx"),
            models.Index(fields=["company", "due_date"], name="invoice_due_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["company", "first_key"], name="invoice_first_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}" if self.number else f"facts of document {self.document_id}"
