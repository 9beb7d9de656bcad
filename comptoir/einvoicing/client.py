"""The AFNOR XP Z12-013 Flow Service client: every path and field name of the standard Comptoir uses.

From the standard's swagger (« AFNOR Flow Service 1.1.0 »): Bearer token on every call, optional
`X-Request-Id`; `POST /v1/flows` (multipart `flowInfo` JSON + `file`) answering 202 with the flow;
`POST /v1/flows/search` (`{"where": {…}, "limit": ≤100}`) answering `{"results": [Flow…]}`;
`GET /v1/flows/{flowId}?docType=Metadata|Original|Converted|ReadableView`; `GET /v1/healthcheck`;
errors `{errorCode, errorMessage}`.

Assumed, because the standard leaves it to each PA: the token comes from an OAuth2
client-credentials grant at a PA-specific token URL (`grant_type=client_credentials`), the client
authenticated by HTTP Basic or, when the PA refuses that, by form fields; the answer is the usual
`{"access_token", "expires_in"}`. Tokens are cached per (token URL, client id) until a little before
they expire, and a 401 from the Flow Service gets one new token and one more try.

Both URLs go through the webhook partner's private-address guard (`COMPTOIR_WEBHOOK_ALLOW_PRIVATE`
lets loopback through, for tests and on-premise PAs), at every use.
"""

import hashlib
import json
import threading
import time
import uuid
from typing import ClassVar

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

from comptoir.partners.addresses import HostUnresolved, webhook_target_public_check
from comptoir.partners.transports import PermanentError, TransientError
from comptoir.partners.transports.api import ApiTransport

SEARCH_LIMIT = 100
_tokens: dict[str, tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class InvalidCredentials(PermanentError):
    """The PA's token endpoint refused the client id or secret (its message is the reply)."""


def fake_pa_url(url: str) -> bool:
    """The local fake PA that `serve` runs itself (embedded demo): the one loopback URL let through."""
    return settings.COMPTOIR_FAKE_PA and url.startswith(f"http://127.0.0.1:{settings.COMPTOIR_FAKE_PA_PORT}/")


def url_check(url: str) -> None:
    if fake_pa_url(url):
        return
    try:
        webhook_target_public_check(url)
    except ValidationError as exc:
        raise PermanentError(" ".join(exc.messages)) from exc
    except HostUnresolved as exc:
        raise TransientError(str(exc)) from exc


def _pa_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        text = data.get("errorMessage") or data.get("error_description") or data.get("error") or ""
        code = data.get("errorCode") or ""
        message = f"{code} {text}".strip()
    else:
        message = response.text[:300]
    return f"HTTP {response.status_code} {message}".strip()


class FlowServiceClient(ApiTransport):
    per_minute: ClassVar[int] = 6000  # a PA's own limits are its own; 429 + Retry-After is honoured
    max_concurrent: ClassVar[int] = 5

    def __init__(self, *, api_url: str, token_url: str, client_id: str, client_secret: str):
        super().__init__()
        self.api_url, self.token_url = api_url.rstrip("/"), token_url
        self.client_id, self.client_secret = client_id, client_secret
        self.timeout_seconds = settings.COMPTOIR_PA_TIMEOUT_SECONDS
        digest = hashlib.sha256(f"{token_url}\0{client_id}\0{client_secret}".encode()).hexdigest()
        self._token_key = digest
        self.requests_made = 0

    def base_url(self) -> str:
        return self.api_url + "/v1/"

    def error_message(self, response: httpx.Response) -> str:
        return _pa_message(response)

    # --- the token --------------------------------------------------------------------------------

    def token(self) -> str:
        with _tokens_lock:
            cached = _tokens.get(self._token_key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        token, lifetime = self._token_fetch()
        with _tokens_lock:
            _tokens[self._token_key] = (token, time.monotonic() + max(0.0, lifetime - 30))
        return token

    def token_forget(self) -> None:
        with _tokens_lock:
            _tokens.pop(self._token_key, None)

    def _token_fetch(self) -> tuple[str, float]:
        url_check(self.token_url)
        form = {"grant_type": "client_credentials"}
        attempts = ({"auth": (self.client_id, self.client_secret), "data": form},
                    {"data": {**form, "client_id": self.client_id, "client_secret": self.client_secret}})
        response = None
        for attempt in attempts:  # HTTP Basic first, then the form fields
            try:
                response = self._http().post(self.token_url, headers={"Accept": "application/json"}, **attempt)
                self.requests_made += 1
            except httpx.HTTPError as exc:
                raise TransientError(f"Plateforme injoignable (jeton) : {exc or type(exc).__name__}") from exc
            if response.is_success:
                break
            if response.status_code not in (400, 401):
                break
        if response.status_code in (400, 401, 403):
            raise InvalidCredentials(_pa_message(response))
        if not response.is_success:
            raise TransientError(_pa_message(response))
        try:
            data = response.json()
            return str(data["access_token"]), float(data.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError("Réponse du serveur de jetons illisible (access_token attendu).") from exc

    def auth_headers(self, credentials: dict) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}", "X-Request-Id": str(uuid.uuid4())}

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        url_check(self.api_url)
        kwargs.setdefault("credentials", {"api_key": f"pa:{self.client_id}"})
        for again in (True, False):
            try:
                self.requests_made += 1
                return super().request(method, path, **kwargs)
            except PermanentError as exc:
                if not (again and exc.reply.startswith("HTTP 401")):
                    raise
                self.token_forget()  # expired or revoked early: one new token, one more try
        raise AssertionError("unreachable")

    # --- the Flow Service ----------------------------------------------------------------------------

    def healthcheck(self) -> None:
        self.request("GET", "healthcheck")

    def flow_submit(self, *, flow_info: dict, filename: str, content: bytes, content_type: str) -> dict:
        """POST /v1/flows once (never retried blindly after a timeout: the caller searches first)."""
        files = {"flowInfo": (None, json.dumps(flow_info), "application/json"),
                 "file": (filename, content, content_type)}
        return self.request("POST", "flows", files=files, retry_network=False).json()

    def flow_search(self, *, where: dict, limit: int = SEARCH_LIMIT) -> list[dict]:
        response = self.request("POST", "flows/search", json={"where": where, "limit": min(limit, SEARCH_LIMIT)})
        results = response.json().get("results") or []
        return [flow for flow in results if isinstance(flow, dict) and flow.get("flowId")]

    def flow_by_tracking_id(self, tracking_id: str) -> dict | None:
        found = self.flow_search(where={"trackingId": tracking_id, "flowDirection": ["Out"]}, limit=1)
        return found[0] if found else None

    def flow_download(self, flow_id: str, *, doc_type: str = "Original") -> bytes:
        return self.request("GET", f"flows/{flow_id}", params={"docType": doc_type}).content
