"""A PA connection's settings: the Flow Service URL, the token URL, the client id and its secret.

The secret is stored encrypted (`partners.credentials`) and never echoed; saving a connection first
obtains a token and calls `/v1/healthcheck`, so wrong credentials are said at once with the PA's words.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comptoir.einvoicing.client import FlowServiceClient, InvalidCredentials
from comptoir.partners.credentials import secret_decrypt, secret_encrypt
from comptoir.partners.models import Connection
from comptoir.partners.transports import PermanentError, TransientError


def pa_settings_clean(*, api_url: str, token_url: str, client_id: str, client_secret: str) -> dict:
    """Check the settings against the PA (token + healthcheck); the config to store. Raises
    `InvalidCredentials` (the PA's message) or ValidationError."""
    values = {"api_url": (api_url or "").strip().rstrip("/"), "token_url": (token_url or "").strip(),
              "client_id": (client_id or "").strip(), "client_secret": (client_secret or "").strip()}
    missing = {key: [_("Ce champ est obligatoire.")] for key, value in values.items() if not value}
    if missing:
        raise ValidationError(missing)
    if values["api_url"].endswith("/v1"):
        values["api_url"] = values["api_url"][:-3].rstrip("/")
    client = FlowServiceClient(**values)
    try:
        client.token_forget()
        client.healthcheck()
    except InvalidCredentials:
        raise
    except PermanentError as exc:
        if exc.reply.startswith("HTTP 401") or exc.reply.startswith("HTTP 403"):
            raise InvalidCredentials(exc.reply) from exc
        raise ValidationError({"api_url": [exc.reply]}) from exc
    except TransientError as exc:
        raise ValidationError({"api_url": [_("La plateforme est injoignable, réessayez plus tard : %(reply)s")
                                           % {"reply": exc.reply}]}) from exc
    finally:
        client.close()
    return {"api_url": values["api_url"], "token_url": values["token_url"], "client_id": values["client_id"],
            "client_secret_encrypted": secret_encrypt(values["client_secret"])}


def pa_client_for(connection: Connection) -> FlowServiceClient:
    config = connection.config or {}
    try:
        secret = secret_decrypt(config.get("client_secret_encrypted") or "")
    except ValueError as exc:
        raise PermanentError("Le secret de la plateforme ne peut pas être déchiffré : saisissez-le de nouveau.") \
            from exc
    if not config.get("api_url") or not config.get("client_id"):
        raise PermanentError("Connexion à la plateforme sans réglages : renseignez l'URL et les identifiants.")
    return FlowServiceClient(api_url=config["api_url"], token_url=config.get("token_url") or "",
                             client_id=config["client_id"], client_secret=secret)


def pa_connection_set(*, installation, company, api_url: str, token_url: str, client_id: str, client_secret: str,
                      actor, auto_paid: bool | None = None):
    """Connect a company to its PA by the `afnor` method: checked first (token + healthcheck), then saved
    with the secret encrypted. Raises `InvalidCredentials` or ValidationError; saves nothing then."""
    from django.db import transaction

    from comptoir.core.services import audit_event_record
    from comptoir.partners.services import connection_set

    config = pa_settings_clean(api_url=api_url, token_url=token_url, client_id=client_id,
                               client_secret=client_secret)
    with transaction.atomic():
        connection = connection_set(installation=installation, company=company,
                                    destinations={"afnor": config["api_url"]}, actor=actor)
        # Until the partner contract lets a method own its settings (#24), the PA's live in `config`.
        connection.config = {**(connection.config or {}), **config, "method": "afnor"}
        if auto_paid is not None:
            connection.config["auto_paid"] = bool(auto_paid)
        connection.save(update_fields=["config", "updated_at"])
        audit_event_record(actor=actor, action="einvoice.connection_set", target=connection,
                           firm_id=installation.firm_id,
                           data={"company": company.pk, "api_url": config["api_url"], "client_id": config["client_id"]})
    return connection
