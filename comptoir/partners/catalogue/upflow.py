from comptoir.invoices.kinds import PAYABLE_KINDS
from comptoir.partners.catalogue.base import JPEG, MB, PDF, PNG, Category, DestinationSpec, PartnerApp
from comptoir.partners.methods import EmailMethod
from comptoir.partners.methods.upflow_api import UpflowApiMethod


class Upflow(PartnerApp):
    slug = "upflow"
    name = "Upflow"
    category = Category.RECEIVABLES
    logo_letters = "Up"
    logo_color = "#5b3df5"
    short_description = {
        "fr": "Suivi du poste client et relances automatisées des factures de vente.",
        "en": "Receivables tracking and automated dunning of sales invoices.",
    }
    long_description = {
        "fr": "Chaque facture de vente déposée dans un dossier connecté part automatiquement vers Upflow, "
              "qui suit les encaissements et relance les clients à votre place. Votre client doit être "
              "client d'Upflow : l'adresse de collecte des factures se trouve dans Upflow, "
              "Paramètres du compte › Gérer les utilisateurs. Nous conseillons de n'activer que le dossier "
              "« Ventes » du dossier comptable annuel.",
        "en": "Every sales invoice deposited in a connected folder goes to Upflow automatically, which tracks "
              "payments and chases customers for you. Your client must be an Upflow customer: the invoice "
              "collection address is in Upflow, Account settings › Manage users. We recommend switching on "
              "only the “Ventes” (sales) folder of the annual accounting folder.",
    }
    destinations = (DestinationSpec("collection", "Adresse de collecte des factures"),)
    accepted_types = frozenset({PDF, JPEG, PNG})
    max_size = 25 * MB
    visibility = "both"
    demo_email = "partenaires@upflow.example"
    address_help = "Dans Upflow : Paramètres du compte › Gérer les utilisateurs."
    # Receivables: only what is to be paid (or credited). A proforma, a quote, an order is skipped.
    accepted_invoice_kinds = PAYABLE_KINDS
    # By the collection email (the default), or by Upflow's REST API with the invoice's data and the
    # payment status coming back (`methods/upflow_api.py` holds what is sent).
    methods = (EmailMethod(), UpflowApiMethod())
