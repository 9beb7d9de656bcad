"""A faithful local PA: the AFNOR XP Z12-013 Flow Service 1.1.0, in memory, over real HTTP on loopback.

What it implements, as the standard's swagger says: Bearer tokens on every `/v1/` call (401
otherwise), `POST /v1/flows` (multipart `flowInfo` + `file`, 202 with the flow), `POST /v1/flows/search`
(`where`: `updatedAfter`, `flowType`, `flowDirection`, `trackingId`, `ackStatus`; `limit` ≤ 100;
oldest `updatedAt` first), `GET /v1/flows/{flowId}?docType=Metadata|Original`, `GET /v1/healthcheck`,
errors `{errorCode, errorMessage}`. Its token endpoint (`POST /token`, OAuth2 client credentials, the
client by HTTP Basic or form fields) stands for the PA-specific one.

Between its accounts it behaves like the network of PAs: a flow submitted by one account reaches, as
an `In` flow, every other account whose SIREN the file names (an invoice becomes a `SupplierInvoice`,
a CDAR a `CustomerInvoiceLC`). The sender's `Out` flow is acknowledged `Ok` at once.

For tests and the demo it can be told to reject the next submissions (ack `Error` with a reason code,
and a 213 « Rejetée » CDAR back), to answer a status (503, 429 with `Retry-After`) to the next N
matching requests, to hold its answer to the next create past the client's timeout, and to send
« Déposée » then « Encaissée » for each invoice submitted (`auto_statuses`). It counts requests.
"""

import email.parser
import email.policy
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Failure:
    status: int
    times: int
    method: str = ""
    path: str = ""
    retry_after: int | None = None


@dataclass
class Account:
    client_id: str
    secret: str
    siren: str = ""


@dataclass
class FakeState:
    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (client id, expiry)
    flows: dict[str, dict] = field(default_factory=dict)  # flow id → flow (+ "_file", "_account")
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    hold_after_create: float = 0.0
    reject: tuple[str, str] | None = None  # (reasonCode, reasonMessage) for every submission while set
    auto_statuses: tuple[tuple[str, float], ...] = ()  # (code, seconds after submission)
    client_auth: str = "both"  # how the token endpoint takes the client: "basic", "form" or "both"
    token_lifetime: int = 3600


