"""Bulk zip import: a good archive recreates its folders; a dangerous one is refused with nothing created."""

import io
import stat
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.ged.models import Document, Folder
from comptoir.intake.models import ZipImport
from comptoir.intake.services.zip_import import ARCHIVE_PREFIX
from comptoir.intake.tasks import zip_import_process
from tests.conftest import login, stored_keys
from tests.factories import PDF_BYTES, UserFactory, folder_named, membership_for

pytestmark = pytest.mark.django_db(transaction=True)

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """The import's task runs in the request, through the same code path as in `comptoir worker`."""
    settings.TASKS = IMMEDIATE


def make_zip(entries, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, b"target")
            else:
                archive.writestr(*entry)
    return buffer.getvalue()


def upload(client, folder, data: bytes, name="lot.zip"):
    return client.post(f"/depots/dossiers/{folder.pk}/zip/envoyer/",
                       {"archive": SimpleUploadedFile(name, data, content_type="application/zip")},
                       headers={"HX-Request": "true"})


def wait_done(zip_import_id: int, timeout=90) -> ZipImport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        zip_import = ZipImport.objects.get(pk=zip_import_id)
        if zip_import.status in {"done", "failed"}:
            return zip_import
        time.sleep(0.05)
    raise AssertionError("zip import did not finish")


def test_good_zip_recreates_subfolders_and_shows_progress(client_user, company):
    client = login(client_user)
    folder = folder_named(company, "Achats")
    panel = client.get(f"/depots/dossiers/{folder.pk}/zip/")
    assert b'type="file" name="archive"' in panel.content
    data = make_zip([("facture-1.pdf", PDF_BYTES), ("Fournisseurs/EDF/janvier.pdf", PDF_BYTES + b"%1\n"),
                     ("Fournisseurs/EDF/", b""), ("Fournisseurs/Orange/mars.pdf", PDF_BYTES + b"%2\n"),
                     ("__MACOSX/._facture-1.pdf", b"junk")])
    response = upload(client, folder, data)
    assert response.status_code == 202
    zip_import = ZipImport.objects.get()
    assert zip_import.total == 3
    zip_import = wait_done(zip_import.pk)
    assert zip_import.status == "done" and zip_import.done == 3
    progress = client.get(f"/depots/zip/{zip_import.pk}/")
    assert "3 / 3 fichiers" in progress.content.decode()
    edf = Folder.objects.get(parent__parent=folder, name="EDF")
    assert edf.parent.name == "Fournisseurs"
    assert Document.objects.get(name="janvier.pdf").folder == edf
    assert set(Document.objects.values_list("channel", flat=True)) == {"zip"}
    assert Document.objects.count() == 3


def _symlink():
    info = zipfile.ZipInfo("lien.pdf")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def encrypted_zip() -> bytes:
    """zipfile cannot write encrypted entries: set the 'encrypted' flag bit in both of the entry's headers."""
    data = bytearray(make_zip([("ok/bon.pdf", PDF_BYTES), ("secret.pdf", PDF_BYTES)]))
    for signature, flag_offset, name_offset in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_offset:start + name_offset + 10] == b"secret.pdf":
                data[start + flag_offset] |= 0x1
            start += 4
    return bytes(data)


