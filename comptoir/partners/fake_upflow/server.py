"""A faithful local Upflow: the endpoints Comptoir uses, in memory, over real HTTP on loopback.

What it implements, as Upflow's public documentation describes it (and `docs/partners/upflow.md`):
`X-Api-Key` / `X-Api-Secret` on every request (401 otherwise), customers, invoices and credit notes
addressed by their id or by `external:<id>`, `POST …/{id}/pdf` answering 204 (multipart `file` or
JSON `{"data": base64}`), 429 with `Retry-After` past 600 requests a minute per key or 10 at once,
and JSON errors `{"message": …}`.

For tests and the demo it also counts requests (and the most seen at once), can be told to fail
(`fail`: a status for the next N matching requests; `timeout_after_create`: do the create, then
hold the answer past the client's timeout; `throttle`: 429 with a Retry-After), and has a page
(`GET /`) listing invoices with a button to mark each paid. Control endpoints live under `/_fake/`
and need no credentials (loopback only).
"""

import base64
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RATE_PER_MINUTE = 600
MAX_CONCURRENT = 10
ENTITY_PATHS = {"customers": "customers", "invoices": "invoices", "credit_notes": "credit_notes"}


@dataclass
class Failure:
    status: int
    times: int
    method: str = ""
    path: str = ""  # a regular expression searched in the path after the version
    message: str = "Simulated failure"
    retry_after: int | None = None


@dataclass
class FakeState:
    accounts: dict[str, str] = field(default_factory=dict)  # api key → secret
    entities: dict[str, dict[str, dict]] = field(default_factory=lambda: {k: {} for k in ENTITY_PATHS})
    pdfs: dict[str, bytes] = field(default_factory=dict)  # "invoices/<id>" → bytes
    requests: list[tuple[float, str, str, int]] = field(default_factory=list)  # (time, method, path, status)
    failures: list[Failure] = field(default_factory=list)
    hold_after_create: dict[str, float] = field(default_factory=dict)  # entity → seconds, once
    latency: float = 0.0
    active: int = 0
    max_active: int = 0
    window: dict[str, list[float]] = field(default_factory=dict)


