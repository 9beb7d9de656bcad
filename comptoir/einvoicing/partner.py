"""The « Plateforme agréée » partner (slug `pa`): a company's e-invoices in and out through its PA.

One way to connect, per company: the PA's AFNOR XP Z12-013 Flow Service (`afnor`, `AfnorMethod`),
whose fields are the Flow Service URL, the token URL, a client id and its secret (encrypted, never
echoed). Saving it obtains a token and calls `/v1/healthcheck`. A PA only takes structured invoices,
and only the seller's: a plain PDF, or an invoice whose seller is not the company, is skipped with
that reason.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.einvoicing.client import FlowServiceClient, InvalidCredentials
from comptoir.einvoicing.submission import PaFlowTransport
from comptoir.invoices.kinds import PAYABLE_KINDS
from comptoir.invoices.models import InvoiceStatus
from comptoir.invoices.selectors import invoice_facts_for_document
from comptoir.partners.catalogue.base import MB, PDF, Category, PartnerApp
from comptoir.partners.credentials import Field
from comptoir.partners.methods import ConnectionMethod, CredentialsRefused, DestinationSpec, Sent
from comptoir.partners.transports import PermanentError

XML = "application/xml"
DESTINATION = "afnor"


def api_url_clean(value: str) -> str:
    """The Flow Service base, the part before /v1 (a URL given with /v1 is cut there)."""
    value = value.strip().rstrip("/")
    if value.endswith("/v1"):
        value = value[:-3].rstrip("/")
    if not value.startswith(("https://", "http://")):
        raise ValidationError(_("L'URL doit commencer par https://."))
    return value


def token_url_clean(value: str) -> str:
    value = value.strip()
    if not value.startswith(("https://", "http://")):
        raise ValidationError(_("L'URL doit commencer par https://."))
    return value


class AfnorMethod(ConnectionMethod):
    name = "afnor"
    label = gettext_lazy("par l'API AFNOR Flow Service (XP Z12-013)")
    kind_label = gettext_lazy("API (HTTPS)")
    kind = "api"
    transport = PaFlowTransport
    fields = (Field("api_url", gettext_lazy("URL de l'API Flow Service"), clean=api_url_clean, input_type="url",
                    help=gettext_lazy("La partie avant /v1, donnée par votre plateforme.")),
              Field("token_url", gettext_lazy("URL des jetons (OAuth2)"), clean=token_url_clean, input_type="url"),
              Field("client_id", gettext_lazy("Identifiant client")),
              Field("client_secret", gettext_lazy("Secret client"), secret=True, input_type="password"))
    addresses_typed = False

    def destinations(self, app):
        return (DestinationSpec(DESTINATION, "API Flow Service (AFNOR XP Z12-013)"),)

    def destination_address(self, *, app, spec, credentials) -> str:
        return f"PA {credentials.get('api_url', '')}"[:500]

    def client(self, credentials: dict) -> FlowServiceClient:
        return FlowServiceClient(api_url=credentials["api_url"], token_url=credentials["token_url"],
                                 client_id=credentials["client_id"], client_secret=credentials["client_secret"])

    def credentials_check(self, *, app, credentials: dict, settings: dict) -> None:
        client = self.client(credentials)
        try:
            client.token_forget()
            client.healthcheck()
        except InvalidCredentials as exc:
            raise CredentialsRefused(_("La plateforme refuse ces identifiants : %(reply)s") % {"reply": exc.reply},
                                     reply=exc.reply, field="client_secret") from exc
        except PermanentError as exc:
            raise CredentialsRefused(_("La plateforme refuse la connexion : %(reply)s") % {"reply": exc.reply},
                                     reply=exc.reply, field="api_url") from exc
        finally:
            client.close()

    def refusal_reason(self, *, app, document, connection) -> str:
        facts = invoice_facts_for_document(document=document)
        if facts is None or facts.status != InvoiceStatus.READ:
            return _("Une plateforme agréée ne reçoit que des factures structurées (Factur-X, UBL, CII) : "
                     "« %(name)s » n'en est pas une.") % {"name": document.name}
        if facts.seller_siren != connection.company.siren:
            return _("Le vendeur de cette facture (SIREN %(seller)s) n'est pas l'entreprise : une plateforme "
                     "agréée n'émet que les factures du vendeur.") % {"seller": facts.seller_siren or "?"}
        return ""

    def send(self, *, app, delivery) -> Sent:
        return Sent(reply=self.transport().send(app=app, delivery=delivery))


class PlateformeAgreee(PartnerApp):
    slug = "pa"
    name = gettext_lazy("Plateforme agréée")  # a kind of platform, not a brand: translated
    category = Category.EINVOICING
    methods = (AfnorMethod(),)
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
    destinations = ()
    accepted_types = frozenset({PDF, XML})
    accepted_invoice_kinds = PAYABLE_KINDS
    max_size = 100 * MB
    visibility = "both"
    address_help = "L'URL de l'API Flow Service, l'URL des jetons et les identifiants sont fournis par votre PA."
