import datetime as dt

import pytest
from django.utils import timezone

from comptoir.intake.services.mailbox_policy import mailbox_policy_ensure
from comptoir.intake.smtp import MailInController
from tests.factories import CompanyFactory

# The authserv-id of "our" MTA in tests: its Authentication-Results headers are believed when they sit
# above the Received: line it wrote on taking the message (its border hop, RECEIVED_BY_MTA).
TRUSTED_MTA = "mx.depot.test"
RECEIVED_BY_MTA = (f"from mail.client.example (mail.client.example [192.0.2.7]) by {TRUSTED_MTA} (Postfix) "
                   "with ESMTPS id 4F1A2B3C; Tue, 1 Dec 2026 10:00:00 +0000")


class DnsZone(dict):
    """TXT records by name (b"sel._domainkey.allowed.fr."), answered to dkimpy instead of a real resolver."""

    def lookup(self, name: bytes, timeout: int = 5) -> bytes | None:
        return self.get(name if isinstance(name, bytes) else name.encode())


@pytest.fixture
def dns_zone() -> DnsZone:
    return DnsZone()


@pytest.fixture
def mail_in(settings, dns_zone):
    """The real mail-in listener on an ephemeral loopback port, trusting the results of TRUSTED_MTA."""
    settings.MAIL_DOMAIN = "depot.test"
    settings.COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID = TRUSTED_MTA
    controller = MailInController(host="127.0.0.1", port=0, max_bytes=2 * 1024 * 1024, dnsfunc=dns_zone.lookup)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def trust_senders(company, *patterns: str, untrusted: str = "quarantine"):
    """Let authenticated mail from these addresses or @domains be deposited (the firm's policy)."""
    policy = mailbox_policy_ensure(company=company)
    policy.allowed_senders = "\n".join(patterns)
    policy.untrusted = untrusted
    policy.save()
    return policy


def mta_stamp(message, results: str):
    """What our MTA puts on top of a message it takes: its Authentication-Results over its Received: line."""
    headers = [("Authentication-Results", results), ("Received", RECEIVED_BY_MTA)] + list(message.items())
    for name in set(message.keys()):
        del message[name]
    for name, value in headers:
        message[name] = value
    return message


def authenticated(message, *, domain: str = "example.com", authserv_id: str = TRUSTED_MTA):
    """What our MTA adds to a message whose DKIM signature of `domain` it verified."""
    return mta_stamp(message, f"{authserv_id}; dkim=pass header.d={domain}")


@pytest.fixture
def july_company(firm):
    """A company whose fiscal year runs from July to June, covering today."""
    today = timezone.localdate()
    start_year = today.year if today.month >= 7 else today.year - 1
    return CompanyFactory(firm=firm, name="Vignoble Juillet",
                          fiscal_year_start=dt.date(start_year, 7, 1), fiscal_year_end=dt.date(start_year + 1, 6, 30))
