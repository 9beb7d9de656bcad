"""XML from outside, parsed with every door closed: no DTD, no entities, no network, no huge trees.

An e-invoice never needs a DTD, so a document that declares one (XXE, "billion laughs") is refused
outright rather than parsed with its entities left unexpanded. `huge_tree` stays off, so libxml2's
own limits (nesting depth, text node size) bound a hostile document.
"""

from lxml import etree


class XmlRefused(Exception):
    """The document declares a DTD or entities: never read."""


# XML may be UTF-16 or UTF-32 (with or without a BOM): there `<!DOCTYPE` is not these bytes.
WIDE_ENCODINGS = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def _declares_dtd(data: bytes) -> bool:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return True
    if b"\x00" not in data[:4]:
        return False  # an ASCII-compatible encoding: the bytes above were the whole check
    return any(marker.encode(encoding) in data for encoding in WIDE_ENCODINGS for marker in ("<!DOCTYPE", "<!ENTITY"))


def xml_parse_untrusted(data: bytes) -> etree._Element:
    """The root element; raises XmlRefused, or etree.XMLSyntaxError for what is not well-formed."""
    if _declares_dtd(data):
        raise XmlRefused("DTD")
    # A parser per call: lxml parsers must not be shared between threads.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True, collect_ids=False)
    root = etree.fromstring(data, parser=parser)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRefused("DTD")
    return root