REFUSALS = {
    "trop d'éléments": ([(f"f{index}.pdf", PDF_BYTES) for index in range(2001)], "limite"),
    "bombe": ([("bombe.pdf", b"\x00" * (10 * 1024 * 1024))], "bombe zip"),
    "chemin remontant": ([("../../evil.pdf", PDF_BYTES)], "remonte"),
    "chemin absolu": ([("/etc/evil.pdf", PDF_BYTES)], "absolu"),
    "lien symbolique": ([_symlink()], "lien symbolique"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_dangerous_zip_is_refused_and_nothing_is_created(client_user, company, case):
    entries, message = REFUSALS[case]
    folder = folder_named(company, "Achats")
    folders_before = Folder.objects.count()
    response = upload(login(client_user), folder, make_zip([("ok/bon.pdf", PDF_BYTES), *entries]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.exists()
    assert Folder.objects.count() == folders_before
    assert not ZipImport.objects.exists()


def test_encrypted_zip_is_refused(client_user, company):
    response = upload(login(client_user), folder_named(company, "Achats"), encrypted_zip())
    assert response.status_code == 400
    assert "chiffrée" in response.content.decode()
    assert not Document.objects.exists()


def test_total_size_limit(client_user, company, settings):
    settings.COMPTOIR_ZIP_MAX_BYTES = 1000
    response = upload(login(client_user), folder_named(company, "Achats"),
                      make_zip([("a.pdf", PDF_BYTES + b"x" * 600), ("b.pdf", PDF_BYTES + b"y" * 600)]))
    assert response.status_code == 400
    assert "décompressée" in response.content.decode()


def test_not_a_zip(client_user, company):
    response = upload(login(client_user), folder_named(company, "Achats"), b"PK\x03\x04 broken")
    assert response.status_code == 400
    assert "pas une archive zip" in response.content.decode()


def test_other_firm_cannot_import(other_firm_admin, company):
    response = upload(login(other_firm_admin), folder_named(company, "Achats"), make_zip([("a.pdf", PDF_BYTES)]))
    assert response.status_code == 404



def test_import_is_a_task_that_comptoir_worker_runs(client_user, company, settings):
    """With the database backend the upload only queues the task; the worker reads the archive from storage."""
    from comptoir.delivery.worker import DeliveryWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    folder = folder_named(company, "Achats")
    response = upload(login(client_user), folder, make_zip([("a.pdf", PDF_BYTES), ("Sous/b.pdf", PDF_BYTES + b"%b")]))
    assert response.status_code == 202
    zip_import = ZipImport.objects.get()
    assert zip_import.status == "pending" and not Document.objects.exists()
    assert zip_import.archive_path.startswith(ARCHIVE_PREFIX) and zip_import.archive_path in stored_keys()
    worker = DeliveryWorker(concurrency=1, poll_interval=0.05)
    worker.start()
    try:
        zip_import = wait_done(zip_import.pk)
    finally:
        worker.stop()
    assert zip_import.status == "done" and zip_import.done == 2
    assert Document.objects.count() == 2
    assert not [key for key in stored_keys() if key.startswith(ARCHIVE_PREFIX)]


def test_rerun_after_a_crash_deposits_nothing_twice(client_user, company, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # queued, not run
    data = make_zip([("a.pdf", PDF_BYTES), ("Sous/b.pdf", PDF_BYTES + b"%b"), ("c.pdf", PDF_BYTES + b"%c")])
    upload(login(client_user), folder_named(company, "Achats"), data)
    zip_import = ZipImport.objects.get()
    assert zip_import_process.call(zip_import.pk) == "done"
    # As if the worker had died after depositing a.pdf only: the row still says "running", the archive is there.
    Document.objects.exclude(name="a.pdf").delete()
    ZipImport.objects.filter(pk=zip_import.pk).update(status="running", done=1, finished_at=None)
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    assert default_storage.save(zip_import.archive_path, ContentFile(data)) == zip_import.archive_path

    assert zip_import_process.call(zip_import.pk) == "done"
    zip_import.refresh_from_db()
    assert zip_import.done == 3 and not zip_import.errors
    assert sorted(Document.objects.values_list("name", flat=True)) == ["a.pdf", "b.pdf", "c.pdf"]
    assert Folder.objects.filter(name="Sous").count() == 1
    assert zip_import.archive_path not in stored_keys()
    # Running a finished import's task again changes nothing.
    assert zip_import_process.call(zip_import.pk) == "done"
    assert Document.objects.count() == 3


@pytest.fixture
def client_member(company):
    return membership_for(UserFactory(email="membre@boulangerie.fr"), firm=company.firm, role="client_member",
                          company=company).user


def test_client_member_cannot_create_folders_through_a_zip(client_member, company):
    client = login(client_member)
    folder = folder_named(company, "Achats")
    folders_before, keys_before = Folder.objects.count(), stored_keys()
    response = upload(client, folder, make_zip([("a.pdf", PDF_BYTES), ("Fournisseurs/EDF/b.pdf", PDF_BYTES + b"%b")]))
    assert response.status_code == 400
    assert "sous-dossiers" in response.content.decode() and "Fournisseurs" in response.content.decode()
    assert Folder.objects.count() == folders_before and not Document.objects.exists()
    assert not ZipImport.objects.exists() and stored_keys() == keys_before
    # A flat archive is still theirs to send.
    response = upload(client, folder, make_zip([("a.pdf", PDF_BYTES), ("b.pdf", PDF_BYTES + b"%b")]))
    assert response.status_code == 202
    assert wait_done(ZipImport.objects.get().pk).done == 2
    assert set(Document.objects.values_list("folder", flat=True)) == {folder.pk}


def test_a_folder_name_that_cannot_be_created_fails_that_entry_only(client_user, firm_admin, company):
    data = make_zip([("avant.pdf", PDF_BYTES), ("<>/inner.pdf", PDF_BYTES + b"%i"), ("apres.pdf", PDF_BYTES + b"%a")])
    response = upload(login(firm_admin), folder_named(company, "Achats"), data)
    assert response.status_code == 202
    zip_import = ZipImport.objects.get()
    assert zip_import.status == "done" and zip_import.done == 3
    [error] = zip_import.errors
    assert error["path"] == "<>/inner.pdf" and "nom du dossier" in error["reason"]
    assert sorted(Document.objects.values_list("name", flat=True)) == ["apres.pdf", "avant.pdf"]
    report = login(firm_admin).get(f"/depots/zip/{zip_import.pk}/").content.decode()
    assert "Import terminé" in report and "&lt;&gt;/inner.pdf" in report and "nom du dossier" in report
    assert "L&#x27;import a échoué" not in report and "L'import a échoué" not in report


def test_the_same_import_run_twice_deposits_each_entry_once(client_user, company, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # queued, not run
    data = make_zip([("a.pdf", PDF_BYTES), ("Sous/b.pdf", PDF_BYTES + b"%b")])
    upload(login(client_user), folder_named(company, "Achats"), data)
    zip_import = ZipImport.objects.get()
    assert zip_import_process.call(zip_import.pk) == "done"
    # The worker is told to run it again (a lost acknowledgement) with the archive still there.
    ZipImport.objects.filter(pk=zip_import.pk).update(status="running", done=0, finished_at=None)
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    default_storage.save(zip_import.archive_path, ContentFile(data))
    assert zip_import_process.call(zip_import.pk) == "done"
    assert sorted(Document.objects.values_list("name", flat=True)) == ["a.pdf", "b.pdf"]
    assert set(Document.objects.values_list("idempotency_key", flat=True)) == {
        f"zip:{zip_import.pk}:0", f"zip:{zip_import.pk}:1"}
