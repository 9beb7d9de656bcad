"""Watched folders: files are taken once they stop growing, exactly once, even across restarts."""

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from comptoir.ged.models import Document
from comptoir.intake.services import watch as watch_module
from comptoir.intake.services.watch import DirectoryWatcher, WatchMapping, watch_mappings_load
from tests.factories import PDF_BYTES, folder_named


@pytest.fixture
def scans(tmp_path):
    return tmp_path / "scanner"


@pytest.fixture
def watcher(company, scans):
    return DirectoryWatcher(WatchMapping(directory=scans, folder=folder_named(company, "À classer")))


def test_mapping_file_names_company_and_folder_path(company, scans, tmp_path):
    config = tmp_path / "watch.json"
    annual = folder_named(company, "Achats").parent.name
    config.write_text(json.dumps([{"directory": str(scans), "company": company.slug, "folder": f"{annual}/Achats"}]))
    [mapping] = watch_mappings_load(config)
    assert mapping.folder == folder_named(company, "Achats")
    toml = tmp_path / "watch.toml"
    toml.write_text(f'[[watch]]\ndirectory = "{scans}"\ncompany_id = {company.pk}\n'
                    f'folder_id = {folder_named(company, "Banque").pk}\n')
    assert watch_mappings_load(toml)[0].folder == folder_named(company, "Banque")


def test_file_written_slowly_is_taken_once_after_it_stops_growing(watcher, scans):
    scans.mkdir()
    target = scans / "scan-001.pdf"
    stop_writing = threading.Event()

    def slow_writer():
        with target.open("wb") as stream:
            stream.write(PDF_BYTES)
            for _ in range(8):
                stream.write(b"%" + b"x" * 1000 + b"\n")
                stream.flush()
                time.sleep(0.15)
        stop_writing.set()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    polls_while_writing = 0
    while not stop_writing.is_set():
        assert watcher.poll() == []  # still growing: never taken
        polls_while_writing += 1
        # Polls further apart than the writer's pauses, as in real use (2 s vs. a scanner's bursts).
        stop_writing.wait(0.35)
    writer.join(timeout=10)
    assert polls_while_writing >= 3
    taken = []
    deadline = time.monotonic() + 10
    while not taken and time.monotonic() < deadline:
        taken = watcher.poll()
    [document] = taken
    assert document.channel == "scanner"
    assert document.size == target.with_name("done").joinpath("scan-001.pdf").stat().st_size
    assert watcher.poll() == [] and watcher.poll() == []
    assert Document.objects.count() == 1
    assert not target.exists()


def test_refused_file_goes_to_failed_with_a_reason(watcher, scans):
    scans.mkdir()
    (scans / "programme.pdf").write_bytes(b"\x7fELF" + b"\x00" * 64)
    watcher.poll()
    watcher.poll()
    assert (scans / "failed" / "programme.pdf").exists()
    assert "exécutable" in (scans / "failed" / "programme.pdf.reason.txt").read_text()
    assert not Document.objects.exists()


def test_restart_after_deposit_but_before_move_deposits_nothing_twice(watcher, company, scans, monkeypatch):
    scans.mkdir()
    (scans / "facture.pdf").write_bytes(PDF_BYTES)
    watcher.poll()

    take = watch_module._move_aside
    moves = []

    def killed(*args, **kwargs):
        moves.append(args)
        if len(moves) > 1:  # taking it into .processing/ works; the move to done/ never happens
            raise KeyboardInterrupt("process killed")
        return take(*args, **kwargs)

    monkeypatch.setattr(watch_module, "_move_aside", killed)
    with pytest.raises(KeyboardInterrupt):
        watcher.poll()
    assert Document.objects.count() == 1
    assert (scans / ".processing" / "facture.pdf").exists()
    monkeypatch.undo()

    restarted = DirectoryWatcher(WatchMapping(directory=scans, folder=folder_named(company, "À classer")))
    assert restarted.poll() == []
    assert Document.objects.count() == 1
    assert (scans / "done" / "facture.pdf").exists()


def test_restart_after_taking_but_before_deposit_deposits_once(watcher, company, scans, monkeypatch):
    scans.mkdir()
    (scans / "releve.pdf").write_bytes(PDF_BYTES)
    watcher.poll()

    def killed(**kwargs):
        raise KeyboardInterrupt("process killed")

    monkeypatch.setattr(watch_module, "document_deposit", killed)
    with pytest.raises(KeyboardInterrupt):
        watcher.poll()
    monkeypatch.undo()
    assert not Document.objects.exists()
    restarted = DirectoryWatcher(WatchMapping(directory=scans, folder=folder_named(company, "À classer")))
    assert len(restarted.poll()) == 1
    assert restarted.poll() == []
    assert Document.objects.count() == 1


