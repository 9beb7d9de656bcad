"""6. Mail-in: messages/s accepted by `comptoir mail-in` (one 200 KB PDF each, smtplib clients), against
a plain aiosmtpd handler that writes each message to a file (the floor), same clients, same run.
"""

import smtplib
import threading
import time
import uuid
from email.message import EmailMessage

from bench.context import Context
from bench.harness import cpu_seconds, pdf_bytes, process_tree, wait_until
from bench.results import NotBuilt, Row, median
from bench.seed import optional
from bench.servers import command_exists, mail_in_start, sink_start

NAME = "mailin"
TARGET_RATIO = 0.5  # issue #11
PDF_SIZE = 200 * 1024
CLIENTS = 4
# The MTA in front of mail-in, whose Authentication-Results the listener believes: the benchmark's mail
# is authenticated and from an allowed sender, so it is deposited (not held « À valider »).
TRUSTED_MTA = "mx.bench.example"


def _messages(*, recipient: str, count: int, tag: str) -> list[bytes]:
    messages = []
    for index in range(count):
        message = EmailMessage()
        message["Authentication-Results"] = f"{TRUSTED_MTA}; dkim=pass header.d=client.example"
        # The line the MTA wrote on taking the message: only what it wrote above it is its own.
        message["Received"] = (f"from mail.client.example (mail.client.example [192.0.2.7]) by {TRUSTED_MTA} "
                               f"with ESMTPS id B{index}; Tue, 1 Dec 2026 10:00:00 +0000")
        message["From"] = "compta@client.example"
        message["To"] = recipient
        message["Subject"] = f"Facture {tag}-{index}"
        message["Message-ID"] = f"<{tag}-{index}-{uuid.uuid4().hex}@client.example>"
        message.set_content("Veuillez trouver la facture ci-jointe.")
        message.add_attachment(pdf_bytes(PDF_SIZE, f"{tag}-{index}"), maintype="application", subtype="pdf",
                               filename=f"facture-{index}.pdf")
        messages.append(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
    return messages


def _send_all(*, port: int, recipient: str, messages: list[bytes]) -> float:
    """Messages/s accepted by the server at `port`, from CLIENTS connections in parallel."""
    errors: list[str] = []
    shares = [messages[i::CLIENTS] for i in range(CLIENTS)]

    def client(share: list[bytes]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
                for payload in share:
                    smtp.sendmail("compta@client.example", [recipient], payload)
        except (OSError, smtplib.SMTPException) as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=client, args=(share,)) for share in shares if share]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} clients failed, first: {errors[0][:200]}")
    return len(messages) / elapsed


def run(ctx: Context) -> list[Row]:
    mailboxes = optional("comptoir.intake.selectors", "company_mailboxes")
    if not command_exists("mail-in") or mailboxes is None:
        raise NotBuilt("comptoir mail-in")
    from comptoir.ged.models import Document

    world = ctx.world()
    trust = optional("comptoir.intake.services.mailbox_policy", "mailbox_policy_set")
    if trust is not None:
        trust(company=world.company, allowed_senders="@client.example", actor=world.admin)
    recipient = mailboxes(world.company)["achats"]
    count = ctx.size(8, 200)
    proc, port = mail_in_start(ctx.stage, extra_env={"COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID": TRUSTED_MTA})
    floor_sink = sink_start(ctx.stage, mode="disk")
    rates, floors, cpu, floor_cpu = [], [], [], []
    try:
        # Warm-up: the listener has stored one message before anything is timed.
        before = Document.objects.filter(company=world.company, channel="email").count()
        _send_all(port=port, recipient=recipient, messages=_messages(recipient=recipient, count=1, tag="warm"))
        wait_until(lambda: Document.objects.filter(company=world.company, channel="email").count() > before,
                   timeout=60, what="mail-in to store its first document")
        for run_number in range(ctx.runs):
            tag = f"m{run_number}-{uuid.uuid4().hex[:6]}"
            messages = _messages(recipient=recipient, count=count, tag=tag)
            # CPU per message of each server (all its threads): unlike the rates, it holds on a loaded machine.
            sink_cpu = cpu_seconds(process_tree(floor_sink.proc.pid))
            floors.append(_send_all(port=floor_sink.port, recipient=recipient, messages=messages))
            floor_cpu.append((cpu_seconds(process_tree(floor_sink.proc.pid)) - sink_cpu) * 1000 / count)
            before = Document.objects.filter(company=world.company, channel="email").count()
            mailin_cpu = cpu_seconds(process_tree(proc.pid))
            rates.append(_send_all(port=port, recipient=recipient, messages=messages))
            cpu.append((cpu_seconds(process_tree(proc.pid)) - mailin_cpu) * 1000 / count)
            proc.check_alive()
            stored = Document.objects.filter(company=world.company, channel="email").count() - before
    finally:
        ctx.stage.stop(proc)
        ctx.stage.stop(floor_sink.proc)
    value, floor = median(rates), median(floors)
    ratio = value / floor if floor else None
    return [Row(bench=NAME, label=f"{count} messages, 200 KB PDF, {CLIENTS} clients", value=value, unit="msgs/s",
                floor=floor, ratio=ratio, target=f"≥ {TARGET_RATIO:.0%} of floor",
                ok=ratio >= TARGET_RATIO if ratio is not None else None,
                note=f"{stored}/{count} documents stored when the last message was accepted; CPU ms per message: "
                     f"mail-in {median(cpu):.1f}, floor {median(floor_cpu):.1f}",
                extra={"runs": rates, "floor_runs": floors, "cpu_ms": cpu, "floor_cpu_ms": floor_cpu})]
