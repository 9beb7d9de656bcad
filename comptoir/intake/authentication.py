"""Who really sent a message: DMARC-style alignment of DKIM/SPF results with the `From:` header.

Results come from two places only:

- the `Authentication-Results` headers whose authserv-id is `COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID`
  (our own MTA). Unset: none is trusted. Every other such header is ignored (anyone can write one)
  and stripped from what we keep;
- our own DKIM check of the message (dkimpy), for mail received directly. DNS answers come from
  `dnsfunc` (dkimpy's resolver by default; tests inject theirs).

A pass counts only when it is *aligned*: a DKIM signature whose `d=` is the From: domain (or a
parent of it), an SPF pass for an envelope domain aligned the same way, or a DMARC pass for that
From: domain. A valid signature of `evil.example` on mail "from" `compta@allowed.fr` proves nothing.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import errors

import authres
import dkim
from django.conf import settings

from comptoir.intake.mime import message_parse

logger = logging.getLogger(__name__)

DnsTxt = Callable[..., bytes | None]
MAX_DKIM_SIGNATURES = 5


@dataclass(frozen=True)
class SenderAuthentication:
    from_address: str  # the single address of the From: header, lowercased; "" when there is not exactly one
    authenticated: bool
    # What was seen, for the person deciding on a quarantined file, in Authentication-Results' own
    # notation so that it reads the same in every language: "dkim=pass evil.example ≠ allowed.fr".
    evidence: list[str] = field(default_factory=list)

    @property
    def from_domain(self) -> str:
        return self.from_address.rpartition("@")[2]

    @property
    def summary(self) -> str:
        return "; ".join(self.evidence)[:500]


def trusted_authserv_id() -> str:
    return (getattr(settings, "COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID", "") or "").strip().lower()


def domain_aligned(*, domain: str, from_domain: str) -> bool:
    """Relaxed alignment: one domain is the other or a subdomain of it (`bounces.allowed.fr` ~ `allowed.fr`).

    Without a public-suffix list, the shorter one must have two labels at least (never `fr` alone).
    """
    domain = (domain or "").strip().strip(".").lower().rpartition("@")[2]
    if not domain or not from_domain:
        return False
    shorter, longer = sorted((domain, from_domain), key=len)
    return "." in shorter and (longer == shorter or longer.endswith("." + shorter))


def _from_address(message) -> str:
    """The one address of the one From: header, as the parser read it ("" otherwise: DMARC refuses
    several From: headers or addresses, and so do we)."""
    try:
        headers = message.get_all("From") or []
        # A From: the parser had to guess at (`compta@allowed.fr <pirate@evil.example>`) is not one
        # address people and programs agree on.
        if len(headers) != 1 or any(not isinstance(defect, errors.ObsoleteHeaderDefect)
                                    for defect in headers[0].defects):
            return ""
        addresses = headers[0].addresses
    except Exception:  # noqa: BLE001 - a malformed From: is simply not an address
        return ""
    if len(addresses) != 1:
        return ""
    address = (addresses[0].addr_spec or "").strip().lower()
    local, at, domain = address.rpartition("@")
    return address if at and local and "." in domain and " " not in address else ""


def _property(result, type_: str, name: str) -> str:
    for prop in getattr(result, "properties", []):
        if prop.type == type_ and prop.name == name and prop.value is not None:
            return str(prop.value).strip().lower()
    return ""


def _trusted_results(headers: list[str]) -> list:
    trusted = trusted_authserv_id()
    results = []
    for value in headers:
        try:
            header = authres.AuthenticationResultsHeader.parse_value(value)
        except Exception:  # noqa: BLE001, S112 - a malformed header is simply not evidence
            continue
        if trusted and header.authserv_id == trusted:
            results.extend(header.results)
    return results


def _aligned_by_results(results: list, from_domain: str, evidence: list[str]) -> bool:
    aligned = False
    for result in results:
        method, outcome = getattr(result, "method", ""), getattr(result, "result", "")
        if method == "dkim":
            domain = _property(result, "header", "d") or _property(result, "header", "i")
        elif method == "spf":
            domain = _property(result, "smtp", "mailfrom") or _property(result, "smtp", "helo")
        elif method == "dmarc":
            domain = _property(result, "header", "from")
        else:
            continue
        ok = outcome == "pass" and domain_aligned(domain=domain, from_domain=from_domain)
        evidence.append(f"{method}={outcome} {domain or '?'}{'' if ok or outcome != 'pass' else ' ≠ ' + from_domain}")
        aligned = aligned or ok
    return aligned


def _aligned_by_own_dkim(raw: bytes, count: int, from_domain: str, dnsfunc: DnsTxt | None,
                         evidence: list[str]) -> bool:
    for index in range(min(count, MAX_DKIM_SIGNATURES)):
        verifier = dkim.DKIM(raw, logger=logger)
        try:
            valid = verifier.verify(idx=index, dnsfunc=dnsfunc) if dnsfunc else verifier.verify(idx=index)
        except Exception:  # noqa: BLE001 - dkimpy raises on malformed signatures and DNS failures
            valid = False
        domain = (verifier.domain or b"").decode("ascii", "replace").lower()
        ok = bool(valid) and domain_aligned(domain=domain, from_domain=from_domain)
        evidence.append(f"dkim(comptoir)={'pass' if valid else 'fail'} {domain or '?'}"
                        f"{' ≠ ' + from_domain if valid and not ok else ''}")
        if ok:
            return True
    return False


def sender_authenticate(*, raw: bytes, dnsfunc: DnsTxt | None = None) -> SenderAuthentication:
    """Is this message authenticated for the address in its From: header? Never raises."""
    message = message_parse(raw, headers_only=True)  # DKIM below verifies the raw bytes, body included
    if message is None:
        return SenderAuthentication(from_address="", authenticated=False, evidence=["message=?"])
    from_address = _from_address(message)
    if not from_address:
        return SenderAuthentication(from_address="", authenticated=False, evidence=["from=?"])
    from_domain = from_address.rpartition("@")[2]
    try:
        headers = [str(value) for value in message.get_all("Authentication-Results", [])]
    except Exception:  # noqa: BLE001
        headers = []
    evidence: list[str] = []
    aligned = _aligned_by_results(_trusted_results(headers), from_domain, evidence)
    if not aligned and getattr(settings, "COMPTOIR_MAILIN_VERIFY_DKIM", True):
        try:
            signatures = len(message.get_all("DKIM-Signature", []))
        except Exception:  # noqa: BLE001
            signatures = 0
        aligned = _aligned_by_own_dkim(raw, signatures, from_domain, dnsfunc, evidence)
    return SenderAuthentication(from_address=from_address, authenticated=aligned, evidence=evidence)


_AUTH_RESULTS_FIELD = re.compile(rb"(?im)^Authentication-Results:[^\n]*\n(?:[ \t][^\n]*\n)*")


def untrusted_results_strip(raw: bytes) -> bytes:
    """The message without the Authentication-Results headers that did not come from our trusted MTA."""
    trusted = trusted_authserv_id()
    split = raw.find(b"\r\n\r\n")
    split = raw.find(b"\n\n") if split < 0 else split
    head, body = (raw[:split + 1], raw[split + 1:]) if split >= 0 else (raw, b"")

    def keep_trusted(match: re.Match) -> bytes:
        value = match.group(0).split(b":", 1)[1].strip().lower()
        authserv_id = re.split(rb"[;\s(]", value, maxsplit=1)[0].decode("ascii", "replace")
        return match.group(0) if trusted and authserv_id == trusted else b""

    return _AUTH_RESULTS_FIELD.sub(keep_trusted, head) + body
