"""The facts a corpus file states, read with XPath written here, independent of `comptoir.invoices`.

Each syntax's paths are taken from its own specification (EN 16931-3-2 for UBL 2.1, -3-3 for CII
D16B, the ZUGFeRD 1.0 and Order-X 1.0 schemas), not from the reader under test. What the test
compares: number, type code, issue and due dates, currency, the four totals, seller name and VAT
number, buyer name. Conventions a reader of the API would expect, stated once here:

- several due dates (several payment terms, or `DueDate` beside `PaymentMeans/PaymentDueDate`):
  the earliest;
- the tax total in the invoice's currency when the file also gives it in the tax currency;
- amounts rounded half-up to cents; names with their runs of whitespace collapsed; VAT numbers
  without spaces, upper case.
"""

import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from lxml import etree
from pypdf import PdfReader

CORPUS = Path(__file__).parent / "corpus"
FIELDS = ("number", "type_code", "issue_date", "due_date", "currency", "total_excl_tax", "total_tax",
          "total_incl_tax", "amount_due", "seller_name", "seller_vat_number", "buyer_name")

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "zf": "urn:ferd:CrossIndustryDocument:invoice:1p0",
    "zram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
    "zudt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15",
    "ox": "urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100",
    "oram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128",
    "oudt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
EMBEDDED = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")


def _first(node, path: str) -> str:
    found = node.xpath(path, namespaces=NS)
    if not found:
        return ""
    value = found[0] if isinstance(found[0], str) else (found[0].text or "")
    return " ".join(value.split())


def _all(node, path: str) -> list[str]:
    return [(item if isinstance(item, str) else (item.text or "")).strip() for item in node.xpath(path, namespaces=NS)]


def _money(text: str) -> str | None:
    return f"{Decimal(text).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}" if text else None


def _day(text: str, fmt: str) -> date:
    return date.fromisoformat(text.strip()[:8] if fmt == "%Y%m%d" else text.strip()[:10])


def _iso(dates: list[date]) -> str | None:
    return min(dates).isoformat() if dates else None


def _vat(text: str) -> str | None:
    return text.replace(" ", "").upper() or None


def _cii_like(root, *, rsm: str, ram: str, udt: str, document: str, currency_tag: str) -> dict:
    settlement = f"{rsm}:SupplyChainTradeTransaction/{ram}:ApplicableHeaderTradeSettlement" if rsm != "zf" else \
        f"{rsm}:SpecifiedSupplyChainTradeTransaction/{ram}:ApplicableSupplyChainTradeSettlement"
    agreement = f"{rsm}:SupplyChainTradeTransaction/{ram}:ApplicableHeaderTradeAgreement" if rsm != "zf" else \
        f"{rsm}:SpecifiedSupplyChainTradeTransaction/{ram}:ApplicableSupplyChainTradeAgreement"
    totals = f"{settlement}/{ram}:SpecifiedTradeSettlement{'Header' if rsm != 'zf' else ''}MonetarySummation"
    currency = _first(root, f"{settlement}/{ram}:{currency_tag}")
    taxes = root.xpath(f"{totals}/{ram}:TaxTotalAmount", namespaces=NS)
    tax = next((t.text for t in taxes if t.get("currencyID") in (None, currency)), "")
    due = [_day(text, "%Y%m%d") for text in
           _all(root, f"{settlement}/{ram}:SpecifiedTradePaymentTerms/{ram}:DueDateDateTime/{udt}:DateTimeString")]

    def party(role: str, what: str) -> str:
        return _first(root, f"{agreement}/{ram}:{role}TradeParty/{what}")

    return {
        "number": _first(root, f"{rsm}:{document}/{ram}:ID"),
        "type_code": _first(root, f"{rsm}:{document}/{ram}:TypeCode"),
        "issue_date": _day(_first(root, f"{rsm}:{document}/{ram}:IssueDateTime/{udt}:DateTimeString"),
                           "%Y%m%d").isoformat(),
        "due_date": _iso(due),
        "currency": currency,
        "total_excl_tax": _money(_first(root, f"{totals}/{ram}:TaxBasisTotalAmount")),
        "total_tax": _money((tax or "").strip()),
        "total_incl_tax": _money(_first(root, f"{totals}/{ram}:GrandTotalAmount")),
        "amount_due": _money(_first(root, f"{totals}/{ram}:DuePayableAmount")),
        "seller_name": party("Seller", f"{ram}:Name"),
        "seller_vat_number": _vat(party("Seller", f"{ram}:SpecifiedTaxRegistration/{ram}:ID[@schemeID='VA']")),
        "buyer_name": party("Buyer", f"{ram}:Name"),
    }


def _ubl(root) -> dict:
    credit = root.tag == f"{{{NS['cn']}}}CreditNote"
    currency = _first(root, "cbc:DocumentCurrencyCode")
    tax = next((text for text in _all(root, "cac:TaxTotal/cbc:TaxAmount/@currencyID") if text == currency), None)
    tax_amount = _first(root, f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{currency}']") if tax else ""
    due = [_day(text, "%Y-%m-%d") for text in
           _all(root, "cbc:DueDate") + _all(root, "cac:PaymentMeans/cbc:PaymentDueDate")]

    def party(role: str, path: str) -> str:
        return _first(root, f"cac:Accounting{role}Party/cac:Party/{path}")

    return {
        "number": _first(root, "cbc:ID"),
        "type_code": _first(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode"),
        "issue_date": _first(root, "cbc:IssueDate"),
        "due_date": _iso(due),
        "currency": currency,
        "total_excl_tax": _money(_first(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")),
        "total_tax": _money(tax_amount),
        "total_incl_tax": _money(_first(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")),
        "amount_due": _money(_first(root, "cac:LegalMonetaryTotal/cbc:PayableAmount")),
        "seller_name": party("Supplier", "cac:PartyLegalEntity/cbc:RegistrationName"),
        "seller_vat_number": _vat(party("Supplier", "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID")),
        "buyer_name": party("Customer", "cac:PartyLegalEntity/cbc:RegistrationName"),
    }


def xml_of(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix.lower() != ".pdf":
        return data
    for attachment in PdfReader(io.BytesIO(data)).attachment_list:
        if attachment.name.lower() in EMBEDDED:
            return attachment.content
    raise AssertionError(f"{path.name}: no embedded e-invoice")


def expected_facts(path: Path) -> dict:
    """The facts the file states, with None for what it does not say."""
    root = etree.fromstring(xml_of(path))
    tag = etree.QName(root).localname
    if tag == "CrossIndustryInvoice":
        facts = _cii_like(root, rsm="rsm", ram="ram", udt="udt", document="ExchangedDocument",
                          currency_tag="InvoiceCurrencyCode")
    elif tag == "CrossIndustryDocument":  # ZUGFeRD 1.0
        facts = _cii_like(root, rsm="zf", ram="zram", udt="zudt", document="HeaderExchangedDocument",
                          currency_tag="InvoiceCurrencyCode")
    elif tag == "SCRDMCCBDACIOMessageStructure":  # Order-X
        facts = _cii_like(root, rsm="ox", ram="oram", udt="oudt", document="ExchangedDocument",
                          currency_tag="OrderCurrencyCode")
    else:
        facts = _ubl(root)
    return {key: (value if value not in ("",) else None) for key, value in facts.items()}
