"""The intake hook: mail to a request's address is filed in the request's folder (see intake/routes.py)."""

from comptoir.docrequests.addresses import BOX, request_token_parse
from comptoir.docrequests.models import DocumentRequest, RequestStatus
from comptoir.intake.routes import MailRoute


def docrequest_mail_route(address: str) -> MailRoute | None:
    """The route of an open request's address; a closed or unknown one is an unknown mailbox (550)."""
    token = request_token_parse(address)
    if token is None:
        return None
    request = (DocumentRequest.objects.select_related("company__firm", "folder")
               .filter(token=token, folder__deleted_at__isnull=True)
               .exclude(status=RequestStatus.CLOSED).first())
    if request is None:
        return None
    senders = frozenset(email.lower() for email in request.addressees.values_list("email", flat=True))
    return MailRoute(company=request.company, folder=request.folder, box=BOX, senders=senders)
