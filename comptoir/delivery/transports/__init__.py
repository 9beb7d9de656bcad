"""How a delivery leaves: by email (collection-address apps) or by HTTPS (the `api` app).

A transport sends one claimed delivery and returns the partner's reply, or raises
`TransientError` (try again later) or `PermanentError` (a person must act).
"""

from collections.abc import Callable

from comptoir.partners.models import Delivery


class DeliveryError(Exception):
    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


class TransientError(DeliveryError):
    """Connection refused, timeout, SMTP 4xx, HTTP 408/429/5xx: worth another try."""


class PermanentError(DeliveryError):
    """SMTP 5xx, other HTTP 4xx, invalid address: retrying will not help until someone acts."""


Transport = Callable[[Delivery], str]


def delivery_kind(delivery: Delivery) -> str:
    """`email` or `api`, as the app's class in the catalogue says."""
    from comptoir.partners.catalogue.registry import app_find

    app = app_find(delivery.app_slug)
    return app.kind if app is not None else "email"


def transport_for(delivery: Delivery) -> Transport:
    if delivery_kind(delivery) == "api":
        from comptoir.delivery.transports.webhook import webhook_send

        return webhook_send
    from comptoir.delivery.transports.email import email_send

    return email_send
