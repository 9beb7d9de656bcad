"""7. CPU per deposit with and without the e-invoice reader: a 100 KB plain PDF, a 100 KB Factur-X, and
every file of the public corpus (`tests/invoices/corpus/`: EN 16931 and AFNOR examples, our own samples).

CPU time of this process (`time.process_time`), not wall time, so a loaded machine does not move the
figure much. "Before" is the same deposit with the reader unregistered from the GED's seam; each
pair is measured alternately in the same run, and the medians are compared.
"""

import time
import uuid
from pathlib import Path

from django.core.files.base import ContentFile

from bench.context import Context
from bench.results import Row, median

NAME = "invoice"
SIZE = 100 * 1024
TARGETS_MS = {"plain": 2.0, "facturx": 15.0}


def _payloads(kind: str, count: int, tag: str) -> list[bytes]:
    # The test corpus builds the files (the factur-x library embeds a CII XML checked against its XSD).
    from tests.invoices import corpus

    if kind == "plain":
        return [corpus.plain_pdf(text=f"{tag}-{i}", target_size=SIZE) for i in range(count)]
    return [corpus.facturx_pdf(corpus.Invoice(number=f"{tag}-{i}"), target_size=SIZE) for i in range(count)]


def _corpus() -> list[bytes]:
    root = Path(__file__).resolve().parents[1] / "tests" / "invoices" / "corpus"
    return [path.read_bytes() for path in sorted(root.glob("*/*")) if path.suffix.lower() in (".xml", ".pdf")]


def _cpu_ms_per_deposit(*, folder, payloads: list[bytes], reader_on: bool) -> float:
    from comptoir.ged.readers import document_reader_register, document_reader_unregister
    from comptoir.ged.services import document_deposit
    from comptoir.invoices.services import invoice_reader

    if not reader_on:
        document_reader_unregister(invoice_reader)
    try:
        started = time.process_time()
        for index, payload in enumerate(payloads):
            suffix = "pdf" if payload.startswith(b"%PDF") else "xml"
            document_deposit(folder=folder, file=ContentFile(payload), channel="api", actor=None,
                             filename=f"banc-{index}.{suffix}")
        return (time.process_time() - started) * 1000 / len(payloads)
    finally:
        document_reader_register(invoice_reader)


def run(ctx: Context) -> list[Row]:
    from comptoir.ged.services import folder_create

    world = ctx.world()
    folder = folder_create(company=world.company, parent=None, name=f"Banc factures {uuid.uuid4().hex[:6]}",
                           actor=world.admin)
    count = ctx.size(4, 40)
    rows = []
    for kind, label in (("plain", "100 KB plain PDF"), ("facturx", "100 KB Factur-X (EN 16931)")):
        _cpu_ms_per_deposit(folder=folder, payloads=_payloads(kind, 3, f"warm-{kind}"), reader_on=True)
        before, after = [], []
        for run_number in range(ctx.runs):
            for reader_on, figures in ((False, before), (True, after)):
                payloads = _payloads(kind, count, f"{kind}-{run_number}-{reader_on}-{uuid.uuid4().hex[:6]}")
                figures.append(_cpu_ms_per_deposit(folder=folder, payloads=payloads, reader_on=reader_on))
        without, with_reader = median(before), median(after)
        delta = with_reader - without
        rows.append(Row(
            bench=NAME, label=label, value=with_reader, unit="ms CPU/deposit", floor=without,
            ratio=with_reader / without if without else None, target=f"≤ +{TARGETS_MS[kind]:.0f} ms",
            ok=delta <= TARGETS_MS[kind],
            note=f"reader adds {delta:+.2f} ms CPU per deposit (without it: {without:.2f} ms)",
            extra={"before_runs": before, "after_runs": after, "deposits": count},
        ))
    if _corpus():
        rows.append(run_corpus(ctx, folder))
    return rows


def run_corpus(ctx: Context, folder) -> Row:
    """The whole corpus, deposited once per run with the reader and once without (in a fresh folder each)."""
    from comptoir.ged.services import folder_create

    files = _corpus()
    before, after = [], []
    for run_number in range(ctx.runs):
        for reader_on, figures in ((False, before), (True, after)):
            target = folder_create(company=folder.company, parent=folder, actor=None,
                                   name=f"corpus {run_number} {reader_on} {uuid.uuid4().hex[:6]}")
            figures.append(_cpu_ms_per_deposit(folder=target, payloads=files, reader_on=reader_on))
    without, with_reader = median(before), median(after)
    return Row(bench=NAME, label=f"corpus ({len(files)} files)", value=with_reader, unit="ms CPU/deposit",
               floor=without, ratio=with_reader / without if without else None, target="(figure)", ok=True,
               note=f"reader adds {with_reader - without:+.2f} ms CPU per deposit on average",
               extra={"before_runs": before, "after_runs": after, "files": len(files)})
