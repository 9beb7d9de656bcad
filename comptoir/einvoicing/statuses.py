"""The lifecycle statuses of an e-invoice (« statuts du cycle de vie », XP Z12-012), in one table.

The codes and French labels 200–214 are those of the standard's CDAR examples and of the French
e-invoicing specifications; 215–228 are the extended statuses (factoring, direct payment, routing
errors…). A received status is shown with this table's label; the label the message carried
(`ProcessCondition`) is kept beside it, so a code this table words differently is never lost.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class StatusCode:
    code: str
    label: object  # lazy French msgid, English in locale/en
    # What the receiving side may answer from the portal, and which answers need a reason.
    answer: bool = False
    needs_reason: bool = False


STATUSES: dict[str, StatusCode] = {s.code: s for s in (
    StatusCode("200", _("Déposée")),
    StatusCode("201", _("Émise par la plateforme")),
    StatusCode("202", _("Reçue par la plateforme")),
    StatusCode("203", _("Mise à disposition")),
    StatusCode("204", _("Prise en charge"), answer=True),
    StatusCode("205", _("Approuvée"), answer=True),
    StatusCode("206", _("Approuvée partiellement"), answer=True, needs_reason=True),
    StatusCode("207", _("En litige"), answer=True, needs_reason=True),
    StatusCode("208", _("Suspendue"), answer=True, needs_reason=True),
    StatusCode("209", _("Complétée")),
    StatusCode("210", _("Refusée"), answer=True, needs_reason=True),
    StatusCode("211", _("Paiement transmis"), answer=True),
    StatusCode("212", _("Encaissée")),
    StatusCode("213", _("Rejetée")),
    StatusCode("214", _("Visée")),
    StatusCode("215", _("Demande de paiement direct")),
    StatusCode("216", _("Paiement direct effectué")),
    StatusCode("217", _("Affacturée")),
    StatusCode("218", _("Affacturée confidentiel")),
    StatusCode("219", _("Changement de compte à payer")),
    StatusCode("220", _("Annulée")),
    StatusCode("221", _("Erreur de routage")),
    StatusCode("222", _("Demande de complément")),
    StatusCode("223", _("Complément transmis")),
    StatusCode("224", _("Non affacturée")),
    StatusCode("225", _("Paiement partiel")),
    StatusCode("226", _("Compensée")),
    StatusCode("227", _("Escomptée")),
    StatusCode("228", _("Archivée")),
)}

# The four a PA must carry; 212 is due when VAT is payable on receipt.
MANDATORY = ("200", "210", "212", "213")
ANSWERS = tuple(code for code, status in STATUSES.items() if status.answer)
# Sent invoices that came back with one of these go to the dashboard's « Rejets et refus ».
REJECTIONS = ("210", "213")

# Reason codes a refusal or a dispute may carry (the standard's list, abridged to the common ones;
# any other code may be given, with the free text).
REASON_CODES: dict[str, object] = {
    "TX_TVA_ERR": _("Taux de TVA erroné"),
    "MONTANTTOTAL_ERR": _("Montant total erroné"),
    "CALCUL_ERR": _("Erreur de calcul"),
    "NON_CONFORME": _("Facture non conforme"),
    "DOUBLON": _("Facture en double"),
    "DEST_ERR": _("Destinataire erroné"),
    "TRANSAC_INC": _("Transaction inconnue"),
    "EMMET_INC": _("Émetteur inconnu"),
    "CONTRAT_TERM": _("Contrat terminé"),
    "DOUBLE_FACT": _("Double facturation"),
    "CMD_ERR": _("Commande erronée"),
    "ADR_ERR": _("Adresse erronée"),
    "REF_CT_ABSENT": _("Référence contractuelle absente"),
    "AUTRE": _("Autre motif"),
}


def status_label(code: str, fallback: str = "") -> str:
    status = STATUSES.get(code)
    if status is not None:
        return str(status.label)
    return fallback.replace("_", " ") or f"Statut {code}"
