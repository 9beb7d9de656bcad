"""Recurring templates: November's request on the configured day for each subscribed company, never twice."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from comptoir.core.errors import PermissionDenied
from comptoir.docrequests.jobs import TEMPLATES, templates_run
from comptoir.docrequests.models import DocumentRequest
from comptoir.docrequests.services import template_create
from comptoir.jobs.scheduler import periodic_jobs_run_due
from tests.factories import CompanyFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def nov(day: int, hour: int = 8, minute: int = 55) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def subscribed(firm, company):
    fiscal = {"fiscal_year_start": dt.date(2026, 1, 1), "fiscal_year_end": dt.date(2026, 12, 31)}
    return [CompanyFactory(firm=firm, name="Épicerie Delta", **fiscal), CompanyFactory(firm=firm, name="Café Epsilon",
                                                                                         **fiscal)]


@pytest.fixture
def monthly(firm_admin, subscribed):
    return template_create(actor=firm_admin, title="Relevés bancaires", frequency="monthly", day=5,
                           items=["relevé BNP", "relevé Qonto"], folder_role="ventes", due_days=10,
                           companies=subscribed)


def test_november_request_is_made_on_day_5_for_each_subscribed_company_and_not_twice(monthly, subscribed, firm,
                                                                                     company):
    assert templates_run(firm_id=firm.pk, now=nov(4)) == 0
    assert templates_run(firm_id=firm.pk, now=nov(5)) == 2
    assert templates_run(firm_id=firm.pk, now=nov(5)) == 0  # the scheduler ran twice
    assert templates_run(firm_id=firm.pk, now=nov(20)) == 0  # later in November: still one
    made = DocumentRequest.objects.order_by("company__name")
    assert [r.company for r in made] == sorted(subscribed, key=lambda c: c.name)  # not the unsubscribed company
    for request in made:
        assert request.title == "Relevés bancaires – novembre 2026" and request.period == "2026-11"
        assert request.due_date == dt.date(2026, 11, 15)
        assert request.folder.month == dt.date(2026, 11, 1) and request.folder.parent.role == "ventes"
        assert [item.label for item in request.items.all()] == ["relevé BNP", "relevé Qonto"]
    assert templates_run(firm_id=firm.pk, now=dt.datetime(2026, 12, 5, 9, tzinfo=PARIS)) == 2  # December's


def test_quarterly_and_yearly_periods(firm_admin, subscribed, firm):
    template_create(actor=firm_admin, title="TVA", frequency="quarterly", day=10, folder_role="fiscal",
                    companies=subscribed[:1])
    template_create(actor=firm_admin, title="Inventaire", frequency="yearly", month=12, day=20,
                    folder_role="a-classer", companies=subscribed[:1])
    assert templates_run(firm_id=firm.pk, now=dt.datetime(2026, 10, 9, 9, tzinfo=PARIS)) == 0
    assert templates_run(firm_id=firm.pk, now=dt.datetime(2026, 10, 10, 9, tzinfo=PARIS)) == 1  # Q4's
    assert templates_run(firm_id=firm.pk, now=nov(10)) == 0  # still Q4: made already
    assert templates_run(firm_id=firm.pk, now=dt.datetime(2026, 12, 19, 9, tzinfo=PARIS)) == 0
    assert templates_run(firm_id=firm.pk, now=dt.datetime(2026, 12, 20, 9, tzinfo=PARIS)) == 1  # the year's
    assert sorted(DocumentRequest.objects.values_list("period", flat=True)) == ["2026", "2026-T4"]


def test_only_the_firm_makes_templates_for_its_own_companies(client_user, firm_admin, other_company):
    with pytest.raises(PermissionDenied):
        template_create(actor=client_user, title="x")
    with pytest.raises(PermissionDenied):
        template_create(actor=firm_admin, title="x", companies=[other_company])


def test_the_scheduler_running_twice_makes_one_request(firm_admin, company, firm):
    today = timezone.localdate()
    template_create(actor=firm_admin, title="Pièces du mois", day=min(today.day, 28), folder_role="a-classer",
                    companies=[company])
    # The job's due time today (08:55 in Paris) may be ahead: run it as the scheduler would, for its scope.
    TEMPLATES.run(f"firm:{firm.pk}")
    periodic_jobs_run_due(worker="w1")
    periodic_jobs_run_due(worker="w2")
    TEMPLATES.run(f"firm:{firm.pk}")
    assert DocumentRequest.objects.filter(company=company).count() == 1
