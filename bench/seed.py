"""The data the benchmarks need, made through the project's own services (Django must be set up)."""

import importlib
import io
import itertools
from dataclasses import dataclass

_sirens = itertools.count(100_000)


def siren_next() -> str:
    """A fresh SIREN with a valid Luhn key."""
    from comptoir.firms.validators import luhn_valid

    while True:
        stem = f"{next(_sirens):08d}"
        for key in range(10):
            if luhn_valid(stem + str(key)):
                return stem + str(key)


def optional(module: str, name: str):
    """A function of another area if it is in the tree yet, else None (its benchmark says n/a)."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


@dataclass
class World:
    firm: object
    admin: object
    token: str
    company: object
    sales: object  # the "Ventes" folder of the annual accounting folder


_firms = itertools.count(1)


def world_create() -> World:
    from comptoir.accounts.services import api_token_create
    from comptoir.firms.services import firm_create
    from comptoir.ged.models import Folder
    from comptoir.ged.services import company_onboard

    number = next(_firms)
    firm, admin = firm_create(name=f"Cabinet Banc {number}", admin_email=f"admin{number}@banc.example",
                              admin_password="banc-d-essai-2026!")
    _, token = api_token_create(user=admin, name="bench")
    company = company_onboard(firm=firm, actor=admin, name=f"Entreprise Banc {number}", siren=siren_next())
    sales = (Folder.objects.filter(company=company, role="ventes").order_by("depth").first()
             or Folder.objects.filter(company=company, parent__isnull=True).order_by("id").first())
    return World(firm=firm, admin=admin, token=token, company=company, sales=sales)


def partner_switch_on(world: World, *, folder, slug: str = "upflow", key: str | None = None):
    """Install the app, connect the company to an address, switch the folder on. Returns the connection.

    None when the partner services are not in the tree yet.
    """
    installation_create = optional("comptoir.partners.services", "installation_create")
    connection_set = optional("comptoir.partners.services", "connection_set")
    folder_switch_set = optional("comptoir.partners.services", "folder_switch_set")
    if not (installation_create and connection_set and folder_switch_set):
        return None
    from comptoir.partners.catalogue.registry import app_get
    from comptoir.partners.models import Installation

    app = app_get(slug)
    installation = (Installation.objects.filter(firm=world.firm, app_slug=slug, removed_at__isnull=True).first()
                    or installation_create(firm=world.firm, slug=slug, actor=world.admin))
    if slug == "inqom":  # Inqom takes only its own addresses (`achat.<entreprise>@inqombox.com`…)
        from comptoir.partners.catalogue.inqom import INQOM_DOMAIN, PREFIXES

        destinations = {key: f"{prefix}.{world.company.slug}@{INQOM_DOMAIN}" for key, prefix in PREFIXES.items()}
    else:
        destinations = {spec.key: f"{spec.key}.{world.company.slug}@partenaire.example" for spec in app.destinations}
    connection = connection_set(installation=installation, company=world.company, destinations=destinations,
                                actor=world.admin)
    folder_switch_set(folder=folder, connection=connection, state="on", destination=key, actor=world.admin)
    return connection


def probe_deposit(world: World, folder, *, tag: str) -> list[int]:
    """Deposit a small PDF in `folder` through the deposit service; the ids of the deliveries it made."""
    from bench.harness import pdf_bytes
    from comptoir.ged.services import document_deposit
    from comptoir.partners.models import Delivery

    document = document_deposit(folder=folder, file=io.BytesIO(pdf_bytes(2048, tag)), channel="api",
                                actor=world.admin, filename=f"sonde-{tag}.pdf")
    return list(Delivery.objects.filter(document=document).values_list("pk", flat=True))


def switched_folder(world: World, *, name: str, slug: str = "upflow", key: str | None = None):
    """A fresh folder under "Ventes", switched on for `slug`; raises NotBuilt when the pieces are missing."""
    from bench.results import NotBuilt
    from comptoir.ged.services import folder_create

    folder = folder_create(company=world.company, parent=world.sales, name=name, actor=world.admin)
    if partner_switch_on(world, folder=folder, slug=slug, key=key) is None:
        raise NotBuilt("partner services installation_create / connection_set / folder_switch_set")
    if not probe_deposit(world, folder, tag=f"probe-{name}"):
        raise NotBuilt("a deposit in a switched-on folder creates no delivery")
    return folder
