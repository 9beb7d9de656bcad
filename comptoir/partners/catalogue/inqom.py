"""Inqom, the pre-accounting tool: each company has four collection addresses at `inqombox.com`."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comptoir.partners.addresses import email_address_normalise
from comptoir.partners.catalogue.base import JPEG, MB, PDF, PNG, Category, DestinationSpec, PartnerApp
from comptoir.partners.methods import EmailMethod

INQOM_DOMAIN = "inqombox.com"
# Our plural destination keys → the prefix of Inqom's address for that flow.
PREFIXES = {"achats": "achat", "ventes": "vente", "ndf": "ndf", "admin": "admin"}


class InqomEmailMethod(EmailMethod):
    """Inqom's addresses are `<flux>.<entreprise>@inqombox.com`: a pasted address of the wrong flow
    (a sales address in the purchases field) is refused beside its field."""

    def destination_clean(self, *, app, key: str, value: str) -> str:
        address = email_address_normalise(value)
        local, _at, domain = address.rpartition("@")
        prefix = PREFIXES[key]
        if domain != INQOM_DOMAIN or not local.lower().startswith(f"{prefix}.") or len(local) <= len(prefix) + 1:
            raise ValidationError(_("Adresse Inqom attendue : %(prefix)s.<entreprise>@%(domain)s.")
                                  % {"prefix": prefix, "domain": INQOM_DOMAIN}, code="inqom")
        return address


class Inqom(PartnerApp):
    slug = "inqom"
    name = "Inqom"
    category = Category.OCR
    logo_letters = "In"
    logo_color = "#0b6e4f"
    short_description = {
        "fr": "Pré-comptabilité : achats, ventes, notes de frais et pièces administratives collectés par e-mail.",
        "en": "Pre-accounting: purchases, sales, expense reports and admin documents collected by email.",
    }
    long_description = {
        "fr": "Inqom lit les pièces et prépare les écritures. Chaque entreprise a quatre adresses de collecte "
              "chez Inqom : achat.…, vente.…, ndf.… et admin.…@inqombox.com. Collez-les une fois, puis "
              "« Relier les dossiers habituels » active Achats, Ventes, Notes de frais, Juridique et Social "
              "dans chaque dossier annuel (Fiscal reste à votre main). Inqom n'accepte que les expéditeurs "
              "autorisés : déclarez l'adresse d'envoi du portail.",
        "en": "Inqom reads documents and prepares the entries. Each company has four collection addresses at "
              "Inqom: achat.…, vente.…, ndf.… and admin.…@inqombox.com. Paste them once, then “Link the usual "
              "folders” switches on Purchases, Sales, Expense reports, Legal and Payroll in every annual "
              "folder (Tax is left to you). Inqom only accepts allow-listed senders: declare the portal's "
              "sending address.",
    }
    destinations = (
        DestinationSpec("achats", "Adresse des achats (achat.…@inqombox.com)"),
        DestinationSpec("ventes", "Adresse des ventes (vente.…@inqombox.com)"),
        DestinationSpec("ndf", "Adresse des notes de frais (ndf.…@inqombox.com)"),
        DestinationSpec("admin", "Adresse administrative et juridique (admin.…@inqombox.com)"),
    )
    methods = (InqomEmailMethod(),)
    # « Relier les dossiers habituels »: folder role → destination key (Fiscal is left to the firm).
    usual_folders = {"achats": "achats", "ventes": "ventes", "ndf": "ndf", "juridique": "admin", "social": "admin"}
    accepted_types = frozenset({PDF, JPEG, PNG, "image/tiff", "image/heic"})
    max_size = 20 * MB
    visibility = "firm"
    demo_email = "partenaires@inqom.example"
    address_help = "Dans Inqom : Paramètres du dossier › Collecte par e-mail (les quatre adresses)."
