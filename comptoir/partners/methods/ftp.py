"""By FTP: the firm's access is an installation setting, each company has a directory (its dossier code).

Each file goes to `<dossier code>/<destination>/<name>` (destinations `achats`, `ventes`, `autres`).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.ged.blobs import blob_open
from comptoir.partners.credentials import Field, fields_clear
from comptoir.partners.methods import ConnectionMethod, CredentialsRefused, DestinationSpec, Sent
from comptoir.partners.transports import PermanentError
from comptoir.partners.transports.ftp import FtpAccess, ftp_check, ftp_upload


def _dossier_code(value: str) -> str:
    from django.core.exceptions import ValidationError

    code = value.strip()
    if not code or not all(char.isalnum() or char in "-_" for char in code) or len(code) > 40:
        raise ValidationError(_("Code dossier invalide : lettres, chiffres, tirets (40 au plus)."))
    return code


FTP_SETTINGS = (
    Field("host", gettext_lazy("Serveur FTP")),
    Field("port", gettext_lazy("Port"), default="21"),
    Field("username", gettext_lazy("Identifiant")),
    Field("password", gettext_lazy("Mot de passe (en clair)"), secret=True, input_type="password"),
    Field("tls", gettext_lazy("Chiffrement"), default="required", choices=("required", "off")),
    Field("ca_pem", gettext_lazy("Autorité de certification (PEM, serveur auto-hébergé)"), required=False,
          input_type="textarea"),
)


def ftp_access(settings: dict) -> FtpAccess:
    try:
        port = int(settings.get("port") or 21)
    except ValueError:
        port = 21
    return FtpAccess(host=settings["host"], port=port, username=settings["username"], password=settings["password"],
                     tls=settings.get("tls") or "required", ca_pem=settings.get("ca_pem") or "")


class FtpMethod(ConnectionMethod):
    name = "ftp"
    label = gettext_lazy("par FTP")
    kind_label = gettext_lazy("dépôt FTP")
    kind = "ftp"
    fields = (Field("dossier_code", gettext_lazy("Code dossier"), clean=_dossier_code),)
    addresses_typed = False

    def destinations(self, app):
        return (DestinationSpec("achats", "Achats"), DestinationSpec("ventes", "Ventes"),
                DestinationSpec("autres", "Autres pièces"))

    def destination_address(self, *, app, spec, credentials) -> str:
        return f"{credentials.get('dossier_code', '')}/{spec.key}"

    def installation_access(self, *, app, installation) -> FtpAccess:
        try:
            settings = fields_clear(app.settings_fields, installation.settings or {})
        except ValueError as exc:
            raise PermanentError(_("Le mot de passe FTP ne peut pas être déchiffré : saisissez-le de "
                                   "nouveau.")) from exc
        if not settings.get("host") or not settings.get("password"):
            raise PermanentError(_("Accès FTP de %(app)s non renseigné (réglages de l'application).")
                                 % {"app": app.name})
        return ftp_access(settings)

    def send(self, *, app, delivery) -> Sent:
        connection = delivery.destination.connection
        access = self.installation_access(app=app, installation=connection.installation)
        code = self.credentials(connection=connection)["dossier_code"]
        document = delivery.document
        with blob_open(document.blob) as stream:
            content = stream.read()
        path = ftp_upload(access, directory=[code, delivery.destination.key], name=document.name, content=content,
                          temp_name=f".comptoir-{delivery.pk}.part")
        return Sent(reply=f"FTP : {path} ({len(content)} octets)")


def ftp_settings_check(*, app_name: str, settings: dict) -> None:
    """The FTP access is tried (login) before it is saved; the server's reply when it refuses."""
    try:
        ftp_check(ftp_access(settings))
    except PermanentError as exc:
        raise CredentialsRefused(_("%(app)s : le serveur FTP refuse l'accès : %(reply)s")
                                 % {"app": app_name, "reply": exc.reply}, reply=exc.reply, field="password") from exc
