"""The « Plateforme agréée » partner (slug `pa`): a company's e-invoices in and out through its PA.

One way to connect, per company: the PA's AFNOR XP Z12-013 Flow Service (`afnor`). A PA only takes
structured invoices, and only the seller's: a plain PDF, or an invoice whose seller is not the
company, is skipped with that reason.
"""

from django.utils.translation import gettext as _

from comptoir.einvoicing.submission import PaFlowTransport
from comptoir.invoices.kinds import PAYABLE_KINDS
from comptoir.invoices.models import InvoiceStatus
from comptoir.invoices.selectors import invoice_facts_for_document
from comptoir.partners.catalogue.base import MB, PDF, Category, DestinationSpec, PartnerApp

XML = "application/xml"


class PlateformeAgreee(PartnerApp):
    slug = "pa"
    name = "Plateforme agréée"
    category = Category.EINVOICING
    transport = PaFlowTransport
    logo_letters = "PA"
    logo_color = "#00695c"
    short_description = {
        "fr": "Recevez et émettez les factures électroniques par votre plateforme agréée (norme AFNOR XP Z12-013).",
        "en": "Receive and issue e-invoices through your approved platform (AFNOR XP Z12-013 standard).",
    }
    long_description = {
        "fr": "Les factures de vos fournisseurs arrivent dans « Achats », au mois de leur date, avec leurs statuts "
              "du cycle de vie ; les factures structurées (Factur-X, UBL, CII) déposées dans « Ventes » partent "
              "par la plateforme et leurs statuts (« Déposée », « Encaissée », « Refusée »…) reviennent sur le "
              "document. Le cabinet, et le client si l'entreprise le permet, répond aux factures reçues.",
        "en": "Your suppliers' invoices arrive in “Achats”, in the month of their date, with their lifecycle "
              "statuses; structured invoices (Factur-X, UBL, CII) deposited in “Ventes” leave through the platform "
              "and their statuses (“Déposée”, “Encaissée”, “Refusée”…) come back on the document. The firm, and the "
              "client when the company allows it, answers the invoices received.",
    }
    destinations = (DestinationSpec("afnor", "API Flow Service de la plateforme (AFNOR XP Z12-013)"),)
    accepted_types = frozenset({PDF, XML})
    accepted_invoice_kinds = PAYABLE_KINDS
    max_size = 100 * MB
    visibility = "both"
    address_help = "L'URL de l'API Flow Service, l'URL des jetons et les identifiants sont fournis par votre PA."

    def destination_clean(self, *, key: str, value: str) -> str:
        return (value or "").strip().rstrip("/")

    def refusal_reason(self, document, *, connection=None) -> str:
        reason = super().refusal_reason(document, connection=connection)
        if reason:
            return reason
        facts = invoice_facts_for_document(document=document)
        if facts is None or facts.status != InvoiceStatus.READ:
            return _("Une plateforme agréée ne reçoit que des factures structurées (Factur-X, UBL, CII) : "
                     "« %(name)s » n'en est pas une.") % {"name": document.name}
        if connection is not None and facts.seller_siren != connection.company.siren:
            return _("Le vendeur de cette facture (SIREN %(seller)s) n'est pas l'entreprise : une plateforme "
                     "agréée n'émet que les factures du vendeur.") % {"seller": facts.seller_siren or "?"}
        return ""
