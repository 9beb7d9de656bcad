"""The receivable badge and the « à compléter » form on a document; the « Poste client » page per company."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST

from comptoir.core.errors import PermissionDenied
from comptoir.firms.services import company_receivables_visibility_set
from comptoir.ged.selectors import document_get_for_user
from comptoir.partners.catalogue.registry import app_find
from comptoir.partners.models import Delivery, DeliveryStatus, Receivable, ReceivableState
from comptoir.partners.policy import partners_policy
from comptoir.partners.receivables import receivable_for_document
from comptoir.partners.selectors import (
    company_receivables_get_for_user,
    invoice_completion_for_document,
    receivables_ledger,
)
from comptoir.partners.services import document_invoice_complete

FIELDS = ("number", "customer_name", "customer_siren", "amount", "issue_date", "due_date", "currency")


def _panel_context(*, user, document, errors=None, values=None, done: int = 0) -> dict:
    """What the receivable panel shows, on the document page and in a folder row alike."""
    completion = invoice_completion_for_document(document=document)
    receivable = receivable_for_document(document=document, user=user)
    partner = app_find(receivable.app_slug) if receivable is not None else None
    return {
        "document": document, "receivable": receivable, "partner_name": partner.name if partner else "",
        "completion": completion, "values": values or completion.initial if completion else {},
        "can_complete": partners_policy.can(user, "invoice.complete", document),
        "errors": errors or {}, "done": done,
    }


def _panel(request: HttpRequest, document, *, errors=None, values=None, done: int = 0,
           status: int = 200) -> HttpResponse:
    return render(request, "partners/_receivable.html", _panel_context(
        user=request.user, document=document, errors=errors, values=values, done=done), status=status)


def receivable_panels_for_rows(*, user, documents: list) -> dict[int, str]:
    """The receivable badge or « à compléter » form of a page of folder rows, written into the rows. Two
    queries find the few papers that have one; only those are rendered."""
    lineages = {document.lineage for document in documents}
    company_ids = {document.company_id for document in documents}
    with_state = set(Receivable.objects.filter(delivery__lineage__in=lineages, company_id__in=company_ids)
                     .exclude(state="").values_list("delivery__lineage", flat=True))
    waiting = set(Delivery.objects.filter(lineage__in=lineages, company_id__in=company_ids,
                                          status=DeliveryStatus.INCOMPLETE).values_list("lineage", flat=True))
    panels = {}
    for document in documents:
        if document.lineage in with_state or document.lineage in waiting:
            panels[document.pk] = render_to_string("partners/_receivable.html",
                                                   _panel_context(user=user, document=document))
    return panels


@login_required
@require_http_methods(["GET", "POST"])
def document_receivable(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_get_for_user(user=request.user, document_id=document_id)
    if request.method != "POST":
        return _panel(request, document)
    values = {key: request.POST.get(key, "") for key in FIELDS}
    try:
        released = document_invoice_complete(document=document, actor=request.user, **values)
    except PermissionDenied as refusal:
        return _panel(request, document, errors={"general": [refusal.message]}, values=values,
                      status=HttpResponseForbidden.status_code)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"general": exc.messages}
        return _panel(request, document, errors=errors, values=values)
    return _panel(request, document, done=released or -1)


@login_required
def company_receivables(request: HttpRequest, company_id: int) -> HttpResponse:
    """« Poste client »: firm staff always; the company's users when the firm shows it to them (else 404)."""
    company = company_receivables_get_for_user(user=request.user, company_id=company_id)
    state = request.GET.get("state") or ""
    if state and state not in ReceivableState.values:
        state = ""
    sort = request.GET.get("sort") or "due_date"
    ledger = receivables_ledger(user=request.user, company=company, state=state, sort=sort)
    return render(request, "partners/receivables.html", {
        "company": company, "ledger": ledger, "state": state, "sort": ledger.sort,
        "states": ReceivableState.choices,
        "can_share": partners_policy.can(request.user, "receivables.share", company),
    })


@login_required
@require_POST
def company_receivables_visibility(request: HttpRequest, company_id: int) -> HttpResponse:
    """Firm staff show (or hide) the « Poste client » to the company's users."""
    company = company_receivables_get_for_user(user=request.user, company_id=company_id, action="receivables.share")
    company_receivables_visibility_set(company=company, visible=request.POST.get("client_visible") == "on",
                                       actor=request.user)
    return redirect("partners:company_receivables", company_id=company.pk)
