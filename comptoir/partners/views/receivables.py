"""The receivable badge and the « à compléter » form on a document; the « Poste client » page per company."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from comptoir.firms.policy import is_firm_staff
from comptoir.ged.selectors import document_get_for_user
from comptoir.partners.models import ReceivableState
from comptoir.partners.receivables import receivable_for_document
from comptoir.partners.selectors import company_get_for_staff, invoice_completion_for_document, receivables_ledger
from comptoir.partners.services import document_invoice_complete

FIELDS = ("number", "customer_name", "customer_siren", "amount", "issue_date", "due_date", "currency")


def _panel(request: HttpRequest, document, *, errors=None, values=None, done: int = 0) -> HttpResponse:
    completion = invoice_completion_for_document(document=document)
    return render(request, "partners/_receivable.html", {
        "document": document, "receivable": receivable_for_document(document=document),
        "completion": completion, "values": values or completion.initial if completion else {},
        "errors": errors or {}, "done": done,
    })


@login_required
@require_http_methods(["GET", "POST"])
def document_receivable(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_get_for_user(user=request.user, document_id=document_id)
    if request.method != "POST":
        return _panel(request, document)
    values = {key: request.POST.get(key, "") for key in FIELDS}
    try:
        released = document_invoice_complete(document=document, actor=request.user, **values)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"general": exc.messages}
        return _panel(request, document, errors=errors, values=values)
    return _panel(request, document, done=released or -1)


@login_required
def company_receivables(request: HttpRequest, company_id: int) -> HttpResponse:
    """« Poste client »: firm staff see it for every company of the firm."""
    if not is_firm_staff(request.user):
        raise Http404("firm staff only")
    company = company_get_for_staff(user=request.user, company_id=company_id)
    state = request.GET.get("state") or ""
    if state and state not in ReceivableState.values:
        state = ""
    sort = request.GET.get("sort") or "due_date"
    ledger = receivables_ledger(company=company, state=state, sort=sort)
    return render(request, "partners/receivables.html", {
        "company": company, "ledger": ledger, "state": state, "sort": ledger.sort,
        "states": ReceivableState.choices,
    })
