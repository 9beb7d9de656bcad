"""API v1: one NinjaAPI, one router module per area. Errors are JSON `{error, detail}`."""

from importlib import import_module

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from comptoir.api.auth import BearerToken
from comptoir.api.errors import error_code
from comptoir.core.errors import ComptoirError

api = NinjaAPI(
    title="Comptoir API",
    version="1",
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, detail, error: str | None = None):
    return api.create_response(request, {"error": error or error_code(status), "detail": detail}, status=status)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "Ressource introuvable.")


@api.exception_handler(ComptoirError)
def on_comptoir_error(request, exc: ComptoirError):
    return _error(request, exc.status, exc.message)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return _error(request, 400, detail)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    return _error(request, 422, exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "Jeton d'API manquant ou invalide.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc))


# (url prefix, module with a `router`). Each area adds its line; an import error is a real error.
ROUTERS: list[tuple[str, str]] = [
    ("", "comptoir.api.routers.companies"),
    ("", "comptoir.api.routers.ged"),
    ("", "comptoir.api.routers.folders"),
    ("", "comptoir.api.routers.partners"),
    ("", "comptoir.api.routers.deliveries"),
    ("", "comptoir.api.routers.requests"),
    ("", "comptoir.api.routers.people"),
    ("", "comptoir.api.routers.intake"),
    ("", "comptoir.api.routers.einvoice"),
    ("", "comptoir.api.routers.tokens"),
    ("", "comptoir.api.routers.einvoicing"),
]


def _register_routers() -> None:
    for prefix, module_path in ROUTERS:
        api.add_router(prefix, import_module(module_path).router)


_register_routers()
