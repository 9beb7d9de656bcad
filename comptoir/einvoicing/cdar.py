"""CDAR D22B (UN/CEFACT Cross Domain Acknowledgement And Response): the lifecycle message of XP Z12-012.

`cdar_build` writes the message a buyer sends to answer an invoice (one referenced invoice, « MONO »),
shaped like the standard's examples (Annexe B, « Cycle de Vie - CDAR »); the tests validate it against
the D22B schema. `cdar_read` takes the fields Comptoir shows out of a received one: the status
(`ProcessConditionCode` / `ProcessCondition`), its date, the reason, and the referenced invoice
(`IssuerAssignedID`, `FormattedIssueDateTime`, issuer SIREN).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from lxml import etree

from comptoir.invoices.xml import xml_parse_untrusted

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"
SIREN_SCHEME = "0002"
PARIS = ZoneInfo("Europe/Paris")  # the examples' times are French wall-clock times, without an offset


class CdarUnreadable(Exception):
    pass


@dataclass(frozen=True)
class CdarStatus:
    code: str
    label: str
    at: datetime
    reason_code: str
    reason: str
    invoice_number: str
    invoice_issue_date: date | None
    invoice_type_code: str
    issuer_siren: str
    recipient_siren: str
    amount: Decimal | None


def _stamp(value: datetime) -> str:
    return value.astimezone(PARIS).strftime("%Y%m%d%H%M%S")


def _sub(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attributes)
    if text is not None:
        element.text = text
    return element


def _party(parent, tag: str, *, siren: str, name: str, role: str) -> None:
    party = _sub(parent, tag)
    _sub(party, "ram:GlobalID", siren, schemeID=SIREN_SCHEME)
    _sub(party, "ram:Name", name or siren)
    _sub(party, "ram:RoleCode", role)


def cdar_build(*, code: str, label: str, at: datetime, invoice_number: str, invoice_issue_date: date,
               invoice_type_code: str, seller_siren: str, seller_name: str, buyer_siren: str, buyer_name: str,
               reason_code: str = "", reason: str = "", amount: Decimal | None = None) -> bytes:
    """The buyer's answer `code` to the seller's invoice, as a CDAR D22B message (UTF-8 bytes)."""
    root = etree.Element(f"{{{RSM}}}CrossDomainAcknowledgementAndResponse", nsmap={
        "rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT})
    context = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(_sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", "REGULATED")
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    document = _sub(root, "rsm:ExchangedDocument")
    _sub(document, "ram:ID", f"{invoice_number}_{code}_{_stamp(at)}#{invoice_type_code}_"
                             f"{invoice_issue_date:%Y%m%d}"[:100])
    _sub(document, "ram:Name", f"CDV-{code}")
    _sub(_sub(document, "ram:IssueDateTime"), "udt:DateTimeString", _stamp(at), format="204")
    _sub(_sub(document, "ram:SenderTradeParty"), "ram:RoleCode", "BY")
    _party(document, "ram:IssuerTradeParty", siren=buyer_siren, name=buyer_name, role="BY")
    _party(document, "ram:RecipientTradeParty", siren=seller_siren, name=seller_name, role="SE")
    acknowledgement = _sub(root, "rsm:AcknowledgementDocument")
    _sub(_sub(acknowledgement, "ram:MultipleReferencesIndicator"), "udt:Indicator", "false")
    _sub(acknowledgement, "ram:TypeCode", "23")
    _sub(_sub(acknowledgement, "ram:IssueDateTime"), "udt:DateTimeString", _stamp(at), format="204")
    referenced = _sub(acknowledgement, "ram:ReferenceReferencedDocument")
    _sub(referenced, "ram:IssuerAssignedID", invoice_number)
    _sub(referenced, "ram:TypeCode", invoice_type_code)
    _sub(_sub(referenced, "ram:FormattedIssueDateTime"), "qdt:DateTimeString", f"{invoice_issue_date:%Y%m%d}",
         format="102")
    _sub(referenced, "ram:ProcessConditionCode", code)
    _sub(referenced, "ram:ProcessCondition", label)
    issuer = _sub(referenced, "ram:IssuerTradeParty")
    _sub(issuer, "ram:GlobalID", seller_siren, schemeID=SIREN_SCHEME)
    if reason_code or reason or amount is not None:
        status = _sub(referenced, "ram:SpecifiedDocumentStatus")
        if reason_code:
            _sub(status, "ram:ReasonCode", reason_code)
        if reason:
            _sub(status, "ram:Reason", reason)
        if amount is not None:
            characteristic = _sub(status, "ram:SpecifiedDocumentCharacteristic")
            _sub(characteristic, "ram:TypeCode", "MEN")
            _sub(characteristic, "ram:ValueAmount", f"{amount:.2f}", currencyID="EUR")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _first(root, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    if not found:
        return ""
    value = found[0]
    return (value if isinstance(value, str) else value.text or "").strip()


def _datetime(value: str) -> datetime | None:
    digits = "".join(ch for ch in value if ch.isdigit())
    for fmt, size in (("%Y%m%d%H%M%S", 14), ("%Y%m%d%H%M", 12), ("%Y%m%d", 8)):
        if len(digits) >= size:
            try:
                return datetime.strptime(digits[:size], fmt).replace(tzinfo=PARIS)
            except ValueError:
                return None
    return None


def cdar_read(data: bytes) -> CdarStatus:
    """The status a CDAR carries; CdarUnreadable when it is not one (or names no invoice or code)."""
    try:
        root = xml_parse_untrusted(data)
    except Exception as exc:  # refused DTD or not well-formed
        raise CdarUnreadable(f"CDAR illisible : {exc}") from exc
    if etree.QName(root).localname != "CrossDomainAcknowledgementAndResponse":
        raise CdarUnreadable("ce n'est pas un message CDAR")
    ref = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"
    code = _first(root, f"{ref}/ram:ProcessConditionCode")
    number = _first(root, f"{ref}/ram:IssuerAssignedID")
    if not code or not number:
        raise CdarUnreadable("CDAR sans code de statut ou sans facture référencée")
    at = (_datetime(_first(root, "rsm:AcknowledgementDocument/ram:IssueDateTime/udt:DateTimeString"))
          or _datetime(_first(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")))
    if at is None:
        raise CdarUnreadable("CDAR sans date")
    issued = _datetime(_first(root, f"{ref}/ram:FormattedIssueDateTime/qdt:DateTimeString"))
    amount_text = _first(root, f"{ref}/ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic"
                               "[ram:TypeCode='MEN']/ram:ValueAmount")
    try:
        amount = Decimal(amount_text) if amount_text else None
    except InvalidOperation:
        amount = None
    return CdarStatus(
        code=code[:3], label=_first(root, f"{ref}/ram:ProcessCondition")[:100], at=at,
        reason_code=_first(root, f"{ref}/ram:SpecifiedDocumentStatus/ram:ReasonCode")[:40],
        reason=_first(root, f"{ref}/ram:SpecifiedDocumentStatus/ram:Reason")[:1000],
        invoice_number=number[:100], invoice_issue_date=issued.date() if issued else None,
        invoice_type_code=_first(root, f"{ref}/ram:TypeCode"),
        issuer_siren=_first(root, f"{ref}/ram:IssuerTradeParty/ram:GlobalID[@schemeID='0002']")[:9],
        recipient_siren=_first(root, "rsm:ExchangedDocument/ram:RecipientTradeParty/ram:GlobalID"
                                     "[@schemeID='0002']")[:9],
        amount=amount)
