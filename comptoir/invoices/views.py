from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from comptoir.ged.selectors import document_get_for_user
from comptoir.invoices.models import InvoiceFacts
from comptoir.invoices.selectors import invoice_facts_for_document, invoice_misfiled_text, invoice_warning_texts


@login_required
def document_panel(request: HttpRequest, document_id: int) -> HttpResponse:
    """The invoice facts of a document, in its row of the folder list and on its page (a GED panel)."""
    document = document_get_for_user(user=request.user, document_id=document_id)
    facts = invoice_facts_for_document(document=document)
    return render(request, "invoices/_document_panel.html", {
        "document": document, "facts": facts,
        "warnings": invoice_warning_texts(facts) if facts is not None else [],
        "misfiled": invoice_misfiled_text(facts),
        "detailed": request.GET.get("vue") == "page",
    })


def document_panels_for_rows(*, user, documents: list) -> dict[int, str]:
    """The invoice facts of a page of folder rows, written into the rows: one query for the page."""
    facts_of = {facts.document_id: facts for facts in InvoiceFacts.objects.filter(document__in=documents)}
    return {document.pk: render_to_string("invoices/_document_panel.html", {
        "document": document, "facts": facts, "warnings": invoice_warning_texts(facts),
        "misfiled": invoice_misfiled_text(facts), "detailed": False})
        for document in documents if (facts := facts_of.get(document.pk)) is not None}
