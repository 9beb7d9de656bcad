"""The catalogue: partner apps register here (`partner_app_register`); the store lists what is registered.

The catalogue's own apps register below; a test (or a later app package) registers its class the
same way and is then in the store, the API's catalogue and the OpenAPI connection schema.
"""

from django.http import Http404

from comptoir.partners.catalogue.base import Category, PartnerApp
from comptoir.partners.catalogue.inqom import Inqom
from comptoir.partners.catalogue.isuite import ISuite
from comptoir.partners.catalogue.upflow import Upflow
from comptoir.partners.catalogue.webhook import SignedWebhook

_by_slug: dict[str, PartnerApp] = {}


def partner_app_register(app_class: type[PartnerApp]) -> PartnerApp:
    """Add (or replace) an app in the catalogue; its destination keys must be unique across its methods."""
    app = app_class()
    keys = [spec.key for method in app.methods for spec in method.destinations(app)]
    names = [method.name for method in app.methods]
    if len(set(keys)) != len(keys) or len(set(names)) != len(names) or not names:
        raise ValueError(f"{app_class.__name__}: method names and destination keys must be unique")
    _by_slug[app.slug] = app
    return app


def partner_app_unregister(slug: str) -> None:
    _by_slug.pop(slug, None)


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


# Apps that left the catalogue (issue #24): their send history stays readable under their name.
RETIRED: dict[str, str] = {"piece-express": "Pièce Express", "note-facile": "NoteFacile",
                           "coffre-facture": "Coffre Facture"}


class RetiredApp(PartnerApp):
    """A name for the history of an app no longer in the catalogue: it connects and sends nothing."""

    category = Category.INTEGRATION
    short_description = long_description = {"fr": "Application retirée du catalogue.",
                                            "en": "App withdrawn from the catalogue."}
    destinations = ()
    visibility = "firm"

    def __init__(self, slug: str, name: str):
        self.slug, self.name = slug, name


def app_get_for_history(slug: str) -> PartnerApp:
    """The app, or a retired one's name (its deliveries stay readable); 404 for a slug never known."""
    if slug in RETIRED and slug not in _by_slug:
        return RetiredApp(slug, RETIRED[slug])
    return app_get(slug)


def method_names() -> list[str]:
    """Every registered method's name, for the API's connection schema."""
    return list(dict.fromkeys(method.name for app in app_list() for method in app.methods))


for _app_class in (Upflow, Inqom, ISuite, SignedWebhook):
    partner_app_register(_app_class)
