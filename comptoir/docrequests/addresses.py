"""A request's mail address: `demande+<token>@MAIL_DOMAIN`. The token routes the mail; it proves nothing."""

from django.conf import settings

BOX = "demande"


def request_address(token: str) -> str:
    return f"{BOX}+{token}@{settings.MAIL_DOMAIN}"


def request_token_parse(address: str) -> str | None:
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    if not at or domain.lower() != settings.MAIL_DOMAIN.lower():
        return None
    box, plus, token = local.lower().partition("+")
    if box != BOX or not plus or not token.isalnum():
        return None
    return token
