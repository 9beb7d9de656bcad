"""The API-client transport kind: HTTPS requests to a partner's REST API, polite and retried.

`ApiTransport.request` is what a partner's client (e.g. `upflow_api.UpflowApiTransport`) calls for
each request. It keeps to the partner's limits with a client-side limiter shared by every thread and
process of the portal on this host (`RateLimit`: at most `max_concurrent` requests in flight and
`per_minute` in any 60 s, per API key, each counted until 60 s after its answer), retries connection
errors, timeouts, 500, 502, 503 and 504 inside the attempt after 1, 2 and 4 s (then the outbox's own
backoff takes over), honours `Retry-After` on 429 (every thread of every process waits), and turns
any other 4xx into a permanent failure carrying the partner's message.

The limiter is a set of lock files under `DATA_DIR/ratelimit/` (`fcntl.flock`: the kernel releases a
dead process's locks), so it works the same on SQLite and PostgreSQL; several hosts sharing one
partner key would each get the full budget (documented limit).
"""

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
from django.conf import settings

from comptoir.partners.transports import PermanentError, TransientError, Transport

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


class RateLimit:
    """At most `max_concurrent` requests at once and `per_minute` a minute for one key, across processes."""

    def __init__(self, name: str, *, max_concurrent: int, per_minute: int, directory: Path | None = None):
        self.max_concurrent, self.per_minute = max_concurrent, per_minute
        digest = hashlib.sha256(name.encode()).hexdigest()[:24]  # never the key itself on disk
        self.directory = (directory or Path(settings.DATA_DIR) / "ratelimit") / digest
        self.directory.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def _locked(self, path: Path, *, blocking: bool = True) -> Iterator[int | None]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield None
                return
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def _state(self, fd: int) -> dict:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 1 << 20)
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    def _write(self, fd: int, state: dict) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(state).encode())

    def _admit(self) -> tuple[float, float]:
        """Count one request start now (0, its mark), or say how long to wait first (seconds, 0)."""
        with self._locked(self.directory / "window") as fd:
            state, now = self._state(fd), time.time()
            blocked = state.get("blocked_until", 0) - now
            if blocked > 0:
                return blocked, 0.0
            starts = [t for t in state.get("starts", []) if now - t < 60]
            if len(starts) >= self.per_minute:
                return 60 - (now - min(starts)) + 0.01, 0.0
            starts.append(now)
            self._write(fd, {"starts": starts, "blocked_until": state.get("blocked_until", 0)})
            return 0.0, now

    def _answered(self, mark: float) -> None:
        """A request's minute runs from its answer, not from its start. The partner counted it when it
        arrived, somewhere in between; a request started 60 s after the answer is 60 s after that arrival
        too, whatever the network and the machine's load delayed. (Counted from the start, the 601st
        request could reach the partner less than a minute after a slow first one: a 429.)"""
        with self._locked(self.directory / "window") as fd:
            state = self._state(fd)
            starts = state.get("starts", [])
            if mark in starts:
                starts[starts.index(mark)] = time.time()
                self._write(fd, {**state, "starts": starts})

    def block_for(self, seconds: float) -> None:
        """The partner said 429 Retry-After: nobody on this host sends with this key until then."""
        with self._locked(self.directory / "window") as fd:
            state = self._state(fd)
            state["blocked_until"] = max(state.get("blocked_until", 0), time.time() + seconds)
            self._write(fd, state)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the concurrent slots for one request, once the minute's budget allows it."""
        while True:
            for index in range(self.max_concurrent):
                with self._locked(self.directory / f"slot-{index}", blocking=False) as fd:
                    if fd is None:
                        continue
                    wait, mark = self._admit()
                    if wait <= 0:
                        try:
                            yield
                        finally:
                            self._answered(mark)
                        return
                    break  # give the slot back while waiting
            else:
                wait = 0.02
            time.sleep(min(wait, 1.0))


class ApiTransport(Transport):
    max_concurrent: ClassVar[int] = 5
    per_minute: ClassVar[int] = 600
    timeout_seconds: ClassVar[float] = 30.0
    retry_delays: ClassVar[tuple[float, ...]] = (1.0, 2.0, 4.0)
    max_retry_after: ClassVar[float] = 120.0
    max_throttled: ClassVar[int] = 5

    def __init__(self):
        self._client: httpx.Client | None = None

    def base_url(self) -> str:
        raise NotImplementedError

    def auth_headers(self, credentials: dict) -> dict[str, str]:
        raise NotImplementedError

    def error_message(self, response: httpx.Response) -> str:
        """The partner's own words for a refusal (its JSON `message`, else the body's start)."""
        try:
            data = response.json()
        except ValueError:
            data = None
        message = data.get("message") or data.get("error") if isinstance(data, dict) else None
        return f"HTTP {response.status_code} {message or response.text[:300]}".strip()

    def url(self, path: str) -> str:
        base = self.base_url()
        return (base if base.endswith("/") else base + "/") + path.lstrip("/")

    def request(self, method: str, path: str, *, credentials: dict, accept_404: bool = False,
                retry_network: bool = True, **kwargs) -> httpx.Response:
        """One request, retried as the partner advises; a 2xx (or a 404 when `accept_404`) response.

        Raises TransientError once the retries are spent, PermanentError on any other 4xx. A create
        passes `retry_network=False`: after a timeout the partner may hold it, so the caller looks it
        up before trying again rather than posting it twice.
        """
        limiter = RateLimit(f"{type(self).__name__}:{credentials.get('api_key', '')}",
                            max_concurrent=self.max_concurrent, per_minute=self.per_minute)
        headers = {"User-Agent": "Comptoir", "Accept": "application/json", **self.auth_headers(credentials)}
        delays, throttled = list(self.retry_delays), 0
        while True:
            try:
                with limiter.slot():
                    response = self._http().request(method, self.url(path), headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                problem = f"{'Délai dépassé' if isinstance(exc, httpx.TimeoutException) else 'API injoignable'} : " \
                          f"{exc or type(exc).__name__}"
                if not delays or not retry_network:
                    raise TransientError(problem) from exc
                logger.info("%s %s: %s, retried", method, path, problem)
                time.sleep(delays.pop(0))
                continue
            if response.is_success or (accept_404 and response.status_code == 404):
                return response
            if response.status_code == 429:
                throttled += 1
                wait = self._retry_after(response)
                limiter.block_for(wait)
                if throttled > self.max_throttled:
                    raise TransientError(self.error_message(response))
                continue  # the limiter makes every thread wait out the window
            if response.status_code in RETRYABLE_STATUSES:
                if not delays:
                    raise TransientError(self.error_message(response))
                time.sleep(delays.pop(0))
                continue
            raise PermanentError(self.error_message(response))

    def _retry_after(self, response: httpx.Response) -> float:
        try:
            return min(max(float(response.headers.get("Retry-After", "1")), 0.0), self.max_retry_after)
        except ValueError:
            return 1.0

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout_seconds, follow_redirects=False)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
