"""'Boîte d'envoi locale': what the embedded SMTP sink received. Embedded mode with the sink, firm admins only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from comptoir.core.mailers import smtp_relay
from comptoir.delivery.access import delivery_access
from comptoir.delivery.sink import outbox_attachment as attachment_read
from comptoir.delivery.sink import outbox_messages
from comptoir.firms.selectors import firm_for_user
from comptoir.partners.models import Delivery


def _allowed(request: HttpRequest) -> None:
    # Same condition as the menu entry (web.context_processors): no local sink, nothing to show.
    if not delivery_access.can(request.user, "outbox.view"):
        raise Http404("local outbox not available")


def _own_delivery_ids(request: HttpRequest, delivery_ids: set[int]) -> set[int]:
    """The sink is shared by every firm of the portal: a firm sees only its own partner deliveries."""
    firm = firm_for_user(user=request.user)
    return set(Delivery.objects.filter(firm=firm, pk__in=delivery_ids).values_list("pk", flat=True))


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    messages = outbox_messages()
    own = _own_delivery_ids(request, {m.delivery_id for m in messages if m.delivery_id is not None})
    firm = firm_for_user(user=request.user)
    messages = [message for message in messages
                if message.delivery_id in own or (message.delivery_id is None and message.firm_id == firm.pk)]
    return render(request, "delivery/outbox.html", {"outbox_messages": messages,
                                                    "sink": f"{(relay := smtp_relay()).host}:{relay.port}"})


@login_required
@require_GET
def outbox_attachment(request: HttpRequest, name: str, index: int) -> HttpResponse:
    _allowed(request)
    found = attachment_read(name=name, index=index)
    if found is None or found[0] is None or not _own_delivery_ids(request, {found[0]}):
        raise Http404("attachment not found")
    _, filename, content_type, content = found
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename, safe="")
