"""ACD i-Suite Expert, the production software, by FTP (as Welyb's help centre documents it).

The firm enters its i-Suite Expert FTP access once (installation settings: host, port 21, login and
the clear password, not the encrypted one iSuite displays); each company gets its « code dossier »
(Dia Clients). The remote layout is an assumption: `docs/partners/isuite.md`.
"""

from comptoir.partners.catalogue.base import JPEG, MB, PDF, PNG, Category, PartnerApp
from comptoir.partners.methods.ftp import FTP_SETTINGS, FtpMethod, ftp_settings_check


class ISuite(PartnerApp):
    slug = "isuite"
    name = "ACD iSuite"
    category = Category.OCR
    logo_letters = "iS"
    logo_color = "#004b87"
    short_description = {
        "fr": "Production comptable ACD i-Suite Expert : les pièces déposées par FTP dans chaque dossier client.",
        "en": "ACD i-Suite Expert accounting production: documents dropped by FTP into each client dossier.",
    }
    long_description = {
        "fr": "Renseignez une fois l'accès FTP d'i-Suite Expert du cabinet (serveur, port 21, identifiant et "
              "mot de passe en clair, pas la version chiffrée qu'affiche iSuite), puis le « code dossier » "
              "(Dia Clients) de chaque entreprise. Les achats, les ventes et les autres pièces partent dans "
              "le dossier de l'entreprise.",
        "en": "Enter the firm's i-Suite Expert FTP access once (server, port 21, login and the clear password, "
              "not the encrypted one iSuite displays), then each company's « code dossier » (Dia Clients). "
              "Purchases, sales and other documents go to the company's dossier.",
    }
    destinations = ()
    methods = (FtpMethod(),)
    settings_fields = FTP_SETTINGS
    accepted_types = frozenset({PDF, JPEG, PNG, "image/tiff"})
    max_size = 50 * MB
    visibility = "firm"
    demo_email = "partenaires@acd-groupe.example"
    address_help = "Dans i-Suite Expert : Dia Clients › code dossier ; l'accès FTP est celui du cabinet."

    def settings_check(self, *, settings: dict) -> None:
        ftp_settings_check(app_name=self.name, settings=settings)
