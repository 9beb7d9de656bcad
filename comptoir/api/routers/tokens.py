"""The caller's own API tokens: list them, revoke one (the settings page's « Révoquer »).

Creating a token stays in the web settings, behind a session that passed the second factor: a token
must not be able to mint others. Revoking is safe to offer: it only takes power away.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from comptoir.accounts.selectors import api_token_get_for_user
from comptoir.accounts.services import api_token_revoke
from comptoir.api.schemas import ErrorOut, RowId

router = Router(tags=["Jetons d'API"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


@router.get("/me/tokens", response={200: list[ApiTokenOut], **ERRORS}, summary="Mes jetons d'API")
def token_list(request: HttpRequest):
    return list(request.auth.api_tokens.all())


@router.delete("/me/tokens/{int:token_id}", response={204: None, **ERRORS}, summary="Révoquer un de mes jetons")
def token_revoke(request: HttpRequest, token_id: RowId):
    """Le jeton cesse aussitôt de fonctionner (y compris celui de la requête). Le jeton d'un autre : 404."""
    api_token_revoke(token=api_token_get_for_user(user=request.auth, token_id=token_id), actor=request.auth)
    return Status(204, None)
