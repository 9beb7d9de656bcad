"""The signed webhook: each document POSTed to the firm's HTTPS URL, signed with the connection's secret."""

import secrets

from django.utils.translation import gettext_lazy

from comptoir.partners.addresses import webhook_url_normalise
from comptoir.partners.methods import ConnectionMethod
from comptoir.partners.transports.webhook import WebhookTransport


class WebhookMethod(ConnectionMethod):
    name = "webhook"
    label = gettext_lazy("par webhook HTTPS signé")
    kind_label = gettext_lazy("API (HTTPS)")
    kind = "api"
    transport = WebhookTransport
    input_mode = "url"
    placeholder = "https://"

    def destination_clean(self, *, app, key: str, value: str) -> str:
        return webhook_url_normalise(value)

    def config_initial(self, *, app) -> dict:
        return {"signing_secret": secrets.token_urlsafe(32)}
