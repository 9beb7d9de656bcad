"""A DTD is refused before any parsing, whatever the XML's encoding (issue 22, finding 10)."""

import pytest
from lxml import etree

from comptoir.invoices.xml import XmlRefused, xml_parse_untrusted

pytestmark = pytest.mark.embedded_only

# Cut short on purpose: a parser that reached it would say "not well-formed", not "DTD".
HOSTILE = ('<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE x [<!ENTITY a "{laugh}">]>'
           "<Invoice>&a;")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_dtd_is_refused_before_parsing_in_every_encoding(encoding):
    text = HOSTILE.format(encoding=encoding.upper().removesuffix("-LE").removesuffix("-BE"), laugh="ha" * 10)
    with pytest.raises(XmlRefused):
        xml_parse_untrusted(text.encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_an_invoice_without_a_dtd_is_read_in_every_encoding(encoding):
    data = f'<?xml version="1.0" encoding="{encoding.upper()}"?><Invoice><ID>F-1</ID></Invoice>'.encode(encoding)
    root = xml_parse_untrusted(data)
    assert etree.QName(root).localname == "Invoice" and root.findtext("ID") == "F-1"
