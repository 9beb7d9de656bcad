"""The firm's settings for requests: the time zone its reminders go out in (09:00 there)."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import PermissionDenied
from comptoir.core.services import audit_event_record
from comptoir.docrequests.models import FirmRequestSettings
from comptoir.firms.policy import is_firm_admin
from comptoir.firms.selectors import firm_for_user


@transaction.atomic
def request_settings_set(*, actor: User, time_zone: str) -> FirmRequestSettings:
    if not is_firm_admin(actor):
        raise PermissionDenied(_("Seul un administrateur du cabinet peut changer le fuseau horaire."))
    time_zone = (time_zone or "").strip()
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": _("Fuseau horaire inconnu (ex. Europe/Paris).")})
    firm = firm_for_user(user=actor)
    settings, _created = FirmRequestSettings.objects.update_or_create(firm=firm, defaults={"time_zone": time_zone})
    audit_event_record(actor=actor, action="docrequest.settings", target=settings, firm_id=firm.pk,
                       data={"time_zone": time_zone})
    return settings