class FakeUpflow:
    """`with FakeUpflow(accounts={"key": "secret"}) as fake:` … `fake.base_url` ends with `/v1/`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, accounts: dict[str, str] | None = None):
        self.state = FakeState(accounts=dict(accounts or {}))
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- life --------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/"

    def start(self) -> "FakeUpflow":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-upflow", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "FakeUpflow":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what tests and the demo page do ----------------------------------------------------------

    def fail(self, status: int, *, times: int = 1, method: str = "", path: str = "", message: str = "",
             retry_after: int | None = None) -> None:
        with self.lock:
            self.state.failures.append(Failure(status=status, times=times, method=method, path=path,
                                               message=message or f"Simulated {status}", retry_after=retry_after))

    def timeout_after_create(self, entity: str = "invoices", *, seconds: float = 5.0) -> None:
        with self.lock:
            self.state.hold_after_create[entity] = seconds

    def set_latency(self, seconds: float) -> None:
        self.state.latency = seconds

    def pay(self, invoice_id: str, *, amount: Decimal | None = None) -> dict:
        """Record a payment: the whole outstanding amount (PAID) or part of it (PARTIAL)."""
        with self.lock:
            invoice = self.state.entities["invoices"][invoice_id]
            outstanding = Decimal(invoice["outstandingAmount"])
            paid = outstanding if amount is None else min(amount, outstanding)
            outstanding -= paid
            invoice["outstandingAmount"] = f"{outstanding:.2f}"
            invoice["state"] = "PAID" if outstanding == 0 else "PARTIAL"
            return dict(invoice)

    def set_state(self, invoice_id: str, state: str) -> None:
        with self.lock:
            self.state.entities["invoices"][invoice_id]["state"] = state

    def entities(self, kind: str) -> list[dict]:
        with self.lock:
            return [dict(v) for v in self.state.entities[kind].values()]

    def invoice_by_external_id(self, external_id: str) -> dict | None:
        return next((i for i in self.entities("invoices") if i.get("externalId") == external_id), None)

    def invoice_by_external_id_prefix(self, prefix: str = "comptoir-") -> dict | None:
        return next((i for i in self.entities("invoices") if str(i.get("externalId", "")).startswith(prefix)), None)

    def requests(self, method: str = "", path: str = "") -> list[tuple[float, str, str, int]]:
        with self.lock:
            return [r for r in self.state.requests if (not method or r[1] == method) and re.search(path, r[2])]

    @property
    def max_concurrent(self) -> int:
        return self.state.max_active

    # --- serving (called by the handler, under the lock where state changes) ----------------------

    def next_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeUpflow
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name); quiet: tests read the counters
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    # --- plumbing ---------------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/_fake/") or url.path == "/":
            status, payload, content_type = self._control(method, url.path, body)
            self._reply(status, payload, content_type=content_type)
            return
        fake = self.fake
        with fake.lock:
            fake.state.active += 1
            fake.state.max_active = max(fake.state.max_active, fake.state.active)
        counted = True
        try:
            if fake.state.latency:
                time.sleep(fake.state.latency)
            status, payload, headers, hold = self._api(method, url.path, parse_qs(url.query), body)
            with fake.lock:
                fake.state.requests.append((time.monotonic(), method, url.path, status))
            if hold:
                time.sleep(hold)  # the client gave up: its socket is gone, the entity exists
            # The request stops counting once its answer is ready, before it is written: a client that
            # starts its next request on reading this answer must not be counted twice.
            with fake.lock:
                fake.state.active -= 1
            counted = False
            self._reply(status, payload, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            if counted:
                with fake.lock:
                    fake.state.active -= 1

    def _reply(self, status: int, payload, *, headers: dict | None = None, content_type: str = "application/json"):
        data = b"" if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    # --- the API ------------------------------------------------------------------------------------

    def _api(self, method: str, path: str, query: dict, body: bytes):
        fake, state = self.fake, self.fake.state
        if not path.startswith("/v1/"):
            return 404, {"message": "Not found"}, {}, 0
        rest = path[len("/v1/"):].strip("/")
        key, secret = self.headers.get("X-Api-Key", ""), self.headers.get("X-Api-Secret", "")
        if not key or state.accounts.get(key) != secret:
            return 401, {"message": "Invalid API credentials: check your API key and secret."}, {}, 0
        with fake.lock:
            now = time.monotonic()
            recent = [t for t in state.window.get(key, []) if now - t < 60]
            if len(recent) >= RATE_PER_MINUTE or state.active > MAX_CONCURRENT:
                state.window[key] = recent
                wait = int(60 - (now - recent[0])) + 1 if len(recent) >= RATE_PER_MINUTE else 1
                return 429, {"message": "Too many requests"}, {"Retry-After": str(wait)}, 0
            recent.append(now)
            state.window[key] = recent
            for failure in state.failures:
                if failure.times > 0 and (not failure.method or failure.method == method) and \
                        re.search(failure.path, rest):
                    failure.times -= 1
                    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                    return failure.status, {"message": failure.message}, headers, 0
        parts = rest.split("/")
        kind = parts[0]
        if kind not in ENTITY_PATHS:
            return 404, {"message": f"Unknown resource {kind}"}, {}, 0
        with fake.lock:
            if len(parts) == 1 and method == "GET":
                limit = int((query.get("limit") or ["50"])[0])
                return 200, list(state.entities[kind].values())[:limit], {}, 0
            if len(parts) == 1 and method == "POST":
                return self._create(kind, body)
            entity = self._find(kind, parts[1])
            if entity is None:
                return 404, {"message": f"{kind[:-1]} {parts[1]} not found"}, {}, 0
            if len(parts) == 2 and method == "GET":
                return 200, dict(entity), {}, 0
            if len(parts) == 3 and parts[2] == "pdf" and method == "POST" and kind != "customers":
                data = self._pdf_bytes(body)
                if not data:
                    return 400, {"message": "file is required"}, {}, 0
                state.pdfs[f"{kind}/{entity['id']}"] = data
                return 204, None, {}, 0
        return 405, {"message": "Method not allowed"}, {}, 0

    def _find(self, kind: str, ref: str) -> dict | None:
        entities = self.fake.state.entities[kind]
        if ref.startswith("external:"):
            external = ref[len("external:"):]
            return next((e for e in entities.values() if e.get("externalId") == external), None)
        return entities.get(ref)

    def _create(self, kind: str, body: bytes):
        state = self.fake.state
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"message": "Body is not valid JSON"}, {}, 0
        external = data.get("externalId")
        if external and any(e.get("externalId") == external for e in state.entities[kind].values()):
            return 409, {"message": f"{kind[:-1]} with externalId {external} already exists"}, {}, 0
        if kind == "customers":
            if not data.get("name"):
                return 400, {"message": "name is required"}, {}, 0
            entity = {"id": self.fake.next_id("cus"), "externalId": external, "name": data["name"],
                      "vatNumber": data.get("vatNumber")}
        else:
            missing = [f for f in ("customId", "customer", "currency", "grossAmount", "issueDate") if not data.get(f)]
            if missing:
                return 400, {"message": f"Missing required field(s): {', '.join(missing)}"}, {}, 0
            customer = data["customer"]
            if not any(c.get("externalId") == customer.get("externalId") or c["id"] == customer.get("id")
                       for c in state.entities["customers"].values()):
                return 400, {"message": "Unknown customer"}, {}, 0
            try:
                gross = Decimal(str(data["grossAmount"]))
                date.fromisoformat(data["issueDate"])
                if data.get("dueDate"):
                    date.fromisoformat(data["dueDate"])
            except (ArithmeticError, ValueError):
                return 400, {"message": "Invalid amount or date"}, {}, 0
            entity = {"id": self.fake.next_id("inv" if kind == "invoices" else "crn"), **data,
                      "grossAmount": f"{gross:.2f}"}
            if kind == "invoices":
                entity.update(state="OPEN", outstandingAmount=f"{gross:.2f}")
        state.entities[kind][entity["id"]] = entity
        hold = state.hold_after_create.pop(kind, 0)
        return 201, entity, {}, hold

    def _pdf_bytes(self, body: bytes) -> bytes:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                return base64.b64decode(json.loads(body).get("data") or "")
            except ValueError:
                return b""
        match = re.search(r"boundary=\"?([^\";]+)", content_type)
        if not match:
            return b""
        for part in body.split(b"--" + match.group(1).encode()):
            head, _, content = part.partition(b"\r\n\r\n")
            if b'name="file"' in head:
                return content.removesuffix(b"\r\n")
        return b""

    # --- control and the page ----------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes):
        fake = self.fake
        if path == "/" and method == "GET":
            return 200, _page(fake).encode(), "text/html; charset=utf-8"
        if method == "POST" and (match := re.fullmatch(r"/_fake/invoices/([\w-]+)/pay", path)):
            try:
                fake.pay(match.group(1))
            except KeyError:
                return 404, {"message": "no such invoice"}, "application/json"
            return 200, _page(fake).encode(), "text/html; charset=utf-8"
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"message": "bad JSON"}, "application/json"
        if method == "POST" and path == "/_fake/accounts":
            with fake.lock:
                fake.state.accounts[data["key"]] = data["secret"]
            return 200, {"ok": True}, "application/json"
        if method == "POST" and path == "/_fake/fail":
            fake.fail(int(data["status"]), times=int(data.get("times", 1)), method=data.get("method", ""),
                      path=data.get("path", ""), message=data.get("message", ""), retry_after=data.get("retry_after"))
            return 200, {"ok": True}, "application/json"
        if method == "GET" and path == "/_fake/state":
            with fake.lock:
                return 200, {"entities": fake.state.entities, "max_concurrent": fake.state.max_active,
                             "requests": len(fake.state.requests)}, "application/json"
        return 404, {"message": "unknown control"}, "application/json"


def _page(fake: FakeUpflow) -> str:
    rows = []
    for invoice in fake.entities("invoices"):
        button = "" if invoice["state"] == "PAID" else (
            f'<form method="post" action="/_fake/invoices/{html.escape(invoice["id"])}/pay">'
            f'<button type="submit">Marquer payée</button></form>')
        rows.append(f"<tr><td>{html.escape(str(invoice.get('customId')))}</td>"
                    f"<td>{html.escape(str(invoice['customer'].get('externalId')))}</td>"
                    f"<td>{html.escape(invoice['grossAmount'])} {html.escape(str(invoice.get('currency')))}</td>"
                    f"<td>{html.escape(invoice['outstandingAmount'])}</td>"
                    f"<td class=\"state\">{html.escape(invoice['state'])}</td><td>{button}</td></tr>")
    body = "".join(rows) or '<tr><td colspan="6">Aucune facture reçue.</td></tr>'
    return ("<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Upflow local (faux)</title>"
            "</head><body><h1>Upflow local (faux serveur de démonstration)</h1>"
            "<table><thead><tr><th>N°</th><th>Client</th><th>Montant</th><th>Restant dû</th><th>État</th><th></th>"
            f"</tr></thead><tbody>{body}</tbody></table></body></html>")
