"""How a delivery leaves: one `Transport` class per protocol (email, webhook, an API client…).

A connection method (`partners.methods`) names its transport. The email and webhook transports
build what they send through the partner class's hooks (`email_subject`, `webhook_payload`…); an
API method builds its bodies itself and calls its client. A transport raises `TransientError`
(try again later) or `PermanentError` (a person must act).
"""

from typing import TYPE_CHECKING

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
    def send(self, *, app: "PartnerApp", delivery: "Delivery") -> str:
        """Send one claimed delivery, outside any transaction; the partner's reply."""
        raise NotImplementedError
