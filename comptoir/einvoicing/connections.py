"""A PA connection: the `afnor` method's credentials (Flow Service URL, token URL, client id and secret).

The partner contract (`partners.methods`) stores and checks them: the secret encrypted, never echoed,
and saving obtains a token and calls `/v1/healthcheck` first (`AfnorMethod.credentials_check`).
"""

from comptoir.einvoicing.client import FlowServiceClient
from comptoir.partners.models import Connection
from comptoir.partners.transports import PermanentError


def pa_client_for(connection: Connection) -> FlowServiceClient:
    from comptoir.einvoicing.partner import AfnorMethod

    method = AfnorMethod()
    credentials = method.credentials(connection=connection)
    if not credentials.get("api_url") or not credentials.get("client_id"):
        raise PermanentError("Connexion à la plateforme sans réglages : renseignez l'URL et les identifiants.")
    return method.client(credentials)


def pa_connection_set(*, installation, company, api_url: str, token_url: str, client_id: str, client_secret: str,
                      actor, check: bool = True) -> Connection:
    """Connect a company to its PA by the `afnor` method (raises partners' InvalidCredentials or ValidationError)."""
    from comptoir.partners.services import connection_set

    return connection_set(installation=installation, company=company, method="afnor", actor=actor, check=check,
                          credentials={"api_url": api_url, "token_url": token_url, "client_id": client_id,
                                       "client_secret": client_secret})
