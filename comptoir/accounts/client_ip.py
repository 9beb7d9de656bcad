"""The client's address, for login throttling: behind N trusted proxies, read from X-Forwarded-For.

Each proxy appends the address it received the request from, so the client is the N-th entry from
the right; what the client itself wrote further left is never trusted. With no proxy declared
(COMPTOIR_TRUSTED_PROXY_COUNT=0, the default) the header is ignored and REMOTE_ADDR is the client.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.COMPTOIR_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
