"""One formatting per language: dates, amounts, SIREN, sizes, punctuation; the exercise folder's name."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from comptoir.core.templatetags.comptoir_format import day, filesize, money, siren, siret, when
from comptoir.ged.folder_templates import annual_folder_name
from comptoir.web.typography import html_typography

NBSP, NNBSP = "\u00a0", "\u202f"
MOMENT = datetime(2026, 12, 1, 22, 8, tzinfo=ZoneInfo("UTC"))  # 23:08 in Paris


def test_french_date_and_time_is_day_month_year_hours_minutes():
    with translation.override("fr"):
        assert when(MOMENT) == "01/12/2026 23:08"
        assert day(date(2026, 12, 1)) == "01/12/2026"


def test_english_date_has_one_format_too():
    with translation.override("en"):
        assert when(MOMENT) == "1 Dec 2026, 23:08"
        assert day(date(2026, 12, 1)) == "1 Dec 2026"


def test_django_date_filter_and_short_format_agree_in_french():
    """Pages of other areas use `|date` or SHORT_DATE_FORMAT: both give the same in French."""
    from django.template import Context, Template

    template = Template('{{ d|date }} {{ d|date:"SHORT_DATE_FORMAT" }} {{ m|date:"DATETIME_FORMAT" }}')
    with translation.override("fr"):
        rendered = template.render(Context({"d": date(2026, 12, 1), "m": MOMENT}))
        assert rendered == "01/12/2026 01/12/2026 01/12/2026 23:08"


def test_amounts_group_thousands_and_place_the_euro_per_language():
    with translation.override("fr"):
        assert money(Decimal("1234.56")) == f"1{NBSP}234,56{NBSP}€"
    with translation.override("en"):
        assert money(Decimal("1234.56")) == "€1,234.56"


def test_siren_and_siret_are_grouped_by_three():
    assert siren("443061841") == f"443{NBSP}061{NBSP}841"
    assert siret("44306184100047") == f"443{NBSP}061{NBSP}841{NBSP}00047"
    assert siren("abc") == "abc"


def test_sizes_use_one_unit_per_language():
    with translation.override("fr"):
        assert filesize(30_000_000) == f"28,6{NBSP}Mo"
    with translation.override("en"):
        assert filesize(30_000_000) == f"28.6{NBSP}MB"


def test_french_typography_puts_non_breaking_spaces_before_double_punctuation():
    html = "<p>Upflow : envoyé ; voir ? Oui ! 23:08 https://x.fr &amp; Co</p><script>a ? b : c</script>"
    assert html_typography(html, "fr") == (f"<p>Upflow{NBSP}: envoyé{NNBSP}; voir{NNBSP}? Oui{NNBSP}! 23:08 "
                                            "https://x.fr &amp; Co</p><script>a ? b : c</script>")


def test_english_has_no_space_before_punctuation():
    assert html_typography("<span>Upflow : skipped ?</span>", "en") == "<span>Upflow: skipped?</span>"


@pytest.mark.django_db
def test_pages_carry_the_typography_of_their_language(admin_client, company):
    page = admin_client.get(reverse("web:company", args=[company.pk])).text
    admin_client.get(reverse("web:home"))
    assert f"Votre dernière visite{NBSP}:" in admin_client.get(reverse("web:home")).text
    assert f"443{NBSP}061{NBSP}841" in page or company.siren not in page
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = admin_client.get(reverse("web:home")).text
    assert f"{NBSP}:" not in english and " :" not in english.split("<body", 1)[1].replace(" : ", "")


def test_exercise_folder_is_named_from_both_years_when_not_the_calendar_year():
    assert annual_folder_name(date(2026, 7, 1), date(2027, 6, 30)) == "Exercice 2026-2027"
    assert annual_folder_name(date(2026, 1, 1), date(2026, 12, 31)) == "Dossier comptable annuel 2026"
    # Configurable per firm: the year the fiscal year ends in.
    assert annual_folder_name(date(2026, 7, 1), date(2027, 6, 30), style="end_year") == "Dossier comptable annuel 2027"


@pytest.mark.django_db
def test_a_firm_that_prefers_the_closing_year_gets_it_for_its_new_companies(firm):
    from comptoir.ged.models import Folder
    from tests.factories import CompanyFactory

    firm.exercise_folder_style = "end_year"
    firm.save(update_fields=["exercise_folder_style"])
    company = CompanyFactory(firm=firm, fiscal_year_start=date(2026, 7, 1), fiscal_year_end=date(2027, 6, 30))
    assert Folder.objects.get(company=company, role="annual").name == "Dossier comptable annuel 2027"
