"""The catalogue, in one place: adding a partner app is adding its class to APPS."""

from django.http import Http404

from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.catalogue.expenses import NoteFacile
from comptoir.partners.catalogue.precompta import PieceExpress
from comptoir.partners.catalogue.upflow import Upflow
from comptoir.partners.catalogue.vault import CoffreFacture
from comptoir.partners.catalogue.webhook import SignedWebhook

APPS: tuple[type[PartnerApp], ...] = (Upflow, PieceExpress, NoteFacile, CoffreFacture, SignedWebhook)

_by_slug: dict[str, PartnerApp] = {app.slug: app() for app in APPS}


def app_register(app: type[PartnerApp]) -> None:
    """An app defined above `partners` (the PA of `einvoicing`) joins the catalogue from its `ready()`."""
    _by_slug.setdefault(app.slug, app())


def app_list() -> list[PartnerApp]:
    return list(_by_slug.values())


def app_get(slug: str) -> PartnerApp:
    """The app with this slug; a 404 for an unknown one (slugs come from URLs)."""
    try:
        return _by_slug[slug]
    except KeyError:
        raise Http404("unknown partner app") from None


def app_find(slug: str) -> PartnerApp | None:
    return _by_slug.get(slug)
