"""The partner switches of a GED folder: an htmx panel of the folder toolbar. Firm staff only."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.refusals import refusal_text
from comptoir.ged.models import Folder
from comptoir.partners.policy import partners_policy
from comptoir.partners.selectors import (
    backfill_preview,
    connection_get_for_folder,
    folder_get_for_staff,
    switch_states_for_folder,
)
from comptoir.partners.services import deliveries_backfill, folder_switch_set


def _panel(request: HttpRequest, folder: Folder, *, notice: dict | None = None, confirm: dict | None = None):
    return render(request, "partners/_switches.html", {
        "folder": folder,
        "statuses": switch_states_for_folder(folder=folder),
        "can_backfill": partners_policy.can(request.user, "backfill.run"),
        "notice": notice or {},
        "confirm": confirm,
    })


@login_required
def folder_switches(request: HttpRequest, folder_id: int) -> HttpResponse:
    return _panel(request, folder_get_for_staff(user=request.user, folder_id=folder_id))


@login_required
@require_POST
def folder_switch_update(request: HttpRequest, folder_id: int, slug: str) -> HttpResponse:
    folder = folder_get_for_staff(user=request.user, folder_id=folder_id)
    connection = connection_get_for_folder(folder=folder, slug=slug)
    # The toggle posts a hidden "off" then the checkbox's "on": the last value is what the user sees.
    state = request.POST.getlist("state")[-1:] or ["off"]
    try:
        folder_switch_set(folder=folder, connection=connection, state=state[0],
                          destination=request.POST.get("destination") or None, actor=request.user)
    except ValidationError as exc:
        return _panel(request, folder, notice={slug: (refusal_text(exc), "error")})
    return _panel(request, folder)


@login_required
def folder_backfill(request: HttpRequest, folder_id: int, slug: str) -> HttpResponse:
    """GET: the confirmation with the count; POST: send them. Firm admins only."""
    folder = folder_get_for_staff(user=request.user, folder_id=folder_id)
    connection = connection_get_for_folder(folder=folder, slug=slug)
    if not partners_policy.can(request.user, "backfill.run"):
        raise PermissionDenied
    if request.method != "POST":
        return _panel(request, folder, confirm={"slug": slug,
                                                "preview": backfill_preview(folder=folder, connection=connection)})
    count = deliveries_backfill(folder=folder, connection=connection, actor=request.user)
    return _panel(request, folder, notice={slug: (_("%(count)s document(s) déjà présent(s) mis en file d'envoi.")
                                                  % {"count": count}, "success")})
