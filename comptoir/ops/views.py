import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from comptoir.ops.health import health_check
from comptoir.ops.metrics import metrics_render


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """No login: load balancers and monitors call it. Reveals states, never data. The storage write is
    rate-limited for anonymous calls; with the metrics token it is made on every call."""
    report = health_check(max_lag_seconds=settings.COMPTOIR_HEALTH_MAX_LAG_SECONDS,
                          storage_every_seconds=settings.COMPTOIR_HEALTH_STORAGE_SECONDS,
                          deep=_metrics_token_given(request))
    return JsonResponse(report.as_dict(), status=200 if report.healthy else 503)


def _metrics_token_given(request: HttpRequest) -> bool:
    token = settings.COMPTOIR_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Counts across every tenant of the portal: only for the monitoring that holds the token, unless the
    operator opened it on purpose (COMPTOIR_METRICS_PUBLIC=1, e.g. behind a private network)."""
    if not (settings.COMPTOIR_METRICS_PUBLIC or _metrics_token_given(request)):
        response = HttpResponse("unauthorised: set COMPTOIR_METRICS_TOKEN and send it as a bearer token\n",
                                status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_render(), content_type="text/plain; version=0.0.4; charset=utf-8")
