"""E-invoices through a plateforme agréée: answering a received invoice with a lifecycle status."""

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from comptoir.api.schemas import ErrorOut
from comptoir.einvoicing.selectors import einvoice_api_dict
from comptoir.einvoicing.services import AnswerError, einvoice_status_answer
from comptoir.ged.selectors import document_get_for_user
from comptoir.partners.transports import DeliveryError

router = Router(tags=["Facturation électronique"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 502: ErrorOut}


class EinvoiceStatusIn(Schema):
    code: Literal["204", "205", "206", "207", "208", "210", "211"]
    reason: str | None = None
    reason_code: str | None = None


@router.post("/documents/{int:document_id}/einvoice/status", response={200: dict, 202: dict, **ERRORS},
             summary="Répondre à une facture reçue (statut du cycle de vie)")
def einvoice_status_post(request: HttpRequest, document_id: int, payload: EinvoiceStatusIn):
    """Envoie le statut à la plateforme agréée (message CDAR). 202 : un flux a été déposé ; 200 : ce statut
    est déjà le statut courant, rien n'est envoyé. 206, 207, 208 et 210 demandent un motif (`reason`).
    409 `not_received` : le document n'est pas une facture reçue d'une PA. Document hors de portée : 404."""
    document = document_get_for_user(user=request.auth, document_id=document_id)
    try:
        answer = einvoice_status_answer(document=document, code=payload.code, reason=payload.reason or "",
                                        reason_code=(payload.reason_code or "")[:40], actor=request.auth)
    except AnswerError as exc:
        status = 409 if exc.code == "not_received" else 400
        return Status(status, {"error": exc.code, "detail": exc.message})
    except DeliveryError as exc:
        return Status(502, {"error": "pa_unavailable", "detail": exc.reply})
    return Status(202 if answer.submitted else 200, einvoice_api_dict(document=document))
