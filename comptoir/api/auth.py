from django.http import HttpRequest
from ninja.security import HttpBearer

from comptoir.accounts.selectors import user_get_by_api_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer cpt_…`, a token created in the settings page or by `comptoir createtoken`."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_get_by_api_token(raw=token)
        if user is not None:
            request.user = user
        return user
