"""The send history: list deliveries, retry a failed one. Firm staff only; other tenants get 404."""

from datetime import date, datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from comptoir.api.pagination import DEFAULT_LIMIT, Limit, Offset
from comptoir.api.schemas import ErrorOut, RowId
from comptoir.delivery.access import delivery_access
from comptoir.delivery.selectors import DeliveryFilters, delivery_get_for_user, delivery_list_for_user
from comptoir.delivery.services import delivery_retry, delivery_send_anyway
from comptoir.partners.models import Delivery, DeliveryStatus

router = Router(tags=["Envois"])


class DeliveryOut(Schema):
    id: int
    document_id: int
    document_name: str
    company_id: int
    app: str
    destination: str
    status: DeliveryStatus
    reason: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime

    @staticmethod
    def from_delivery(delivery: Delivery) -> "DeliveryOut":
        return DeliveryOut(
            id=delivery.pk, document_id=delivery.document_id, document_name=delivery.document.name,
            company_id=delivery.company_id, app=delivery.app_slug, destination=delivery.destination.address,
            status=delivery.status, reason=delivery.reason, attempts=delivery.attempts,
            last_error=delivery.last_error, next_attempt_at=delivery.next_attempt_at, sent_at=delivery.sent_at,
            created_at=delivery.created_at,
        )


@router.get("/deliveries", response={200: list[DeliveryOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            summary="Historique d'envoi")
def delivery_list(request: HttpRequest, company: RowId | None = None, app: str | None = None,
                  status: DeliveryStatus | None = None, since: date | None = None, until: date | None = None,
                  limit: Limit = DEFAULT_LIMIT, offset: Offset = 0):
    """Les filtres de la page d'historique (et de son export CSV) : `company`, `app`, `status`, et les
    dates de création `since`/`until` (comprises)."""
    if not delivery_access.can(request.auth, "history.view"):
        raise Http404("firm staff only")
    filters = DeliveryFilters(app_slug=app, company_id=company, status=status, date_from=since, date_to=until)
    deliveries = delivery_list_for_user(user=request.auth, filters=filters)[offset:offset + limit]
    return [DeliveryOut.from_delivery(delivery) for delivery in deliveries]


@router.post("/deliveries/{delivery_id}/retry",
             response={200: DeliveryOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="Réessayer un envoi en échec")
def delivery_retry_endpoint(request: HttpRequest, delivery_id: int):
    delivery = delivery_get_for_user(user=request.auth, delivery_id=delivery_id)
    return DeliveryOut.from_delivery(delivery_retry(delivery=delivery, actor=request.auth))


@router.post("/deliveries/{delivery_id}/send-anyway",
             response={200: DeliveryOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="Envoyer quand même un envoi à compléter")
def delivery_send_anyway_endpoint(request: HttpRequest, delivery_id: int):
    """Un envoi par email retenu « à compléter » (une facture électronique illisible) part tel quel. Un envoi par
    l'API a besoin des données de la facture : 409."""
    delivery = delivery_get_for_user(user=request.auth, delivery_id=delivery_id)
    return DeliveryOut.from_delivery(delivery_send_anyway(delivery=delivery, actor=request.auth))
