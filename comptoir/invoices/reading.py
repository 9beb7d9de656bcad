"""Reading an e-invoice out of a file's bytes: Factur-X/ZUGFeRD (the XML embedded in a PDF), CII, UBL 2.1.

The `factur-x` library tells the flavour and the profile and reads the EN 16931 business terms
(BT-1 number, BT-3 type code, BG-4 seller…) for CII and UBL alike; pypdf finds the embedded file;
python-stdnum checks SIREN, SIRET and VAT numbers. We only map those terms to our facts, and parse
the XML ourselves with a hardened parser (`invoices.xml`) before handing the tree to the library.

Budgets: the file's size (`COMPTOIR_INVOICE_READ_MAX_BYTES`), the embedded XML's size and a time
budget checked between steps. Whatever goes wrong yields "unreadable" with a reason, never a crash.
"""

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING

from django.conf import settings
from lxml import etree
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva

from comptoir.invoices.kinds import invoice_kind_for
from comptoir.invoices.notices import notice
from comptoir.invoices.xml import XmlRefused, xml_parse_untrusted

if TYPE_CHECKING:
    from pypdf import PdfReader

logger = logging.getLogger(__name__)

# Bump when what is read changes: stored facts say which version read them.
PARSER_VERSION = 1
PDF = "application/pdf"
XML = "application/xml"
EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Party:
    name: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    country: str = ""


@dataclass(frozen=True)
class InvoiceReading:
    status: str  # "none", "read" or "unreadable"
    source: str = ""
    profile: str = ""
    type_code: str = ""
    kind: str = ""
    number: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    payment_terms: str = ""
    currency: str = ""
    total_excl_tax: Decimal | None = None
    total_tax: Decimal | None = None
    total_incl_tax: Decimal | None = None
    amount_due: Decimal | None = None
    seller: Party = field(default_factory=Party)
    buyer: Party = field(default_factory=Party)
    order_reference: str = ""
    notices: tuple[dict, ...] = ()


NONE = InvoiceReading(status="none")


class _Unreadable(Exception):
    def __init__(self, code: str, **params: str):
        super().__init__(code)
        self.notice = notice(code, **params)


class _Budget:
    def __init__(self) -> None:
        self._deadline = time.monotonic() + settings.COMPTOIR_INVOICE_READ_SECONDS

    def check(self) -> None:
        if time.monotonic() > self._deadline:
            raise _Unreadable("too_slow")


# --- the XML inside --------------------------------------------------------------------------------


def _pdf_limits() -> dict[str, int]:
    """pypdf's decompression limits (75 MB by default), brought down to what an invoice needs."""
    limit = 2 * settings.COMPTOIR_INVOICE_XML_MAX_BYTES
    return {name: limit for name in ("zlib_maximum_output_length", "lzw_maximum_output_length",
                                     "run_length_maximum_output_length", "jbig2_maximum_output_length",
                                     "array_based_stream_maximum_output_length")}


def _has_startxref(stream: IO[bytes]) -> bool:
    """Does the file hold the `startxref` keyword pypdf needs? Without it pypdf reads the file backwards
    byte by byte in Python before failing (35 ms for 200 KB); this looks for it at C speed."""
    start, tail = stream.tell(), b""
    try:
        while chunk := stream.read(1024 * 1024):
            if b"startxref" in tail + chunk:
                return True
            tail = chunk[-8:]
        return False
    finally:
        stream.seek(start)


def _xml_from_pdf(stream: IO[bytes]) -> bytes | None:
    if not _has_startxref(stream):
        logger.info("PDF not opened for invoice data: no startxref")
        raise _Unreadable("pdf_broken")
    try:
        # pypdf and factur-x (~55 MB together) are imported on the first reading, not at start-up:
        # every process loads this module (the routing needs the facts), few read invoices.
        from pypdf import PdfReader, apply_configuration

        with apply_configuration(**_pdf_limits()):
            return _embedded_invoice_xml(PdfReader(stream))
    except _Unreadable:
        raise
    except Exception as error:  # pypdf raises many kinds (and RecursionError) on hostile files
        logger.info("PDF not opened for invoice data: %r", error)
        raise _Unreadable("pdf_broken") from error


def _embedded_invoice_xml(reader: "PdfReader") -> bytes | None:
    for attachment in reader.attachment_list:
        if (attachment.name or "").lower() in EMBEDDED_NAMES:
            data = attachment.content
            if len(data) > settings.COMPTOIR_INVOICE_XML_MAX_BYTES:
                raise _Unreadable("xml_too_large")
            return data
    return None


def _root(data: bytes) -> etree._Element:
    try:
        return xml_parse_untrusted(data)
    except XmlRefused as error:
        raise _Unreadable("xml_refused") from error
    except (etree.XMLSyntaxError, ValueError) as error:
        raise _Unreadable("xml_broken", detail=str(error)[:200]) from error


# --- from business terms to facts ------------------------------------------------------------------


def _text(value, limit: int) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()[:limit]


