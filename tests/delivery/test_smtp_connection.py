"""One SMTP connection per worker thread: consecutive sends share it, a refusal does not poison it, a
connection the partner's server closed while idle is reopened once, and a large attachment arrives intact."""

import os
import threading

import pytest
from aiosmtpd.smtp import SMTP

from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.transports.smtp_session import smtp_sessions_kept
from tests.delivery.conftest import drain, ventes
from tests.factories import deposit_pdf
from tests.smtp_server import SmtpServer, _Handler, _LoopbackController


class _CountingController(_LoopbackController):
    """Counts the connections the server accepted and those still open; `idle_timeout` closes idle ones."""

    def __init__(self, handler, *, idle_timeout: float):
        super().__init__(handler)
        self.idle_timeout = idle_timeout
        self.changed = threading.Condition()
        self.opened = 0
        self.open_now = 0

    def factory(self):
        controller = self

        class _Counting(SMTP):
            def connection_made(self, transport):
                with controller.changed:
                    controller.opened += 1
                    controller.open_now += 1
                    controller.changed.notify_all()
                super().connection_made(transport)

            def connection_lost(self, error):
                with controller.changed:
                    controller.open_now -= 1
                    controller.changed.notify_all()
                super().connection_lost(error)

        return _Counting(self.handler, timeout=self.idle_timeout, **self.SMTP_kwargs)

    def wait_open(self, count: int, timeout: float = 10.0) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.open_now == count, timeout=timeout), self.open_now


class _CountingServer(SmtpServer):
    def start_counting(self, *, idle_timeout: float = 300) -> "_CountingServer":
        self._controller = _CountingController(_Handler(self), idle_timeout=idle_timeout)
        self._controller.start()
        self._controller.wait_open(0)  # aiosmtpd's own start-up probe has gone
        with self._controller.changed:
            self._controller.opened = 0
        self.port = self._controller.port
        return self


@pytest.fixture
def counting_smtp(settings):
    servers = []

    def start(**kwargs) -> _CountingServer:
        server = _CountingServer().start_counting(**kwargs)
        servers.append(server)
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        return server

    with smtp_sessions_kept():  # this test's thread keeps its connection, as a worker thread does
        yield start
    for server in servers:
        server.stop()


def test_consecutive_sends_share_one_connection_and_a_refusal_does_not_poison_it(counting_smtp, upflow,
                                                                                 company, firm_admin):
    server = counting_smtp()
    server.reply_with("550 5.1.1 mailbox unavailable", times=1, stage="rcpt")
    first = Delivery.objects.get(document=deposit_pdf(ventes(company), actor=firm_admin, name="a.pdf"))
    assert drain() == 1
    server.reply_with("451 4.3.0 try later", times=1, stage="data")
    second = Delivery.objects.get(document=deposit_pdf(ventes(company), actor=firm_admin, name="b.pdf"))
    assert drain() == 1
    third = Delivery.objects.get(document=deposit_pdf(ventes(company), actor=firm_admin, name="c.pdf"))
    fourth = Delivery.objects.get(document=deposit_pdf(ventes(company), actor=firm_admin, name="d.pdf"))
    assert drain() == 2

    messages = server.wait_for(2)
    assert sorted(int(m["X-Comptoir-Delivery-Id"]) for m in messages) == sorted([third.pk, fourth.pk])
    statuses = {d.pk: d.status for d in Delivery.objects.filter(pk__in=[first.pk, second.pk, third.pk, fourth.pk])}
    assert statuses == {first.pk: DeliveryStatus.FAILED, second.pk: DeliveryStatus.RETRYING,
                        third.pk: DeliveryStatus.SENT, fourth.pk: DeliveryStatus.SENT}
    assert server._controller.opened == 1


def test_a_connection_closed_by_the_server_while_idle_is_reopened_once(counting_smtp, upflow, company,
                                                                       firm_admin):
    server = counting_smtp(idle_timeout=0.3)
    deposit_pdf(ventes(company), actor=firm_admin, name="a.pdf")
    assert drain() == 1
    server._controller.wait_open(0)  # the server dropped our idle connection

    second = Delivery.objects.get(document=deposit_pdf(ventes(company), actor=firm_admin, name="b.pdf"))
    assert drain() == 1
    server.wait_for(2)
    second.refresh_from_db()
    assert second.status == DeliveryStatus.SENT and second.attempts == 1
    assert server._controller.opened == 2


def test_a_large_attachment_arrives_byte_for_byte(counting_smtp, upflow, company, firm_admin):
    server = counting_smtp()
    # Not a multiple of the 57-byte base64 line, nor of the read chunk; lines starting with dots.
    content = b"%PDF-1.7\n" + b"\n.\r\n..\n" + os.urandom(3 * 1024 * 1024 + 11) + b"\n.\n%%EOF\n"
    deposit_pdf(ventes(company), actor=firm_admin, name="gros.pdf", content=content)
    assert drain() == 1
    [message] = server.wait_for(1)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content() == content
