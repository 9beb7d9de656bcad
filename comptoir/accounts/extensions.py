"""What `accounts` learns of the apps above it, registered at start-up: it imports none of them.

`firms` (which holds the memberships of our users) fills these in `FirmsConfig.ready()`: the firm's
"two-factor required for staff" rule, the firm's name and sender on a password-reset mail, and the
firm admin's switch on the "Mon compte" page.
"""

from collections.abc import Callable
from dataclasses import dataclass

# (user) -> bool: True when something makes a second factor mandatory for that user.
two_factor_requirements: list[Callable] = []

# (user) -> dict: context for a mail to that user (password reset): `firm` (its name is shown) and
# `sender_name` (the From: display name); later providers win.
user_mail_context: list[Callable] = []


@dataclass(frozen=True)
class SettingsPanel:
    """A piece of the "Mon compte" page's two-factor card, from another app."""

    key: str
    template: str  # included with `panel` = what `context` returned
    context: Callable  # (request) -> dict | None; None: not shown to this user


two_factor_settings_panels: dict[str, SettingsPanel] = {}


def two_factor_settings_panel_register(panel: SettingsPanel) -> None:
    two_factor_settings_panels[panel.key] = panel


def registered_once(registry: list[Callable], function: Callable) -> None:
    """Append `function` unless it is there (ready() may run twice in tests)."""
    if function not in registry:
        registry.append(function)
