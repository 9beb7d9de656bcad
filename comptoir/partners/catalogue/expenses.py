from comptoir.partners.catalogue.base import JPEG, MB, PDF, PNG, Category, DestinationSpec, PartnerApp


class NoteFacile(PartnerApp):
    """An expense-report app: receipts go to one address per company."""

    slug = "note-facile"
    name = "NoteFacile"
    category = Category.EXPENSES
    logo_letters = "NF"
    logo_color = "#d9480f"
    short_description = {
        "fr": "Notes de frais : les justificatifs arrivent directement dans les notes des salariés.",
        "en": "Expense reports: receipts land straight in the employees' reports.",
    }
    long_description = {
        "fr": "NoteFacile rapproche les justificatifs (tickets, factures de restaurant, péages) des dépenses "
              "des salariés et prépare les remboursements. Reliez le dossier « Notes de frais » à l'adresse "
              "de réception des justificatifs de l'entreprise.",
        "en": "NoteFacile matches receipts (tickets, restaurant bills, tolls) to employees' expenses and "
              "prepares reimbursements. Bind the “Notes de frais” folder to the company's receipt address.",
    }
    destinations = (DestinationSpec("justificatifs", "Adresse de réception des justificatifs"),)
    accepted_types = frozenset({PDF, JPEG, PNG, "image/heic"})
    max_size = 10 * MB
    visibility = "company"
    demo_email = "demo@notefacile.example"
    address_help = "Dans NoteFacile : Administration › Réception par e-mail."
