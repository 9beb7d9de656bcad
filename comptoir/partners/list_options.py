"""The GED folder list's delivery-state sort and filter, registered on the GED's list-option registry
by `PartnersConfig.ready()` (the GED imports nothing of partners).

A document's delivery state is the most urgent state among the deliveries of its paper (copies share
a lineage, as the badges show them): a document sent to one partner and failed at another reads as
failed. A client user's state ignores the deliveries of the firm's own copies in firm-only folders, as
their badges do (`selectors.delivery_list_for_document`).
"""

from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_noop

from comptoir.firms.policy import can_see_firm_only_folders
from comptoir.ged.list_options import DocumentFilter, DocumentSort, document_list_options
from comptoir.partners.models import Delivery, DeliveryStatus

ANNOTATION = "delivery_rank"
# (URL value, French label, statuses), most urgent first: the rank is the position.
STATES = (
    ("echec", gettext_noop("échec"), (DeliveryStatus.FAILED, DeliveryStatus.DEAD)),
    ("a_completer", gettext_noop("à compléter"), (DeliveryStatus.INCOMPLETE,)),
    ("en_cours", gettext_noop("envoi en cours"), (DeliveryStatus.PENDING, DeliveryStatus.SENDING,
                                                   DeliveryStatus.RETRYING)),
    ("ignore", gettext_noop("ignoré"), (DeliveryStatus.SKIPPED,)),
    ("envoye", gettext_noop("envoyé"), (DeliveryStatus.SENT,)),
    ("annule", gettext_noop("annulé"), (DeliveryStatus.CANCELLED,)),
)
NONE = "aucun"
RANKS = {value: rank for rank, (value, _label, _statuses) in enumerate(STATES, start=1)}
_RANK = Case(*[When(status__in=statuses, then=Value(rank)) for rank, (_v, _l, statuses) in enumerate(STATES, 1)],
             default=Value(len(STATES) + 1), output_field=IntegerField())


def delivery_rank_annotation(user) -> dict:
    """{ANNOTATION: the document's most urgent delivery state as its rank in STATES; NULL: never routed}."""
    deliveries = Delivery.objects.filter(lineage=OuterRef("lineage"), company_id=OuterRef("company_id"))
    if not can_see_firm_only_folders(user):
        deliveries = deliveries.filter(document__folder__firm_only=False)
    return {ANNOTATION: Subquery(deliveries.annotate(rank=_RANK).order_by("rank").values("rank")[:1],
                                 output_field=IntegerField())}


def documents_in_delivery_state(documents: QuerySet, state: str, *, user) -> QuerySet:
    documents = documents.annotate(**delivery_rank_annotation(user))
    if state == NONE:
        return documents.filter(**{f"{ANNOTATION}__isnull": True})
    return documents.filter(**{ANNOTATION: RANKS[state]})


def delivery_list_options_register() -> None:
    document_list_options.register_sort(DocumentSort(
        "envoi", gettext_noop("état d'envoi (échecs d'abord)"),
        (F(ANNOTATION).asc(nulls_last=True),), (F(ANNOTATION).desc(nulls_last=True),),
        annotate=delivery_rank_annotation, order=50, reverse_label=gettext_noop("état d'envoi (envoyés d'abord)")))
    document_list_options.register_filter(DocumentFilter(
        "envoi", gettext_noop("État d'envoi"), apply=documents_in_delivery_state, input_type="select",
        choices=(*((value, label) for value, label, _statuses in STATES), (NONE, gettext_noop("jamais envoyé"))),
        order=50))
