"""The e-invoice panel of a document: its status badge, its history, and the answer form."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from comptoir.core.errors import PermissionDenied
from comptoir.einvoicing.policy import einvoice_policy
from comptoir.einvoicing.selectors import einvoice_api_dict, einvoice_statuses_for_document
from comptoir.einvoicing.services import AnswerError, einvoice_status_answer
from comptoir.einvoicing.statuses import ANSWERS, REASON_CODES, STATUSES
from comptoir.ged.selectors import document_get_for_user
from comptoir.partners.transports import DeliveryError


def _panel(request: HttpRequest, document, *, error: str = "", done: bool = False) -> HttpResponse:
    einvoice = einvoice_api_dict(document=document)
    can_answer = (einvoice is not None and einvoice["direction"] == "received"
                  and einvoice_policy.can(request.user, "einvoice.answer", document))
    answers = [(code, STATUSES[code].label, STATUSES[code].needs_reason) for code in ANSWERS]
    return render(request, "einvoicing/_document_panel.html", {
        "document": document, "einvoice": einvoice, "history": einvoice_statuses_for_document(document=document),
        "can_answer": can_answer, "answers": answers,
        "reason_codes": list(REASON_CODES.items()), "error": error, "done": done})


@login_required
@require_http_methods(["GET", "POST"])
def document_einvoice(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_get_for_user(user=request.user, document_id=document_id)
    if request.method != "POST":
        return _panel(request, document)
    try:
        einvoice_status_answer(document=document, code=request.POST.get("code", ""),
                               reason=request.POST.get("reason", ""),
                               reason_code=request.POST.get("reason_code", "")[:40], actor=request.user)
    except AnswerError as exc:
        return _panel(request, document, error=exc.message)
    except PermissionDenied as exc:
        return _panel(request, document, error=str(exc))
    except DeliveryError as exc:
        return _panel(request, document, error=exc.reply)
    return _panel(request, document, done=True)
