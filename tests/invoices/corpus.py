# ruff: noqa: E501 (XML templates read best one element a line)
"""The invoice test corpus, made by the tests themselves (nothing downloaded).

Factur-X PDFs are built with the `factur-x` library (which checks each XML against the profile's XSD
while embedding it), from CII XML written here at the MINIMUM, BASIC and EN 16931 profiles; UBL 2.1
invoice and credit note, a CII quote, a plain PDF, a PDF whose embedded XML is broken, and hostile XML.
"""

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import facturx
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

SELLER_SIREN = "732829320"  # valid Luhn
BUYER_SIREN = "552100554"  # valid Luhn
OTHER_SIREN = "443061841"  # valid Luhn

GUIDELINES = {
    "minimum": "urn:factur-x.eu:1p0:minimum",
    "basic": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": "urn:cen.eu:en16931:2017",
}


@dataclass
class Invoice:
    number: str = "F-2027-001"
    type_code: str = "380"
    issue_date: date = date(2027, 1, 15)
    due_date: date | None = date(2027, 2, 14)
    currency: str = "EUR"
    excl_tax: Decimal = Decimal("1000.00")
    tax: Decimal = Decimal("200.00")
    incl_tax: Decimal = Decimal("1200.00")
    due: Decimal = Decimal("1200.00")
    seller_name: str = "Boulangerie Demo"
    seller_siren: str = SELLER_SIREN
    seller_vat: str = "FR44732829320"
    buyer_name: str = "Client Exemple SA"
    buyer_siren: str = BUYER_SIREN
    buyer_vat: str = "FR96552100554"
    order_reference: str = "PO-77"
    extra: dict = field(default_factory=dict)


def _d(value: date) -> str:
    return f'<udt:DateTimeString format="102">{value:%Y%m%d}</udt:DateTimeString>'