# The command closes its database connections between polls, as a long-running process must:
# on PostgreSQL that would end a test wrapped in a transaction.
@pytest.mark.django_db(transaction=True)
def test_watch_command_once(company, scans, tmp_path, monkeypatch):
    scans.mkdir()
    (scans / "a.pdf").write_bytes(PDF_BYTES)
    config = tmp_path / "watch.json"
    config.write_text(json.dumps([{"directory": str(scans), "company_id": company.pk,
                                   "folder_id": folder_named(company, "Ventes").pk}]))
    monkeypatch.setenv("COMPTOIR_WATCH", str(config))
    call_command("watch", "--config", str(config), "--once", "--interval", "0.05")
    assert Document.objects.get().folder == folder_named(company, "Ventes")


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under `root` with its kind, size, mtime and content hash: what "nothing changed" means."""
    seen = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
            seen[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return seen


@pytest.fixture
def sibling(tmp_path):
    """A directory beside the watched one, holding what an attacker would like the service to overwrite."""
    root = tmp_path / "elsewhere"
    (root / "done").mkdir(parents=True)
    (root / "failed").mkdir()
    (root / "processing").mkdir()
    (root / "victim.txt").write_text("ne pas écraser\n")
    (root / "secret.pdf").write_bytes(PDF_BYTES + b"%secret")
    return root


@pytest.mark.parametrize("planted", [".processing", "done", "failed"])
def test_a_working_directory_that_is_a_link_stops_the_watcher_and_is_reported(watcher, scans, sibling, planted):
    scans.mkdir()
    (scans / planted).symlink_to(sibling / planted.strip("."))
    (scans / "facture.pdf").write_bytes(PDF_BYTES)
    before = snapshot(sibling)
    for _ in range(3):
        assert watcher.poll() == []
    assert snapshot(sibling) == before
    assert (scans / "facture.pdf").exists() and not Document.objects.exists()
    assert [unsafe.path for unsafe in watcher.refusals] == [str(scans / planted)]


def test_links_in_the_tree_and_a_planted_reason_file_are_never_followed(watcher, scans, sibling):
    scans.mkdir()
    (scans / "failed").mkdir()
    (scans / ".processing").mkdir()
    (scans / "failed" / "programme.pdf.reason.txt").symlink_to(sibling / "victim.txt")
    (scans / "programme.pdf").write_bytes(b"\x7fELF" + b"\x00" * 64)  # refused: goes to failed/ with a reason
    (scans / "lien.pdf").symlink_to(sibling / "secret.pdf")
    (scans / ".processing" / "pris.pdf").symlink_to(sibling / "secret.pdf")  # as if taken before a restart
    before = snapshot(sibling)
    for _ in range(3):
        watcher.poll()
    assert snapshot(sibling) == before  # the victim file is untouched, the secret neither read nor moved
    assert not Document.objects.exists()
    failed = sorted(path.name for path in (scans / "failed").iterdir())
    assert failed == ["programme-1.pdf", "programme-1.pdf.reason.txt", "programme.pdf.reason.txt"]
    assert "exécutable" in (scans / "failed" / "programme-1.pdf.reason.txt").read_text()
    assert (scans / "lien.pdf").is_symlink() and (scans / ".processing" / "pris.pdf").is_symlink()
    reported = {unsafe.path for unsafe in watcher.refusals}
    assert reported == {str(scans / "lien.pdf"), str(scans / ".processing" / "pris.pdf")}


def test_a_hard_link_to_a_file_elsewhere_is_refused_and_never_deposited(watcher, scans, sibling):
    """Issue 22, finding 10: a second name for a file outside the share (`st_nlink > 1`) is not read."""
    scans.mkdir()
    os.link(sibling / "secret.pdf", scans / "dur.pdf")
    before = snapshot(sibling)
    for _ in range(3):
        watcher.poll()
    assert not Document.objects.exists(), "the linked file was deposited"
    assert snapshot(sibling) == before
    assert any(unsafe.path.endswith("dur.pdf") and "lien physique" in unsafe.why for unsafe in watcher.refusals)


def test_the_same_scanned_file_twice_is_one_document(watcher, scans):
    scans.mkdir()
    for _ in range(2):
        (scans / "scan.pdf").write_bytes(PDF_BYTES)
        os.utime(scans / "scan.pdf", ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
        watcher.poll()
        watcher.poll()
    assert Document.objects.count() == 1
    assert sorted(path.name for path in (scans / "done").iterdir()) == ["scan-1.pdf", "scan.pdf"]
