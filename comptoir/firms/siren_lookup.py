"""Filling a new company from its SIREN: a pluggable provider, chosen by COMPTOIR_SIREN_LOOKUP.

"" (the default) means no lookup (no network is assumed); "recherche-entreprises" is the public
API of the French administration (https://recherche-entreprises.api.gouv.fr, no key); any other
value is the dotted path of a class with a `lookup(siren)` method (tests use a fake one).
"""

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompanyFacts:
    siren: str
    name: str
    siret: str = ""


class SirenLookup(Protocol):
    def lookup(self, siren: str) -> CompanyFacts | None: ...


class SirenLookupUnavailable(Exception):
    """The source did not answer (network, timeout, 5xx): the form says so and stays as typed."""


class RechercheEntreprises:
    """`GET {base}/search?q=<siren>`: the first result whose SIREN matches, its name and head office's SIRET."""

    def __init__(self, base_url: str | None = None, timeout: float = 5.0):
        self.base_url = (base_url or settings.COMPTOIR_SIREN_LOOKUP_URL).rstrip("/")
        self.timeout = timeout

    def lookup(self, siren: str) -> CompanyFacts | None:
        try:
            response = httpx.get(f"{self.base_url}/search", params={"q": siren, "page": 1, "per_page": 5},
                                 timeout=self.timeout)
        except httpx.HTTPError as error:
            raise SirenLookupUnavailable(str(error)) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise SirenLookupUnavailable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            return None
        for result in response.json().get("results", []):
            if result.get("siren") == siren:
                siege = result.get("siege") or {}
                return CompanyFacts(siren=siren, name=result.get("nom_raison_sociale") or result.get("nom_complet", ""),
                                    siret=siege.get("siret") or "")
        return None


def siren_lookup_provider() -> SirenLookup | None:
    name = settings.COMPTOIR_SIREN_LOOKUP
    if not name:
        return None
    if name == "recherche-entreprises":
        return RechercheEntreprises()
    return import_string(name)()
