from comptoir.partners.catalogue.base import MB, Category, DestinationSpec, PartnerApp
from comptoir.partners.methods.webhook import WebhookMethod


class SignedWebhook(PartnerApp):
    """The generic API kind: each document is POSTed to a URL, signed with a per-connection secret."""

    slug = "webhook"
    name = "Webhook HTTPS signé"
    category = Category.INTEGRATION
    methods = (WebhookMethod(),)
    logo_letters = "{}"
    logo_color = "#374151"
    short_description = {
        "fr": "Envoie chaque document à votre URL HTTPS, signé (HMAC-SHA256).",
        "en": "Posts each document to your HTTPS URL, signed (HMAC-SHA256).",
    }
    long_description = {
        "fr": "Pour relier un outil maison ou un partenaire sans adresse de collecte : chaque document "
              "entrant dans un dossier connecté est envoyé par POST à l'URL indiquée, avec une signature "
              "HMAC-SHA256 calculée avec le secret de la connexion et une clé d'idempotence, pour que le "
              "récepteur vérifie l'origine et ignore les doublons.",
        "en": "To connect an in-house tool or a partner without a collection address: every document entering "
              "a connected folder is POSTed to the given URL with an HMAC-SHA256 signature computed with the "
              "connection's secret and an idempotency key, so the receiver can check the origin and ignore "
              "duplicates.",
    }
    destinations = (DestinationSpec("endpoint", "URL de réception (HTTPS)"),)
    # Whatever the GED stores: the receiver decides.
    accepted_types = frozenset()
    max_size = 100 * MB
    visibility = "firm"
    demo_email = ""
    address_help = "Le secret de signature est généré à la connexion et affiché ci-dessous."
