"""Bulk zip import: a good archive recreates its folders; a dangerous one is refused with nothing created."""

import io
import stat
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.ged.models import Document, Folder
from comptoir.intake.models import ZipImport
from tests.conftest import login
from tests.factories import PDF_BYTES, folder_named

pytestmark = pytest.mark.django_db(transaction=True)


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


def wait_done(zip_import_id: int, timeout=20) -> ZipImport:
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
