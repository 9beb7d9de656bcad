from typing import Any

from django.db import models

from comptoir.core.models import AuditEvent


def audit_event_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    firm_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one audit row; called by every state-changing service inside its transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        firm_id=firm_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