def _amount(value, notices: list[dict]) -> Decimal | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        notices.append(notice("amount_invalid", value=str(value)[:40]))
        return None
    if abs(amount) >= Decimal("1e15"):
        notices.append(notice("amount_invalid", value=str(value)[:40]))
        return None
    return amount


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _party(terms: dict | None, role: str, notices: list[dict]) -> Party:
    terms = terms or {}
    ids = [(terms.get("legal_identifier_schemeid"), _text(terms.get("legal_identifier"), 40))]
    identifiers = terms.get("identifiers")
    if isinstance(identifiers, dict):
        ids += [(scheme, _text(value, 40)) for scheme, value in identifiers.items()]
    siren = siret = ""
    for scheme, value in ids:
        compact = _digits(value) if value and len(_digits(value)) == len(value.replace(" ", "")) else ""
        if not compact:
            continue
        if not siret and (scheme == "0009" or (scheme is None and len(compact) == 14)):
            siret = compact[:14]
        elif not siren and (scheme == "0002" or (scheme is None and len(compact) == 9)):
            siren = compact[:9]
    vat = _text(terms.get("vat_identifier"), 30).replace(" ", "").upper()
    if not siren and siret:
        siren = siret[:9]
    if not siren and vat.startswith("FR") and fr_tva.is_valid(vat):
        siren = fr_tva.to_siren(vat)
    if siren and not fr_siren.is_valid(siren):
        notices.append(notice(f"{role}_siren_invalid", value=siren))
    if siret and not fr_siret.is_valid(siret):
        notices.append(notice(f"{role}_siret_invalid", value=siret))
    if vat and vat[:2].lower() in eu_vat.MEMBER_STATES | {"el"} and not eu_vat.is_valid(vat):
        notices.append(notice(f"{role}_vat_invalid", value=vat))
    return Party(name=_text(terms.get("name"), 200), siren=siren, siret=siret, vat_number=vat,
                 country=_text(terms.get("country_code"), 2).upper())


def _facts(root: etree._Element, *, embedded: bool, budget: _Budget) -> InvoiceReading:
    from facturx import get_flavor, get_level, xml_check_xsd
    from facturx.parse_xml import parse_ubl_cii_xml

    try:
        flavor = get_flavor(root)
    except Exception:
        return NONE  # well-formed XML that is not an invoice at all
    if flavor not in ("factur-x", "ubl-2.1-invoice", "ubl-2.1-creditnote"):
        raise _Unreadable("unsupported", flavor=flavor)
    notices: list[dict] = []
    try:
        level = get_level(root, flavor)
    except Exception:
        level = "en16931"
        notices.append(notice("profile_unknown"))
    budget.check()
    try:
        xml_check_xsd(root, flavor=flavor, level=level)
    except Exception as error:
        notices.append(notice("schema", profile=level, detail=(str(error).splitlines() or [""])[-1][:200]))
    budget.check()
    try:
        terms = parse_ubl_cii_xml(root, flavor=flavor, level=level, check_xsd=False, date_as="date")
    except Exception as error:
        raise _Unreadable("xml_broken", detail=str(error)[:200]) from error
    budget.check()
    if flavor == "factur-x":
        source = "factur-x" if embedded else "cii"
    else:
        source = "ubl"
    type_code = _text(terms.get("BT-3"), 10)
    number = _text(terms.get("BT-1"), 100)
    if not number:
        notices.append(notice("number_missing"))
    seller = _party(terms.get("BG-4"), "seller", notices)
    buyer = _party(terms.get("BG-7"), "buyer", notices)
    excl, tax = _amount(terms.get("BT-109"), notices), _amount(terms.get("BT-110"), notices)
    incl, due = _amount(terms.get("BT-112"), notices), _amount(terms.get("BT-115"), notices)
    if excl is not None and incl is not None and (tax or Decimal(0)) + excl != incl:
        notices.append(notice("totals_mismatch", excl=str(excl), tax=str(tax or Decimal("0.00")), incl=str(incl)))
    issue, due_date = terms.get("BT-2"), terms.get("BT-9")
    return InvoiceReading(
        status="read", source=source, profile=level[:20], type_code=type_code,
        kind=str(invoice_kind_for(type_code)), number=number,
        issue_date=issue if isinstance(issue, date) else None,
        due_date=due_date if isinstance(due_date, date) else None,
        payment_terms=_text(terms.get("BT-20"), 500), currency=_text(terms.get("BT-5"), 3).upper(),
        total_excl_tax=excl, total_tax=tax, total_incl_tax=incl, amount_due=due,
        seller=seller, buyer=buyer, order_reference=_text(terms.get("BT-13"), 100), notices=tuple(notices),
    )


# --- entry points ----------------------------------------------------------------------------------


def invoice_read(*, stream: IO[bytes], size: int, content_type: str) -> InvoiceReading:
    """The invoice in a PDF or XML file, if any. Never raises."""
    if content_type not in (PDF, XML):
        return NONE
    try:
        if size > settings.COMPTOIR_INVOICE_READ_MAX_BYTES:
            raise _Unreadable("too_large")
        budget = _Budget()
        if content_type == PDF:
            data = _xml_from_pdf(stream)
            if data is None:
                return NONE
            embedded = True
        else:
            if size > settings.COMPTOIR_INVOICE_XML_MAX_BYTES:
                raise _Unreadable("xml_too_large")
            data = stream.read(settings.COMPTOIR_INVOICE_XML_MAX_BYTES + 1)
            embedded = False
        budget.check()
        root = _root(data)
        budget.check()
        return _facts(root, embedded=embedded, budget=budget)
    except _Unreadable as unreadable:
        return InvoiceReading(status="unreadable", notices=(unreadable.notice,))
    except Exception:
        logger.exception("invoice reading failed")
        return InvoiceReading(status="unreadable", notices=(notice("failed"),))


# Intake reads an attachment to choose its month folder, then the deposit reads the same bytes:
# the second read is served from here (keyed by the bytes' sha256, so it cannot be another file's).
_recent: OrderedDict[tuple[str, str], InvoiceReading] = OrderedDict()
_recent_lock = threading.Lock()
RECENT_SIZE = 64


def invoice_read_remembered(*, sha256: str, content_type: str, read) -> InvoiceReading:
    key = (sha256, content_type)
    with _recent_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key]
    reading = read()
    with _recent_lock:
        _recent[key] = reading
        while len(_recent) > RECENT_SIZE:
            _recent.popitem(last=False)
    return reading
