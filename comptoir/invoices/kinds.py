"""What an e-invoice says it is, from its UNTDID 1001 type code (BT-3): a closed list of kinds.

Where the codes come from:
- EN 16931-1 (BT-3) allows the UNTDID 1001 subset of the CEN code lists for invoices and credit notes
  (the "Invoice type code" and "Credit note type code" lists of the EN 16931 code lists, as the
  CEF/ConnectingEurope validation artefacts check them in BR-CL-01);
- the French reform (XP Z12-012 and the DGFiP's external specifications, BT-3 of the CTC profiles)
  allows 380, 389, 393, 501, 386, 500, 384, 471, 472, 473, 381, 261, 262, 396, 502, 503, adding the
  codes 471–473 and 500–503 for the factored, self-billed and prepayment variants;
- documents that are not invoices (orders 220/105 and their changes and responses in Order-X, a quote
  310, a proforma 325, a despatch advice 351…) are read as far as they go and are `other`, with their
  French name: never "to pay".

Each code maps onto one of the kinds a partner filters on, and carries its own French name
(`kind_label`), shown by the API and in the partner's mail.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Facture")
    CORRECTIVE_INVOICE = "corrective_invoice", _("Facture rectificative")
    PREPAYMENT_INVOICE = "prepayment_invoice", _("Facture d'acompte")
    SELF_BILLED_INVOICE = "self_billed_invoice", _("Autofacture")
    CREDIT_NOTE = "credit_note", _("Avoir")
    OTHER = "other", _("Autre document (non payable)")


INVOICE, CORRECTIVE, PREPAYMENT = InvoiceKind.INVOICE, InvoiceKind.CORRECTIVE_INVOICE, InvoiceKind.PREPAYMENT_INVOICE
SELF_BILLED, CREDIT, OTHER = InvoiceKind.SELF_BILLED_INVOICE, InvoiceKind.CREDIT_NOTE, InvoiceKind.OTHER

# code: (kind, French name). The names are those of the French CTC list where it has the code, else a
# translation of the UNTDID 1001 name.
TYPE_CODES: dict[str, tuple[InvoiceKind, str]] = {
    # EN 16931 invoice type codes
    "71": (INVOICE, "Demande de paiement"),
    "80": (INVOICE, "Note de débit (biens ou services)"),
    "82": (INVOICE, "Facture de services mesurés"),
    "84": (INVOICE, "Note de débit (ajustements financiers)"),
    "102": (INVOICE, "Avis d'imposition"),
    "130": (INVOICE, "Fiche de données de facturation"),
    "202": (INVOICE, "Décompte de paiement direct"),
    "203": (INVOICE, "Décompte de paiement provisoire"),
    "204": (INVOICE, "Décompte de paiement"),
    "211": (INVOICE, "Demande de paiement intermédiaire"),
    "218": (INVOICE, "Demande de paiement final après achèvement des travaux"),
    "219": (INVOICE, "Demande de paiement pour unités achevées"),
    "295": (INVOICE, "Facture de variation de prix"),
    "326": (INVOICE, "Facture de situation"),
    "331": (INVOICE, "Facture commerciale avec liste de colisage"),
    "380": (INVOICE, "Facture"),
    "382": (INVOICE, "Note de commission"),
    "383": (INVOICE, "Note de débit"),
    "384": (CORRECTIVE, "Facture rectificative"),
    "385": (INVOICE, "Facture récapitulative"),
    "386": (PREPAYMENT, "Facture d'acompte"),
    "387": (INVOICE, "Facture de location"),
    "388": (INVOICE, "Facture fiscale"),
    "389": (SELF_BILLED, "Autofacture"),
    "390": (INVOICE, "Facture ducroire"),
    "393": (INVOICE, "Facture affacturée"),
    "394": (INVOICE, "Facture de crédit-bail"),
    "395": (INVOICE, "Facture de consignation"),
    "456": (INVOICE, "Avis de débit"),
    "527": (SELF_BILLED, "Note de débit autofacturée"),
    "553": (INVOICE, "Rapport d'écart sur facture de transitaire"),
    "575": (INVOICE, "Facture d'assureur"),
    "623": (INVOICE, "Facture de transitaire"),
    "633": (INVOICE, "Facture de frais portuaires"),
    "751": (INVOICE, "Facture (information comptable)"),
    "780": (INVOICE, "Facture de fret"),
    "817": (INVOICE, "Avis de sinistre"),
    "870": (INVOICE, "Facture consulaire"),
    "875": (INVOICE, "Facture de situation de travaux"),
    "876": (INVOICE, "Facture de situation finale de travaux"),
    "877": (INVOICE, "Facture finale de travaux"),
    "935": (INVOICE, "Facture douanière"),
    # EN 16931 credit note type codes
    "81": (CREDIT, "Avoir (biens ou services)"),
    "83": (CREDIT, "Avoir (ajustements financiers)"),
    "261": (CREDIT, "Autoavoir"),
    "262": (CREDIT, "Avoir remise globale"),
    "296": (CREDIT, "Avoir de variation de prix"),
    "308": (CREDIT, "Avoir ducroire"),
    "381": (CREDIT, "Avoir"),
    "396": (CREDIT, "Avoir affacturé"),
    "420": (CREDIT, "Avoir de paiement ROC"),
    "458": (CREDIT, "Contre-passation de débit"),
    "532": (CREDIT, "Avoir de transitaire"),
    # French CTC codes
    "471": (CORRECTIVE, "Facture rectificative affacturée"),
    "472": (CORRECTIVE, "Autofacture rectificative"),
    "473": (CORRECTIVE, "Autofacture rectificative affacturée"),
    "500": (PREPAYMENT, "Autofacture d'acompte"),
    "501": (SELF_BILLED, "Autofacture affacturée"),
    "502": (CREDIT, "Autoavoir affacturé"),
    "503": (CREDIT, "Avoir de facture d'acompte"),
    # Not invoices: read, never "to pay"
    "105": (OTHER, "Bon de commande"),
    "220": (OTHER, "Bon de commande"),
    "221": (OTHER, "Commande ouverte"),
    "227": (OTHER, "Commande en consignation"),
    "230": (OTHER, "Modification de commande"),
    "231": (OTHER, "Réponse à une commande"),
    "310": (OTHER, "Devis"),
    "325": (OTHER, "Facture proforma"),
    "351": (OTHER, "Avis d'expédition"),
    "270": (OTHER, "Bon de livraison"),
}

# What a receivables partner takes: documents "qui ont vocation à être payés" (or to be credited).
PAYABLE_KINDS = frozenset({InvoiceKind.INVOICE, InvoiceKind.CORRECTIVE_INVOICE, InvoiceKind.PREPAYMENT_INVOICE,
                           InvoiceKind.SELF_BILLED_INVOICE, InvoiceKind.CREDIT_NOTE})
ORDER_LABEL = "Bon de commande"


def invoice_kind_for(type_code: str) -> InvoiceKind:
    """The kind of a type code; a code outside the lists above is `other` (not sent as a payable)."""
    entry = TYPE_CODES.get((type_code or "").strip())
    return entry[0] if entry else InvoiceKind.OTHER


def invoice_kind_label(*, type_code: str, kind: str) -> str:
    """The document's own French name: « Facture affacturée » for 393, « Bon de commande » for 220…"""
    entry = TYPE_CODES.get((type_code or "").strip())
    if entry:
        return entry[1]
    if kind == InvoiceKind.OTHER:
        return f"Document de type {type_code}" if type_code else "Document non payable"
    return str(InvoiceKind(kind).label) if kind in InvoiceKind.values else "Facture"
