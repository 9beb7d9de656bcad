"""Thin views of the send history: badges on documents, the per-app history, retry, the local outbox."""

import csv
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comptoir.core.errors import ComptoirError
from comptoir.core.params import ParamError, param_date, param_int
from comptoir.core.refusals import refusal_message
from comptoir.delivery.access import delivery_access
from comptoir.delivery.charts import delivery_chart
from comptoir.delivery.selectors import (
    IN_FLIGHT,
    DeliveryFilters,
    delivery_daily_counts,
    delivery_get_for_user,
    delivery_history_for_user,
    delivery_list_for_user,
)
from comptoir.delivery.services import delivery_retry, delivery_send_anyway
from comptoir.firms.selectors import company_list_for_user
from comptoir.ged.selectors import document_get_for_user
from comptoir.partners.catalogue.registry import app_get_for_history
from comptoir.partners.models import DeliveryStatus
from comptoir.partners.selectors import delivery_list_for_document, delivery_lists_for_documents

PAGE_SIZE = 50


@login_required
@require_GET
def document_badges(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_get_for_user(user=request.user, document_id=document_id)
    deliveries = list(delivery_list_for_document(user=request.user, document=document))
    return render(request, "delivery/_document_badges.html", {
        "document": document,
        "deliveries": deliveries,
        "polling": any(d.status in IN_FLIGHT for d in deliveries),
        "can_act": delivery_access.can(request.user, "delivery.retry"),
    })


def document_badges_for_rows(*, user, documents: list) -> dict[int, str]:
    """The badges of a page of folder rows, written into the rows (no request per row). They do not poll on
    their own there: the list's poll redraws the rows that changed."""
    can_act = delivery_access.can(user, "delivery.retry")
    lists = delivery_lists_for_documents(user=user, documents=documents)
    return {document.pk: render_to_string("delivery/_document_badges.html", {
        "document": document, "deliveries": deliveries, "polling": False, "can_act": can_act, "in_row": True})
        if (deliveries := lists.get(document.pk)) else _NO_BADGE.format(id=document.pk) for document in documents}


_NO_BADGE = '<div class="delivery-badges" id="delivery-badges-{id}"></div>'  # "never sent": an empty place


def _date(raw: str | None) -> date | None:
    try:
        return param_date(raw) if raw else None
    except ParamError:
        return None


def _int(raw: str | None) -> int | None:
    try:
        return param_int(raw, low=1, high=2**63 - 1) if raw else None
    except ParamError:
        return None


def _filters(request: HttpRequest, app_slug: str) -> DeliveryFilters:
    status = request.GET.get("status") or None
    return DeliveryFilters(
        app_slug=app_slug,
        company_id=_int(request.GET.get("company")),
        status=status if status in DeliveryStatus.values else None,
        date_from=_date(request.GET.get("from")),
        date_to=_date(request.GET.get("to")),
    )


def _staff_only(request: HttpRequest, action: str = "history.view") -> None:
    if not delivery_access.can(request.user, action):
        raise Http404("firm staff only")


@login_required
@require_GET
def history(request: HttpRequest, app_slug: str) -> HttpResponse:
    _staff_only(request)
    app = app_get_for_history(app_slug)
    filters = _filters(request, app.slug)
    deliveries = delivery_history_for_user(user=request.user, filters=filters)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    all_of_app = delivery_list_for_user(user=request.user, filters=DeliveryFilters(app_slug=app.slug))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "delivery/history.html", {
        "app": app,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "companies": company_list_for_user(user=request.user),
        "statuses": DeliveryStatus.choices,
        "retryable": {DeliveryStatus.FAILED, DeliveryStatus.DEAD},
        "chart": delivery_chart(delivery_daily_counts(deliveries=all_of_app)),
    })


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(…)` in a file name).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet shows as text: a leading apostrophe neutralises a would-be formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def history_csv(request: HttpRequest, app_slug: str) -> StreamingHttpResponse:
    _staff_only(request, "history.export")
    app = app_get_for_history(app_slug)
    deliveries = delivery_history_for_user(user=request.user, filters=_filters(request, app.slug))
    writer = csv.writer(_Echo(), delimiter=";")
    header = [_("Identifiant"), _("Créé le"), _("Entreprise"), _("Document"), _("Destination"), _("Statut"),
              _("Tentatives"), _("Envoyé le"), _("Dernière erreur"), _("Motif")]

    def rows():
        yield "\ufeff"  # so that Excel reads the accents as UTF-8
        yield writer.writerow(header)
        for d in deliveries.iterator(chunk_size=500):
            yield writer.writerow([csv_cell(cell) for cell in [
                d.pk, timezone.localtime(d.created_at).isoformat(timespec="seconds"), d.company.name,
                d.document.name, d.last_address or d.destination.address, d.get_status_display(), d.attempts_made,
                timezone.localtime(d.sent_at).isoformat(timespec="seconds") if d.sent_at else "",
                d.last_error, d.reason,
            ]])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="envois-{app.slug}-{timezone.localdate():%Y%m%d}.csv"'
    return response


@login_required
@require_POST
def retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = delivery_get_for_user(user=request.user, delivery_id=delivery_id)
    try:
        delivery_retry(delivery=delivery, actor=request.user)
        messages.success(request, _("Nouvel essai programmé pour « %(name)s ».") % {"name": delivery.document.name})
    except ComptoirError as exc:
        refusal_message(request, exc)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("delivery:history", app_slug=delivery.app_slug)


@login_required
@require_POST
def send_anyway(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """« Envoyer quand même »: a duplicate the partner already has, or a file held « à compléter »."""
    delivery = delivery_get_for_user(user=request.user, delivery_id=delivery_id)
    duplicate = bool(delivery.duplicate_of_id)
    try:
        delivery_send_anyway(delivery=delivery, actor=request.user)
        messages.success(request, (_("« %(name)s » sera envoyé quand même.") if duplicate
                                   else _("« %(name)s » part tel quel.")) % {"name": delivery.document.name})
    except ComptoirError as exc:
        refusal_message(request, exc)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("delivery:history", app_slug=delivery.app_slug)


@login_required
@require_GET
def app_chart(request: HttpRequest, app_slug: str) -> HttpResponse:
    """The per-day chart alone, for the app's page to load with htmx (`hx-get`, `hx-trigger="load"`)."""
    _staff_only(request)
    app = app_get_for_history(app_slug)
    deliveries = delivery_list_for_user(user=request.user, filters=DeliveryFilters(app_slug=app.slug))
    return render(request, "delivery/_chart.html", {
        "app": app, "chart": delivery_chart(delivery_daily_counts(deliveries=deliveries)), "with_link": True})
