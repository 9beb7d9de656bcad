"""Warnings and 'not readable' reasons, stored as codes with parameters and worded when shown.

Stored as codes so a page in English shows them in English; the API gives the French sentences.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MESSAGES = {
    # Validation problems: shown as warnings, never a refused deposit.
    "schema": gettext_noop("Le XML ne respecte pas le schéma du profil %(profile)s : %(detail)s"),
    "profile_unknown": gettext_noop("Profil de facture électronique non reconnu : données lues au mieux."),
    "number_missing": gettext_noop("La facture ne porte pas de numéro."),
    "seller_siren_invalid": gettext_noop("Le SIREN du vendeur (%(value)s) n'est pas valide (clé de contrôle)."),
    "buyer_siren_invalid": gettext_noop("Le SIREN de l'acheteur (%(value)s) n'est pas valide (clé de contrôle)."),
    "seller_siret_invalid": gettext_noop("Le SIRET du vendeur (%(value)s) n'est pas valide (clé de contrôle)."),
    "buyer_siret_invalid": gettext_noop("Le SIRET de l'acheteur (%(value)s) n'est pas valide (clé de contrôle)."),
    "seller_vat_invalid": gettext_noop("Le numéro de TVA du vendeur (%(value)s) n'est pas valide."),
    "buyer_vat_invalid": gettext_noop("Le numéro de TVA de l'acheteur (%(value)s) n'est pas valide."),
    "amount_invalid": gettext_noop("Un montant est illisible (%(value)s)."),
    "totals_mismatch": gettext_noop("Les totaux ne concordent pas : HT %(excl)s + TVA %(tax)s ≠ TTC %(incl)s."),
    "amount_rounded": gettext_noop("Montant écrit %(value)s arrondi au centime : %(amount)s."),
    "due_dates_several": gettext_noop(
        "%(count)s échéances : la plus proche (%(date)s) est retenue comme date d'échéance."),
    "negative_amount": gettext_noop("Montant négatif : s'agit-il d'un avoir ?"),
    # What the accountant should look at.
    "third_party_seller": gettext_noop(
        "Facture émise par un tiers ? Le SIREN du vendeur (%(seller)s) n'est pas celui de l'entreprise "
        "(%(company)s)."),
    "purchase_in_sales": gettext_noop(
        "Facture d'achat classée dans Ventes ? L'entreprise en est l'acheteur."),
    "sales_in_purchases": gettext_noop(
        "Facture de vente classée dans Achats ? L'entreprise en est le vendeur."),
    "duplicate": gettext_noop("Déjà reçue le %(date)s (« %(name)s »)."),
    # Why a file with structured data could not be read.
    "too_large": gettext_noop("Fichier trop volumineux pour en lire les données de facture."),
    "xml_too_large": gettext_noop("Données de facture trop volumineuses pour être lues."),
    "xml_refused": gettext_noop("XML refusé : déclarations DTD ou entités non autorisées."),
    "xml_broken": gettext_noop("Le XML de la facture est illisible : %(detail)s"),
    "pdf_broken": gettext_noop("Le PDF n'a pas pu être ouvert pour y chercher une facture électronique."),
    "unsupported": gettext_noop("Format de facture électronique non pris en charge (%(flavor)s)."),
    "too_slow": gettext_noop("La lecture des données de facture a dépassé le temps imparti."),
    "failed": gettext_noop("Les données de facture n'ont pas pu être lues."),
}

# A payable filed on the wrong side: shown as a badge on the document and as `misfiled` in the API.
PURCHASE_IN_SALES, SALES_IN_PURCHASES = "purchase_in_sales", "sales_in_purchases"
MISFILED = {
    PURCHASE_IN_SALES: gettext_noop("Facture d'achat classée dans Ventes"),
    SALES_IN_PURCHASES: gettext_noop("Facture de vente classée dans Achats"),
}


def notice(code: str, **params: str) -> dict:
    return {"code": code, "params": {key: str(value) for key, value in params.items()}}


def notice_text(item: dict) -> str:
    """The sentence for a stored notice, in the active language."""
    message = MESSAGES.get(item.get("code", ""), MESSAGES["failed"])
    try:
        return _(message) % item.get("params", {})
    except (KeyError, ValueError, TypeError):
        return _(message)


def notice_texts_fr(items: list[dict]) -> list[str]:
    with translation.override("fr"):
        return [notice_text(item) for item in items]


def misfiled_code(items: list[dict]) -> str | None:
    """`purchase_in_sales`, `sales_in_purchases` or None, from a document's stored notices."""
    return next((item["code"] for item in items if item.get("code") in MISFILED), None)