class FakePa:
    """`with FakePa() as fake:` … `fake.api_url` (the part before /v1), `fake.token_url`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self.state = FakeState()
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._last_stamp = datetime.now(UTC)
        self._timers: list[threading.Timer] = []
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True

    # --- life ------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/flow-service"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def start(self) -> "FakePa":
        threading.Thread(target=self.httpd.serve_forever, name="fake-pa", daemon=True).start()
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "FakePa":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what tests and the demo do ----------------------------------------------------------------

    def account_add(self, client_id: str, secret: str, *, siren: str = "") -> Account:
        with self.lock:
            account = self.state.accounts[client_id] = Account(client_id=client_id, secret=secret, siren=siren)
            return account

    def fail(self, status: int, *, times: int = 1, method: str = "", path: str = "",
             retry_after: int | None = None) -> None:
        with self.lock:
            self.state.failures.append(Failure(status, times, method, path, retry_after))

    def timeout_after_create(self, *, seconds: float) -> None:
        with self.lock:
            self.state.hold_after_create = seconds

    def reject_submissions(self, reason_code: str = "REJ_SEMAN", message: str = "Facture non conforme") -> None:
        with self.lock:
            self.state.reject = (reason_code, message)

    def set_auto_statuses(self, *statuses: tuple[str, float]) -> None:
        with self.lock:
            self.state.auto_statuses = tuple(statuses)

    def inject(self, client_id: str, *, flow_type: str, content: bytes, name: str, syntax: str = "CII",
               tracking_id: str = "") -> dict:
        """A flow arriving for this account (`In`), as another PA would route it."""
        with self.lock:
            return self._flow_add(client_id, direction="In", flow_type=flow_type, syntax=syntax, content=content,
                                  name=name, tracking_id=tracking_id, ack="Ok")

    def touch(self, flow_id: str) -> dict:
        """Bump a flow's `updatedAt` (as a PA does when its acknowledgement changes)."""
        with self.lock:
            flow = self.state.flows[flow_id]
            flow["updatedAt"] = self._stamp()
            return _public(flow)

    def flows(self, client_id: str = "", *, direction: str = "", syntax: str = "") -> list[dict]:
        with self.lock:
            return [{**_public(f), "file": f["_file"]} for f in self.state.flows.values()
                    if (not client_id or f["_account"] == client_id) and (not direction or f["flowDirection"]
                                                                         == direction)
                    and (not syntax or f["flowSyntax"] == syntax)]

    def requests(self, method: str = "", path: str = "") -> list[tuple[str, str, int]]:
        with self.lock:
            return [r for r in self.state.requests if (not method or r[0] == method) and re.search(path, r[1])]

    def demo_prepare(self) -> None:
        """The demo: each invoice sent comes back « Déposée », then « Encaissée » 20 s later."""
        self.set_auto_statuses(("200", 0.0), ("212", 20.0))

    # --- the network (under the lock) -----------------------------------------------------------------

    def _stamp(self) -> str:
        now = max(datetime.now(UTC), self._last_stamp + timedelta(microseconds=1))
        self._last_stamp = now
        return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _flow_add(self, client_id: str, *, direction: str, flow_type: str, syntax: str, content: bytes, name: str,
                  tracking_id: str = "", ack: str = "Ok", details: list | None = None, profile: str = "",
                  rule: str = "B2B") -> dict:
        stamp = self._stamp()
        flow = {"flowId": f"flow-{next(self._ids):08d}", "trackingId": tracking_id or None, "flowType": flow_type,
                "processingRule": rule, "processingRuleSource": "Input", "flowDirection": direction,
                "flowSyntax": syntax, "flowProfile": profile or None, "submittedAt": stamp, "updatedAt": stamp,
                "sha256": hashlib.sha256(content).hexdigest(), "name": name,
                "acknowledgement": {"status": ack, **({"details": details} if details else {})},
                "_file": content, "_account": client_id}
        self.state.flows[flow["flowId"]] = flow
        return flow

    def _recipients(self, sender: str, content: bytes, *, is_status: bool) -> list[str]:
        """The accounts a flow is for: an invoice's buyer, a status's other party (by SIREN)."""
        sirens = set()
        if is_status:
            from comptoir.einvoicing.cdar import CdarUnreadable, cdar_read

            try:
                status = cdar_read(content)
                sirens = {status.recipient_siren, status.issuer_siren}
            except CdarUnreadable:
                return []
        else:
            reading = _reading(content)
            sirens = {reading.buyer.siren} if reading.status == "read" else set()
        return [a.client_id for a in self.state.accounts.values()
                if a.client_id != sender and a.siren and a.siren in sirens]

    def _submitted(self, client_id: str, info: dict, content: bytes, filename: str) -> dict:
        syntax = info.get("flowSyntax") or ""
        is_status = syntax == "CDAR"
        rejected = self.state.reject if not is_status else None
        details = [{"level": "Error", "item": filename, "reasonCode": rejected[0], "reasonMessage": rejected[1]}] \
            if rejected else None
        flow = self._flow_add(client_id, direction="Out",
                              flow_type="SupplierInvoiceLC" if is_status else "CustomerInvoice", syntax=syntax,
                              content=content, name=info.get("name") or filename,
                              tracking_id=info.get("trackingId") or "", ack="Error" if rejected else "Ok",
                              details=details, profile=info.get("flowProfile") or "",
                              rule=info.get("processingRule") or "B2B")
        if rejected:
            self._status_back(client_id, content, "213", reason=rejected)
            return flow
        for recipient in self._recipients(client_id, content, is_status=is_status):
            self._flow_add(recipient, direction="In", flow_type="CustomerInvoiceLC" if is_status else "SupplierInvoice",
                           syntax=syntax, content=content, name=info.get("name") or filename)
        if not is_status:
            for code, delay in self.state.auto_statuses:
                if delay <= 0:
                    self._status_back(client_id, content, code)
                else:
                    timer = threading.Timer(delay, self._status_back_locked, args=(client_id, content, code))
                    timer.daemon = True
                    self._timers.append(timer)
                    timer.start()
        return flow

    def _status_back_locked(self, client_id: str, content: bytes, code: str) -> None:
        with self.lock:
            self._status_back(client_id, content, code)

    def _status_back(self, client_id: str, content: bytes, code: str, *, reason: tuple[str, str] | None = None) -> None:
        """A CDAR about the seller's invoice, back to the seller (as its PA or the buyer's would send it)."""
        from comptoir.einvoicing.cdar import cdar_build
        from comptoir.einvoicing.statuses import status_label

        reading = _reading(content)
        if reading.status != "read" or not reading.issue_date:
            return
        amount = reading.total_incl_tax if code == "212" else None
        data = cdar_build(code=code, label=status_label(code), at=datetime.now(UTC), invoice_number=reading.number,
                          invoice_issue_date=reading.issue_date, invoice_type_code=reading.type_code or "380",
                          seller_siren=reading.seller.siren, seller_name=reading.seller.name,
                          buyer_siren=reading.buyer.siren, buyer_name=reading.buyer.name,
                          reason_code=reason[0] if reason else "", reason=reason[1] if reason else "", amount=amount)
        self._flow_add(client_id, direction="In", flow_type="CustomerInvoiceLC", syntax="CDAR", content=data,
                       name=f"CDV-{code}-{reading.number}.xml")


