"""The one shape of every API error: `{"error": <code>, "detail": <message or field errors>}`."""

from typing import Any

from django.http import JsonResponse

# A stable, machine-readable code per status; `detail` carries the (French) message for people.
ERROR_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_type",
    422: "invalid_request",
    429: "too_many_requests",
}


def error_code(status: int) -> str:
    return ERROR_CODES.get(status, "error")


def error_response(*, status: int, detail: Any, error: str | None = None) -> JsonResponse:
    """For answers given outside ninja's handlers (unknown path, wrong method, early refusals)."""
    return JsonResponse({"error": error or error_code(status), "detail": detail}, status=status)
