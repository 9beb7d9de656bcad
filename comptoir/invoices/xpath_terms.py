"""The business terms the `factur-x` library does not read, found by XPath of our own.

- ZUGFeRD 1.0 (`urn:ferd:CrossIndustryDocument:invoice:1p0`) and Order-X: the library tells their
  flavour and level and ships their XSD, but `parse_ubl_cii_xml` refuses them. We read the few
  terms we keep, in the shape the library gives for CII and UBL (`BT-1`, `BG-4`…), so one mapping
  turns both into facts. Paths from the ZUGFeRD 1.0 schema (`CrossIndustryDocument`,
  `ApplicableSupplyChainTradeSettlement`…) and the Order-X 1.0 schema (CII D20B, `OrderCurrencyCode`).
- Every due date a CII or UBL file may carry (several payment terms; `cbc:DueDate` and
  `cac:PaymentMeans/cbc:PaymentDueDate` in UBL), where the library keeps one path per syntax.
"""

from datetime import date

from lxml import etree

ZUGFERD_1 = {
    "rsm": "urn:ferd:CrossIndustryDocument:invoice:1p0",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15",
}
ORDER_X = {
    "rsm": "urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128",
}
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

# (document, agreement, settlement, monetary summation, currency) per flavour.
_PATHS = {
    "zugferd": ("rsm:HeaderExchangedDocument", "rsm:SpecifiedSupplyChainTradeTransaction/"
                "ram:ApplicableSupplyChainTradeAgreement", "rsm:SpecifiedSupplyChainTradeTransaction/"
                "ram:ApplicableSupplyChainTradeSettlement", "ram:SpecifiedTradeSettlementMonetarySummation",
                "ram:InvoiceCurrencyCode"),
    "order-x": ("rsm:ExchangedDocument", "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement",
                "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement",
                "ram:SpecifiedTradeSettlementHeaderMonetarySummation", "ram:OrderCurrencyCode"),
}


def _text(node: etree._Element, path: str, ns: dict) -> str:
    found = node.xpath(path, namespaces=ns)
    return (found[0].text or "").strip() if found else ""


def _day(text: str, fmt: str) -> date | None:
    """A date written `%Y%m%d` (CII format 102) or `%Y-%m-%d` (UBL); both are ISO 8601 forms."""
    text = text.strip()
    if len(text) != (8 if fmt == "%Y%m%d" else 10):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _party(root: etree._Element, path: str, ns: dict) -> dict:
    nodes = root.xpath(path, namespaces=ns)
    if not nodes:
        return {}
    party = nodes[0]
    return {"name": _text(party, "ram:Name", ns),
            "vat_identifier": _text(party, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']", ns),
            "legal_identifier": _text(party, "ram:SpecifiedLegalOrganization/ram:ID", ns),
            "legal_identifier_schemeid": (party.xpath("ram:SpecifiedLegalOrganization/ram:ID/@schemeID",
                                                      namespaces=ns) or [None])[0],
            "country_code": _text(party, "ram:PostalTradeAddress/ram:CountryID", ns)}


def terms_read(root: etree._Element, flavor: str) -> dict:
    """The terms of a ZUGFeRD 1.0 invoice or an Order-X document, keyed as the library keys CII's."""
    ns = ZUGFERD_1 if flavor == "zugferd" else ORDER_X
    document, agreement, settlement, summation, currency_path = _PATHS[flavor]
    currency = _text(root, f"{settlement}/{currency_path}", ns)
    totals = f"{settlement}/{summation}"
    taxes = root.xpath(f"{totals}/ram:TaxTotalAmount", namespaces=ns)
    tax = next(((node.text or "").strip() for node in taxes if node.get("currencyID") in (None, currency)), None)
    due = [day for text in root.xpath(f"{settlement}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/"
                                      "udt:DateTimeString/text()", namespaces=ns)
           if (day := _day(str(text)[:8], "%Y%m%d"))]
    return {
        "BT-1": _text(root, f"{document}/ram:ID", ns),
        "BT-2": _day(_text(root, f"{document}/ram:IssueDateTime/udt:DateTimeString", ns)[:8], "%Y%m%d"),
        "BT-3": _text(root, f"{document}/ram:TypeCode", ns),
        "BT-5": currency,
        "BT-9": due or None,
        "BT-20": _text(root, f"{settlement}/ram:SpecifiedTradePaymentTerms/ram:Description", ns),
        "BT-109": _text(root, f"{totals}/ram:TaxBasisTotalAmount", ns),
        "BT-110": tax,
        "BT-112": _text(root, f"{totals}/ram:GrandTotalAmount", ns),
        "BT-115": _text(root, f"{totals}/ram:DuePayableAmount", ns),
        "BT-13": _text(root, f"{agreement}/ram:BuyerOrderReferencedDocument/ram:ID", ns),
        "BG-4": _party(root, f"{agreement}/ram:SellerTradeParty", ns),
        "BG-7": _party(root, f"{agreement}/ram:BuyerTradeParty", ns),
    }


def due_dates_read(root: etree._Element, flavor: str) -> list[date]:
    """Every due date of a CII or UBL invoice (EN 16931 BT-9 and the places the profiles also allow)."""
    if flavor == "factur-x":
        texts = root.xpath("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
                           "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString/text()",
                           namespaces=CII)
        return [day for text in texts if (day := _day(str(text)[:8], "%Y%m%d"))]
    texts = root.xpath("cbc:DueDate/text() | cac:PaymentMeans/cbc:PaymentDueDate/text()", namespaces=UBL)
    return [day for text in texts if (day := _day(str(text)[:10], "%Y-%m-%d"))]


def tax_total_read(root: etree._Element, flavor: str, currency: str) -> str | None:
    """The CII tax total written without a currency, which the library (by currency) does not see."""
    if flavor != "factur-x":
        return None
    found = root.xpath("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
                       "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount[not(@currencyID)]"
                       "/text()", namespaces=CII)
    return str(found[0]).strip() if found else None
