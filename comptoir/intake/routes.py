"""Mail addresses owned by apps above intake (a document request's reply address), registered at start-up.

A route maps an address to where its mail is filed. It only routes: the message is authenticated and
judged like any collection mail, so an unauthenticated one waits in « À valider ».
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from comptoir.firms.models import Company
from comptoir.ged.models import Folder


@dataclass(frozen=True)
class MailRoute:
    company: Company
    folder: Folder
    box: str
    # Authenticated From: addresses accepted besides the company's allowed senders (e.g. the request's addressees).
    senders: frozenset[str] = field(default_factory=frozenset)


MailRouter = Callable[[str], MailRoute | None]
_routers: list[MailRouter] = []


def mail_route_register(router: MailRouter) -> None:
    if router not in _routers:
        _routers.append(router)


def mail_route_resolve(address: str) -> MailRoute | None:
    for router in list(_routers):
        route = router(address)
        if route is not None:
            return route
    return None