def _reading(content: bytes):
    import io

    from comptoir.invoices.reading import invoice_read

    return invoice_read(stream=io.BytesIO(content), size=len(content),
                        content_type="application/pdf" if content.startswith(b"%PDF") else "application/xml")


def _public(flow: dict) -> dict:
    return {k: v for k, v in flow.items() if not k.startswith("_") and v is not None}


def _error(status: int, code: str, message: str) -> tuple[int, bytes, str]:
    return status, json.dumps({"errorCode": code, "errorMessage": message}).encode(), "application/json"


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[name] = (part.get_filename() or "", part.get_payload(decode=True) or b"")
    return parts


class _Handler(BaseHTTPRequestHandler):
    fake: FakePa
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name); quiet
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, content_type, headers, hold = self._answer(method, url.path, parse_qs(url.query), body)
        with self.fake.lock:
            self.fake.state.requests.append((method, url.path, status))
        if hold:
            time.sleep(hold)  # the client gave up meanwhile: the flow exists
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _failure(self, method: str, path: str) -> Failure | None:
        for failure in self.fake.state.failures:
            if failure.times > 0 and (not failure.method or failure.method == method) \
                    and re.search(failure.path, path):
                failure.times -= 1
                return failure
        return None

    def _answer(self, method: str, path: str, query: dict, body: bytes):
        fake, none = self.fake, {}
        with fake.lock:
            if path == "/token" and method == "POST":
                return (*self._token(body), none, 0)
            prefix = "/flow-service/v1/"
            if not path.startswith(prefix):
                return (*_error(404, "NOT_FOUND", "Unknown path"), none, 0)
            client_id = self._bearer()
            if client_id is None:
                return (*_error(401, "UNAUTHORIZED", "Missing or invalid bearer token"), none, 0)
            failure = self._failure(method, path)
            if failure is not None:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                return (*_error(failure.status, "SIMULATED", f"Simulated {failure.status}"), headers, 0)
            route = path[len(prefix):]
            if route == "healthcheck" and method == "GET":
                return 200, b'{"status":"UP"}', "application/json", none, 0
            if route == "flows" and method == "POST":
                parts = _multipart(self.headers.get("Content-Type", ""), body)
                if "flowInfo" not in parts or "file" not in parts:
                    return (*_error(400, "MISSING_REQUIRED_FIELD", "flowInfo and file are required"), none, 0)
                try:
                    info = json.loads(parts["flowInfo"][1])
                except ValueError:
                    return (*_error(400, "INVALID_FORMAT", "flowInfo is not JSON"), none, 0)
                content = parts["file"][1]
                if info.get("sha256") and info["sha256"] != hashlib.sha256(content).hexdigest():
                    return (*_error(422, "SHA256_MISMATCH", "sha256 does not match the file"), none, 0)
                flow = fake._submitted(client_id, info, content, parts["file"][0])
                hold, fake.state.hold_after_create = fake.state.hold_after_create, 0.0
                return 202, json.dumps(_public(flow)).encode(), "application/json", none, hold
            if route == "flows/search" and method == "POST":
                return (*self._search(client_id, body), none, 0)
            if route.startswith("flows/") and method == "GET":
                flow = fake.state.flows.get(route[len("flows/"):])
                if flow is None or flow["_account"] != client_id:
                    return (*_error(404, "NOT_FOUND", "Unknown flow"), none, 0)
                if (query.get("docType") or ["Metadata"])[0] == "Original":
                    kind = "application/pdf" if flow["_file"].startswith(b"%PDF") else "application/xml"
                    return 200, flow["_file"], kind, none, 0
                return 200, json.dumps(_public(flow)).encode(), "application/json", none, 0
            return (*_error(404, "NOT_FOUND", "Unknown path"), none, 0)

    def _token(self, body: bytes) -> tuple[int, bytes, str]:
        import base64

        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        client_id = secret = None
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Basic ") and self.fake.state.client_auth in ("basic", "both"):
            try:
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            except ValueError:
                client_id = None
        elif "client_id" in form and self.fake.state.client_auth in ("form", "both"):
            client_id, secret = form.get("client_id"), form.get("client_secret")
        account = self.fake.state.accounts.get(client_id or "")
        if form.get("grant_type") != "client_credentials":
            return 400, b'{"error":"unsupported_grant_type"}', "application/json"
        if account is None or not secrets.compare_digest(account.secret, secret or ""):
            return 401, json.dumps({"error": "invalid_client",
                                    "error_description": "Client authentication failed"}).encode(), "application/json"
        token = secrets.token_urlsafe(24)
        self.fake.state.tokens[token] = (account.client_id, time.monotonic() + self.fake.state.token_lifetime)
        return 200, json.dumps({"access_token": token, "token_type": "Bearer",
                                "expires_in": self.fake.state.token_lifetime}).encode(), "application/json"

    def _bearer(self) -> str | None:
        authorization = self.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            return None
        found = self.fake.state.tokens.get(authorization[7:])
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def _search(self, client_id: str, body: bytes) -> tuple[int, bytes, str]:
        try:
            params = json.loads(body or b"{}")
            where = params["where"]
            limit = int(params.get("limit") or 25)
        except (ValueError, KeyError, TypeError):
            return _error(400, "INVALID_FORMAT", "where is required")
        if limit > 100 or limit < 1:
            return _error(400, "INVALID_LIMIT", "limit must be between 1 and 100")
        try:
            after = datetime.fromisoformat(where["updatedAfter"]) if where.get("updatedAfter") else None
        except (TypeError, ValueError):
            return _error(400, "INVALID_FORMAT", "updatedAfter is not a date-time")
        found = []
        for flow in sorted(self.fake.state.flows.values(), key=lambda f: f["updatedAt"]):
            if flow["_account"] != client_id or (after and datetime.fromisoformat(flow["updatedAt"]) <= after):
                continue
            if where.get("flowType") and flow["flowType"] not in where["flowType"]:
                continue
            if where.get("flowDirection") and flow["flowDirection"] not in where["flowDirection"]:
                continue
            if where.get("trackingId") and flow["trackingId"] != where["trackingId"]:
                continue
            if where.get("ackStatus") and flow["acknowledgement"]["status"] != where["ackStatus"]:
                continue
            found.append(_public(flow))
            if len(found) >= limit:
                break
        return 200, json.dumps({"limit": limit, "filters": where, "results": found}).encode(), "application/json"
