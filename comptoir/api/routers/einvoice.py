"""E-invoicing settings of a company: who acts on its invoices (the firm, or also its administrators)."""

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import StrictBool

from comptoir.api.schemas import ErrorOut
from comptoir.firms.models import Company
from comptoir.firms.policy import firms_policy
from comptoir.firms.selectors import company_get_for_user
from comptoir.firms.services import company_einvoice_settings_set

router = Router(tags=["Facturation électronique"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class EinvoiceSettingsIn(Schema):
    clients_may_answer: StrictBool


class EinvoiceSettingsOut(Schema):
    company_id: int
    clients_may_answer: bool


def _company(request: HttpRequest, company_id: int) -> Company:
    """Another tenant's company is a 404; a client user of this one sees it but may not change this (403)."""
    company = company_get_for_user(user=request.auth, company_id=company_id)
    firms_policy.require(request.auth, "company.einvoice_settings", company)
    return company


def _out(company: Company) -> dict:
    return {"company_id": company.pk, "clients_may_answer": company.clients_may_answer}


@router.get("/companies/{int:company_id}/einvoice/settings", response={200: EinvoiceSettingsOut, **ERRORS},
            summary="Qui répond aux factures reçues et complète les données de facture")
def einvoice_settings_get(request: HttpRequest, company_id: int):
    return _out(_company(request, company_id))


@router.put("/companies/{int:company_id}/einvoice/settings", response={200: EinvoiceSettingsOut, **ERRORS},
            summary="Laisser les administrateurs de l'entreprise répondre aux factures reçues et compléter les "
                    "données de facture")
def einvoice_settings_put(request: HttpRequest, company_id: int, payload: EinvoiceSettingsIn):
    """`clients_may_answer` : les administrateurs de l'entreprise répondent aux factures reçues et complètent
    les données de facture (sinon le cabinet seul ; jamais les utilisateurs simples). Réservé au cabinet."""
    company = company_einvoice_settings_set(company=_company(request, company_id),
                                            clients_may_answer=payload.clients_may_answer, actor=request.auth)
    return _out(company)
