"""One permission policy object per area (Wagtail's model): "may this user do this to this object?"

Each area builds a `Policy` from a table of rules, one per action (`"document.move"`…), and its
views, API routes and services ask it instead of checking roles themselves. Seeing an object is the
selectors' business (404 otherwise); a policy answers only for objects the user already sees.
The matrix of every area is written in `docs/permissions.md`, and its test is generated from there.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from comptoir.core.errors import PermissionDenied

Rule = Callable[[Any, Any], bool]


class Policy:
    def __init__(self, area: str, rules: dict[str, Rule]):
        self.area = area
        self.rules = rules

    def __repr__(self) -> str:
        return f"<Policy {self.area}: {', '.join(self.rules)}>"

    @property
    def actions(self) -> list[str]:
        return list(self.rules)

    def can(self, user, action: str, obj: Any = None) -> bool:
        """True when `user` may do `action` (to `obj`). An unknown action is a programming error."""
        try:
            rule = self.rules[action]
        except KeyError:
            raise KeyError(f"{self.area} policy has no action {action!r}") from None
        if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
            return False
        return bool(rule(user, obj))

    def require(self, user, action: str, obj: Any = None, *, message: str | None = None) -> None:
        """Raise `PermissionDenied` (403, a French message) unless `user` may do `action`."""
        if not self.can(user, action, obj):
            raise PermissionDenied(message or _("Votre rôle ne permet pas cette action."))
