from django.utils.translation import gettext as _

from comptoir.invoices.kinds import PAYABLE_KINDS
from comptoir.partners.catalogue.base import (
    API_DESTINATION,
    JPEG,
    MB,
    PDF,
    PNG,
    Category,
    DestinationSpec,
    PartnerApp,
)
from comptoir.partners.transports.upflow_api import UpflowApiTransport


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
    # Second way to connect: Upflow's REST API (`transports/upflow_api.py` holds its field names).
    api_transport = UpflowApiTransport

    def refusal_reason(self, document, *, connection=None) -> str:
        reason = super().refusal_reason(document, connection=connection)
        if reason or connection is None or connection.method != "api":
            return reason
        # Switching to the API never pushes again what was already emailed (a copy, a move back…).
        from comptoir.partners.models import Delivery, DeliveryStatus

        emailed = Delivery.objects.filter(lineage=document.lineage, destination__connection=connection,
                                          status=DeliveryStatus.SENT).exclude(destination__key=API_DESTINATION)
        if emailed.exists():
            return _("Déjà envoyée à Upflow par e-mail : elle n'est pas poussée une seconde fois par l'API.")
        return ""

    # Redefined so that today's transport, which only calls hooks a class redefines, names the invoice
    # in Upflow's mail (issue #11 makes the base class's hooks run for every app; then these can go).
    def email_subject(self, delivery):
        return super().email_subject(delivery)

    def email_body(self, delivery):
        return super().email_body(delivery)