def cii_xml(invoice: Invoice, *, profile: str = "en16931") -> bytes:
    full = profile != "minimum"
    line = ""
    if full:
        line = f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Prestation</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{invoice.excl_tax}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{invoice.excl_tax}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>"""
    address = "<ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>"
    seller_address = address
    buyer_extra = address if full else ""
    buyer_vat = (f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{invoice.buyer_vat}</ram:ID>'
                 "</ram:SpecifiedTaxRegistration>") if full and invoice.buyer_vat else ""
    seller_vat = (f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{invoice.seller_vat}</ram:ID>'
                  "</ram:SpecifiedTaxRegistration>") if invoice.seller_vat else ""
    settlement_tax = terms = line_total = ""
    if full:
        settlement_tax = f"""
        <ram:ApplicableTradeTax><ram:CalculatedAmount>{invoice.tax}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{invoice.excl_tax}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>"""
        if invoice.due_date:
            terms = f"<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>{_d(invoice.due_date)}</ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>"
        line_total = f"<ram:LineTotalAmount>{invoice.excl_tax}</ram:LineTotalAmount>"
    order = (f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{invoice.order_reference}</ram:IssuerAssignedID>"
             "</ram:BuyerOrderReferencedDocument>") if invoice.order_reference else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{GUIDELINES[profile]}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{invoice.number}</ram:ID>
    <ram:TypeCode>{invoice.type_code}</ram:TypeCode>
    <ram:IssueDateTime>{_d(invoice.issue_date)}</ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{line}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>{invoice.seller_name}</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{invoice.seller_siren}</ram:ID></ram:SpecifiedLegalOrganization>
        {seller_address}{seller_vat}
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>{invoice.buyer_name}</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{invoice.buyer_siren}</ram:ID></ram:SpecifiedLegalOrganization>
        {buyer_extra}{buyer_vat}
      </ram:BuyerTradeParty>
      {order}
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>{invoice.currency}</ram:InvoiceCurrencyCode>{settlement_tax}
      {terms}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        {line_total}
        <ram:TaxBasisTotalAmount>{invoice.excl_tax}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="{invoice.currency}">{invoice.tax}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{invoice.incl_tax}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{invoice.due}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()


def ubl_xml(invoice: Invoice, *, credit_note: bool = False) -> bytes:
    root = "CreditNote" if credit_note else "Invoice"
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    type_tag = "CreditNoteTypeCode" if credit_note else "InvoiceTypeCode"
    line_tag = "CreditNoteLine" if credit_note else "InvoiceLine"
    qty_tag = "CreditedQuantity" if credit_note else "InvoicedQuantity"
    due = "" if credit_note or not invoice.due_date else f"<cbc:DueDate>{invoice.due_date:%Y-%m-%d}</cbc:DueDate>"
    due_cn = (f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
              f"<cbc:PaymentDueDate>{invoice.due_date:%Y-%m-%d}</cbc:PaymentDueDate></cac:PaymentMeans>"
              if credit_note and invoice.due_date else "")
    cur = invoice.currency

    def party(name: str, siren: str, vat: str) -> str:
        return f"""<cac:Party>
      <cac:PostalAddress><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
      <cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName><cbc:CompanyID schemeID="0002">{siren}</cbc:CompanyID></cac:PartyLegalEntity>
    </cac:Party>"""

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{ns}" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>{invoice.number}</cbc:ID>
  <cbc:IssueDate>{invoice.issue_date:%Y-%m-%d}</cbc:IssueDate>
  {due}
  <cbc:{type_tag}>{invoice.type_code}</cbc:{type_tag}>
  <cbc:DocumentCurrencyCode>{cur}</cbc:DocumentCurrencyCode>
  {f"<cac:OrderReference><cbc:ID>{invoice.order_reference}</cbc:ID></cac:OrderReference>" if invoice.order_reference else ""}
  <cac:AccountingSupplierParty>{party(invoice.seller_name, invoice.seller_siren, invoice.seller_vat)}</cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>{party(invoice.buyer_name, invoice.buyer_siren, invoice.buyer_vat)}</cac:AccountingCustomerParty>
  {due_cn}
  <cac:TaxTotal><cbc:TaxAmount currencyID="{cur}">{invoice.tax}</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="{cur}">{invoice.excl_tax}</cbc:TaxableAmount><cbc:TaxAmount currencyID="{cur}">{invoice.tax}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="{cur}">{invoice.excl_tax}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="{cur}">{invoice.excl_tax}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{cur}">{invoice.incl_tax}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="{cur}">{invoice.due}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:{line_tag}><cbc:ID>1</cbc:ID><cbc:{qty_tag} unitCode="C62">1</cbc:{qty_tag}>
    <cbc:LineExtensionAmount currencyID="{cur}">{invoice.excl_tax}</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Prestation</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="{cur}">{invoice.excl_tax}</cbc:PriceAmount></cac:Price>
  </cac:{line_tag}>
</{root}>
""".encode()


def plain_pdf(*, text: str = "Facture papier", target_size: int = 0) -> bytes:
    """A PDF without embedded data; `target_size` pads its content stream to about that many bytes."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    body = f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET\n".encode()
    if target_size:
        filler = b"% " + b"0123456789abcdef" * 4 + b"\n"
        body += filler * max(0, (target_size - 600) // len(filler))
    stream = DecodedStreamObject()
    stream.set_data(body)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def facturx_pdf(invoice: Invoice | None = None, *, profile: str = "en16931", target_size: int = 0) -> bytes:
    xml = cii_xml(invoice or Invoice(), profile=profile)
    return facturx.generate_from_binary(plain_pdf(text="Facture", target_size=target_size), xml,
                                        flavor="factur-x", level=profile, check_xsd=True)


def pdf_with_attachment(name: str, data: bytes) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def broken_facturx_pdf() -> bytes:
    return pdf_with_attachment("factur-x.xml", b"<?xml version='1.0'?><rsm:CrossIndustryInvoice><oops")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol9;</ID></Invoice>
"""


def xxe_xml(target_path: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file://{target_path}">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>&secret;</cbc:ID></Invoice>
""".encode()


def deep_xml(depth: int = 100_000) -> bytes:
    return (b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
            + b"<a>" * depth + b"</a>" * depth + b"</Invoice>")
