import datetime as dt

import pytest
from django.utils import timezone

from comptoir.intake.smtp import MailInController
from tests.factories import CompanyFactory


@pytest.fixture
def mail_in(settings):
    """The real mail-in listener on an ephemeral loopback port."""
    settings.MAIL_DOMAIN = "depot.test"
    controller = MailInController(host="127.0.0.1", port=0, max_bytes=2 * 1024 * 1024)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def july_company(firm):
    """A company whose fiscal year runs from July to June, covering today."""
    today = timezone.localdate()
    start_year = today.year if today.month >= 7 else today.year - 1
    return CompanyFactory(firm=firm, name="Vignoble Juillet",
                          fiscal_year_start=dt.date(start_year, 7, 1), fiscal_year_end=dt.date(start_year + 1, 6, 30))
