"""The folder list's filter and sort by e-invoice status (the current lifecycle status of the document),
registered on the GED's list-option registry by `EinvoicingConfig.ready()` (the GED imports nothing here)."""

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_noop

from comptoir.einvoicing.models import EinvoiceStatus
from comptoir.ged.list_options import DocumentFilter, DocumentSort, document_list_options

ANNOTATION = "einvoice_code"
NONE = "aucun"
# The statuses offered in the filter (French labels of the one table, as msgids).
CHOICES = (("200", gettext_noop("Déposée")), ("204", gettext_noop("Prise en charge")),
           ("205", gettext_noop("Approuvée")), ("207", gettext_noop("En litige")),
           ("210", gettext_noop("Refusée")), ("211", gettext_noop("Paiement transmis")),
           ("212", gettext_noop("Encaissée")), ("213", gettext_noop("Rejetée")))


def einvoice_code_annotation(user=None) -> dict:
    current = EinvoiceStatus.objects.filter(document=OuterRef("pk")).order_by("-at", "-id").values("code")[:1]
    return {ANNOTATION: Subquery(current)}


def documents_in_einvoice_status(documents: QuerySet, code: str, *, user) -> QuerySet:
    documents = documents.annotate(**einvoice_code_annotation(user))
    if code == NONE:
        return documents.filter(**{f"{ANNOTATION}__isnull": True})
    return documents.filter(**{ANNOTATION: code})


def einvoice_list_options_register() -> None:
    document_list_options.register_sort(DocumentSort(
        "statut_fe", gettext_noop("statut de facture électronique"),
        (F(ANNOTATION).asc(nulls_last=True),), (F(ANNOTATION).desc(nulls_last=True),),
        annotate=einvoice_code_annotation, order=55))
    document_list_options.register_filter(DocumentFilter(
        "statut_fe", gettext_noop("Statut e-facture"), apply=documents_in_einvoice_status, input_type="select",
        choices=(*CHOICES, (NONE, gettext_noop("sans statut"))), order=55))
