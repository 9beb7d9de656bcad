"""How a delivery leaves: one `Transport` class per kind (email, webhook; an API client next).

A partner class names its transport (`PartnerApp.transport`) and builds what it sends through its
own methods (`email_subject`, `webhook_payload`…); the transport calls them, sends one claimed
delivery and returns the partner's reply, or raises `TransientError` (try again later) or
`PermanentError` (a person must act). Adding a partner of an existing kind is one partner class;
adding a kind is one `Transport` subclass plus the partner class that names it.
"""

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from comptoir.partners.catalogue.base import PartnerApp
    from comptoir.partners.models import Delivery


class DeliveryError(Exception):
    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


class TransientError(DeliveryError):
    """Connection refused, timeout, SMTP 4xx, HTTP 408/429/5xx: worth another try."""


class PermanentError(DeliveryError):
    """SMTP 5xx, other HTTP 4xx, invalid address: retrying will not help until someone acts."""


class Transport:
    # What the firm is told it connects to: "email" (collection addresses) or "api" (HTTPS).
    kind: ClassVar[str]

    def send(self, *, app: "PartnerApp", delivery: "Delivery") -> str:
        """Send one claimed delivery, outside any transaction; the partner's reply."""
        raise NotImplementedError
