"""A worker thread claims a small batch per sweep: each delivery still goes out once, and what it
has not tried when it stops is due again at once for another worker, with no attempt counted."""

from comptoir.delivery.models import DeliveryAttempt
from comptoir.delivery.services import delivery_batch_send, delivery_claim_due
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.delivery.conftest import drain, ventes
from tests.factories import deposit_pdf


def _ids(smtp_server) -> list[int]:
    return sorted(int(message["X-Comptoir-Delivery-Id"]) for message in smtp_server.messages)


def test_a_sweep_claims_a_few_deliveries_at_once_and_each_is_sent_once(smtp_server, upflow, company, firm_admin):
    for i in range(16):
        deposit_pdf(ventes(company), actor=firm_admin, name=f"f{i}.pdf")
    first = delivery_claim_due(worker_id="a", limit=8)
    second = delivery_claim_due(worker_id="b", limit=8)
    assert 1 < len(first) <= 8 and 1 < len(second) <= 8, "a small backlog is shared, not taken by one worker"
    assert not {d.pk for d in first} & {d.pk for d in second}, "no delivery claimed twice"
    assert delivery_batch_send(deliveries=first, worker_id="a") == len(first)
    assert delivery_batch_send(deliveries=second, worker_id="b") == len(second)
    drain(worker_id="c")

    smtp_server.wait_for(16)
    assert _ids(smtp_server) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}


def test_a_stopping_worker_gives_back_the_rest_of_its_batch(smtp_server, upflow, company, firm_admin):
    for i in range(16):
        deposit_pdf(ventes(company), actor=firm_admin, name=f"f{i}.pdf")
    batch = delivery_claim_due(worker_id="stopping", limit=8)
    assert len(batch) > 1
    answers = iter([False])  # SIGTERM arrives while the first delivery is being sent

    assert delivery_batch_send(deliveries=batch, worker_id="stopping", stopping=lambda: next(answers, True)) == 1
    # No lease to wait for: another worker sends the rest now.
    assert drain(worker_id="other") == 15
    smtp_server.wait_for(16)
    assert _ids(smtp_server) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    assert set(DeliveryAttempt.objects.values_list("number", flat=True)) == {1}
