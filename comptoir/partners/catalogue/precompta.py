from comptoir.partners.catalogue.base import JPEG, MB, PDF, PNG, Category, DestinationSpec, PartnerApp


class PieceExpress(PartnerApp):
    """A pre-accounting (OCR) tool with one intake address for purchases and one for sales."""

    slug = "piece-express"
    name = "Pièce Express"
    category = Category.OCR
    logo_letters = "PE"
    logo_color = "#0f8a6a"
    short_description = {
        "fr": "Pré-comptabilité : lecture automatique des factures d'achat et de vente.",
        "en": "Pre-accounting: automatic reading of purchase and sales invoices.",
    }
    long_description = {
        "fr": "Pièce Express lit les factures (OCR), propose les écritures et les rapproche des relevés "
              "bancaires. Chaque entreprise dispose d'une adresse de collecte pour les achats et d'une pour "
              "les ventes : reliez le dossier « Achats » à la première et « Ventes » à la seconde.",
        "en": "Pièce Express reads invoices (OCR), suggests entries and matches them to bank statements. "
              "Each company has one collection address for purchases and one for sales: bind the “Achats” "
              "folder to the first and “Ventes” to the second.",
    }
    destinations = (
        DestinationSpec("achats", "Adresse de collecte des achats"),
        DestinationSpec("ventes", "Adresse de collecte des ventes"),
    )
    accepted_types = frozenset({PDF, JPEG, PNG, "image/heic", "image/tiff"})
    max_size = 20 * MB
    visibility = "firm"
    demo_email = "demo@piece-express.example"
    address_help = "Dans Pièce Express : Société › Collecte par e-mail."
