from comptoir.partners.catalogue.base import JPEG, MB, PDF, PNG, Category, DestinationSpec, PartnerApp


class CoffreFacture(PartnerApp):
    """An e-invoicing platform and legal archive, with one address per kind of document."""

    slug = "coffre-facture"
    name = "Coffre Facture"
    category = Category.VAULT
    logo_letters = "CF"
    logo_color = "#1c5d99"
    short_description = {
        "fr": "Plateforme de facturation électronique et coffre-fort à valeur probante.",
        "en": "E-invoicing platform and legally binding digital vault.",
    }
    long_description = {
        "fr": "Coffre Facture archive les pièces avec horodatage et intégrité garantie, et échange les "
              "factures électroniques (Factur-X, UBL, CII) imposées à toutes les entreprises françaises "
              "depuis septembre 2026. Chaque entreprise dispose de quatre adresses de dépôt : achats, ventes, "
              "notes de frais et administratif.",
        "en": "Coffre Facture archives documents with timestamps and guaranteed integrity, and exchanges the "
              "e-invoices (Factur-X, UBL, CII) required of every French company since September 2026. Each "
              "company has four intake addresses: purchases, sales, expense reports and admin.",
    }
    destinations = (
        DestinationSpec("achats", "Adresse de dépôt des achats"),
        DestinationSpec("ventes", "Adresse de dépôt des ventes"),
        DestinationSpec("ndf", "Adresse de dépôt des notes de frais"),
        DestinationSpec("admin", "Adresse de dépôt administrative"),
    )
    accepted_types = frozenset({PDF, JPEG, PNG, "image/tiff", "application/xml"})
    max_size = 50 * MB
    visibility = "both"
    demo_email = "commercial@coffre-facture.example"
    address_help = "Dans Coffre Facture : Paramètres › Adresses de dépôt."
