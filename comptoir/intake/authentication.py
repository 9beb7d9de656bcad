"""Who really sent a message: DMARC-style alignment of DKIM/SPF results with the `From:` header.

Results come from two places only:

- the `Authentication-Results` headers of our own MTA (authserv-id `COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID`,
  which must also be the host name it writes in its `Received: … by <name>`), and only those it wrote:
  the ones *above* the `Received:` line recording the message's entry into it (its border hop), as
  RFC 8601 §5 asks of receivers. Anything below that line, or below a `Received:` of another host, was
  in the message before our MTA saw it and is ignored, whatever it claims; without a border hop
  (mail that did not come through our MTA) none is believed. A hop inside the MTA (a content filter
  re-injecting from loopback) does not end the block. Ignored headers are stripped from what we keep;
- our own DKIM check of the message (dkimpy), for mail received directly. DNS answers come from
  `dnsfunc` (dkimpy's resolver by default; tests inject theirs).

A result counts only when it is *aligned*: a DKIM signature whose `d=` is the From: domain (or a
parent of it), an SPF pass for an envelope domain aligned the same way, or a DMARC result for that
From: domain. A valid signature of `evil.example` on mail "from" `compta@allowed.fr` proves nothing.
An aligned fail from our MTA stands, whatever pass sits beside it; the one exception is our own DKIM
check passing for a signature aligned with From: (a DMARC pass by definition).
"""

import ipaddress
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import errors

import authres
import dkim
from django.conf import settings

from comptoir.intake.mime import MessageHead, message_head

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


_FIELD = re.compile(rb"(?m)^[^ \t\r\n][^\n]*\n?(?:[ \t][^\n]*\n?)*")
_RECEIVED_BY = re.compile(r"\bby\s+([^\s;()]+)", re.IGNORECASE)
_RECEIVED_FROM = re.compile(r"^\s*from\s+([^\s;()]+)\s*(?:\(([^)]*)\))?", re.IGNORECASE)
_BRACKETED = re.compile(r"\[(?:ipv6:)?([0-9a-f:.]+)\]", re.IGNORECASE)
FAILED = frozenset({"fail", "softfail", "permerror"})


def _fields(block: bytes) -> list[tuple[str, str, tuple[int, int]]]:
    """(lowercased name, unfolded value, span in the block) of each header field, in order ("" for a
    line that is not a field)."""
    fields = []
    for match in _FIELD.finditer(block):
        name, colon, value = match.group(0).partition(b":")
        fields.append((name.strip().lower().decode("ascii", "replace") if colon else "",
                       " ".join(value.decode("utf-8", "replace").split()), match.span()))
    return fields


def _loopback(comment: str) -> bool:
    for address in _BRACKETED.findall(comment or ""):
        try:
            if ipaddress.ip_address(address).is_loopback:
                return True
        except ValueError:
            continue
    return False


def _hop(received: str, trusted: str) -> str:
    """"outside" (another host wrote it), "internal" (our MTA to itself, from loopback) or "border"."""
    by = _RECEIVED_BY.search(received)
    if not by or by.group(1).strip(".").lower() != trusted:
        return "outside"
    came_from = _RECEIVED_FROM.match(received)
    if came_from and came_from.group(1).lower() in {trusted, "localhost"} and _loopback(came_from.group(2)):
        return "internal"
    return "border"


def _authserv_id(value: str) -> str:
    return re.split(r"[;\s(]", value.strip(), maxsplit=1)[0].lower()


def trusted_results_fields(block: bytes) -> set[int]:
    """Indices (in `_fields(block)`) of the Authentication-Results our MTA wrote: above its border hop."""
    trusted = trusted_authserv_id()
    if not trusted:
        return set()
    candidates: set[int] = set()
    for index, (name, value, _) in enumerate(_fields(block)):
        if name == "authentication-results" and _authserv_id(value) == trusted:
            candidates.add(index)
        elif name == "received":
            hop = _hop(value, trusted)
            if hop == "border":
                return candidates
            if hop == "outside":
                return set()
    return set()  # never went through our MTA: nothing it "said" is its own


def _trusted_results(block: bytes) -> list:
    fields = _fields(block)
    results = []
    for index in sorted(trusted_results_fields(block)):
        try:
            header = authres.AuthenticationResultsHeader.parse_value(fields[index][1])
        except Exception:  # noqa: BLE001, S112 - a malformed header is simply not evidence
            continue
        results.extend(header.results)
    return results


def _aligned_by_results(results: list, from_domain: str, evidence: list[str]) -> bool:
    """Our MTA's verdict: an aligned pass, and no aligned fail beside it."""
    passed = failed = False
    for result in results:
        method, outcome = getattr(result, "method", ""), (getattr(result, "result", "") or "").lower()
        if method == "dkim":
            domain = _property(result, "header", "d") or _property(result, "header", "i")
        elif method == "spf":
            domain = _property(result, "smtp", "mailfrom") or _property(result, "smtp", "helo")
        elif method == "dmarc":
            domain = _property(result, "header", "from")
        else:
            continue
        aligned = domain_aligned(domain=domain, from_domain=from_domain)
        unaligned = f" ≠ {from_domain}" if outcome == "pass" and not aligned else ""
        evidence.append(f"{method}={outcome} {domain or '?'}{unaligned}")
        passed = passed or (aligned and outcome == "pass")
        failed = failed or (aligned and outcome in FAILED)
    return passed and not failed
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


def sender_authenticate(*, raw: bytes, head: MessageHead | None = None,
                        dnsfunc: DnsTxt | None = None) -> SenderAuthentication:
    """Is this message authenticated for the address in its From: header? Reads the header block only
    (and, for our own DKIM check, the raw bytes); never walks the body. Raises only MessageOverLimit."""
    head = head or message_head(raw)
    message = head.headers
    if message is None:
        return SenderAuthentication(from_address="", authenticated=False, evidence=["message=?"])
    from_address = _from_address(message)
    if not from_address:
        return SenderAuthentication(from_address="", authenticated=False, evidence=["from=?"])
    from_domain = from_address.rpartition("@")[2]
    evidence: list[str] = []
    aligned = _aligned_by_results(_trusted_results(head.raw), from_domain, evidence)
    if not aligned and getattr(settings, "COMPTOIR_MAILIN_VERIFY_DKIM", True):
        try:
            signatures = len(message.get_all("DKIM-Signature", []))
        except Exception:  # noqa: BLE001
            signatures = 0
        aligned = _aligned_by_own_dkim(raw, signatures, from_domain, dnsfunc, evidence)
    return SenderAuthentication(from_address=from_address, authenticated=aligned, evidence=evidence)


def untrusted_results_strip(raw: bytes) -> bytes:
    """The message without the Authentication-Results headers that were not believed (not our MTA's own)."""
    end = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[:end.start() + 1], raw[end.start() + 1:]) if end else (raw, b"")
    kept = trusted_results_fields(head)
    for index, (name, _, (start, stop)) in reversed(list(enumerate(_fields(head)))):
        if name == "authentication-results" and index not in kept:
            head = head[:start] + head[stop:]
    return head + body
