"""Bulk zip import: the whole archive is checked before anything is created, then run in the background.

Refused (nothing created): too many entries, too large once expanded, an entry compressed more than
MAX_RATIO times (zip bomb), absolute or `..` paths, encrypted entries, symbolic links.
"""

import logging
import os
import shutil
import stat
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.ged.models import Channel, Folder
from comptoir.ged.services import document_deposit, folder_create
from comptoir.intake.models import ZipImport, ZipImportStatus

logger = logging.getLogger(__name__)

MAX_ENTRIES = 2000
MAX_RATIO = 100
# Tiny, very regular files compress absurdly well without being bombs; the ratio rule starts above this.
RATIO_MIN_BYTES = 64 * 1024
JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")


class ZipRefused(ComptoirError):
    status = 400


@dataclass(frozen=True)
class ZipEntry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # folder names, then the file name

    @property
    def is_dir(self) -> bool:
        return self.info.is_dir()


def zip_max_bytes() -> int:
    return int(getattr(settings, "COMPTOIR_ZIP_MAX_BYTES", 2 * 1024**3))


def _entry_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    raw = info.filename
    normalised = raw.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        raise ZipRefused(_("L'archive contient un chemin absolu (« %(name)s ») : elle est refusée.") % {"name": raw})
    parts = tuple(part for part in PurePosixPath(normalised).parts if part not in ("", "."))
    if ".." in parts:
        raise ZipRefused(_("L'archive contient un chemin qui remonte (« %(name)s ») : elle est refusée.")
                         % {"name": raw})
    return parts


def zip_archive_check(path: str) -> list[ZipEntry]:
    """Every entry of the archive, or ZipRefused with the reason; reads only the central directory."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
        raise ZipRefused(_("Ce fichier n'est pas une archive zip lisible.")) from error
    if len(infos) > MAX_ENTRIES:
        raise ZipRefused(_("L'archive contient %(count)d éléments, la limite est de %(max)d.")
                         % {"count": len(infos), "max": MAX_ENTRIES})
    entries, total = [], 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ZipRefused(_("L'archive est chiffrée (protégée par mot de passe) : elle est refusée."))
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ZipRefused(_("L'archive contient un lien symbolique (« %(name)s ») : elle est refusée.")
                             % {"name": info.filename})
        parts = _entry_parts(info)
        total += info.file_size
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ZipRefused(_("« %(name)s » est compressé de façon anormale (bombe zip ?) : l'archive est refusée.")
                             % {"name": info.filename})
        if not parts or any(info.filename.startswith(junk) or parts[-1] == junk for junk in JUNK):
            continue
        entries.append(ZipEntry(info=info, parts=parts))
    if total > zip_max_bytes():
        raise ZipRefused(_("Une fois décompressée, l'archive dépasserait %(max)d Mo.")
                         % {"max": zip_max_bytes() // 1024**2})
    return entries


class _CappedReader:
    """Never read more than the size the archive announced (a lying header cannot inflate further)."""

    def __init__(self, stream: IO[bytes], limit: int):
        self._stream, self._left = stream, limit

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(1024 * 1024 if size is None or size < 0 else size)
        self._left -= len(chunk)
        if self._left < 0:
            raise ZipRefused(_("Une entrée de l'archive est plus grande qu'annoncé."))
        return chunk


@transaction.atomic
def zip_import_create(*, folder: Folder, upload: IO[bytes], archive_name: str, actor: User) -> ZipImport:
    """Check the archive, keep it aside and record the import; `zip_import_launch` then runs it."""
    handle, path = tempfile.mkstemp(prefix="comptoir-zip-", suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR)
    with os.fdopen(handle, "wb") as target:
        shutil.copyfileobj(upload, target, 1024 * 1024)
    try:
        entries = zip_archive_check(path)
    except ZipRefused:
        os.unlink(path)
        raise
    zip_import = ZipImport.objects.create(folder=folder, actor=actor, archive_name=archive_name[:255],
                                          archive_path=path, total=sum(not entry.is_dir for entry in entries))
    audit_event_record(actor=actor, action="intake.zip.create", target=zip_import, firm_id=folder.company.firm_id,
                       data={"folder": folder.pk, "archive": archive_name[:200], "files": zip_import.total})
    return zip_import


def zip_import_launch(*, zip_import_id: int) -> threading.Thread:
    """Run the import in a background thread once the row is committed (the page polls its progress)."""
    thread = threading.Thread(target=_run_in_thread, kwargs={"zip_import_id": zip_import_id}, daemon=True,
                              name=f"zip-import-{zip_import_id}")
    transaction.on_commit(thread.start)
    return thread


def _run_in_thread(*, zip_import_id: int) -> None:
    close_old_connections()
    try:
        zip_import_run(zip_import_id=zip_import_id)
    except Exception:
        logger.exception("zip import %s failed", zip_import_id)
        ZipImport.objects.filter(pk=zip_import_id).update(status=ZipImportStatus.FAILED, finished_at=timezone.now())
    finally:
        connections.close_all()


def _subfolder(*, parent: Folder, name: str, actor: User | None, cache: dict) -> Folder:
    key = (parent.pk, name)
    if key not in cache:
        existing = Folder.objects.filter(parent=parent, name=name, deleted_at__isnull=True).first()
        cache[key] = existing or folder_create(company=parent.company, parent=parent, name=name, actor=actor)
    return cache[key]


def zip_import_run(*, zip_import_id: int) -> ZipImport:
    zip_import = ZipImport.objects.select_related("folder", "folder__company", "actor").get(pk=zip_import_id)
    ZipImport.objects.filter(pk=zip_import.pk).update(status=ZipImportStatus.RUNNING)
    root, actor, cache, errors, done = zip_import.folder, zip_import.actor, {}, [], 0
    try:
        entries = zip_archive_check(zip_import.archive_path)
        with zipfile.ZipFile(zip_import.archive_path) as archive:
            for entry in entries:
                folder = root
                folder_names = entry.parts if entry.is_dir else entry.parts[:-1]
                for name in folder_names:
                    folder = _subfolder(parent=folder, name=name, actor=actor, cache=cache)
                if entry.is_dir:
                    continue
                try:
                    with archive.open(entry.info) as stream:
                        document_deposit(folder=folder, file=_CappedReader(stream, entry.info.file_size),
                                         channel=Channel.ZIP, actor=actor, filename=entry.parts[-1],
                                         source={"zip_import": zip_import.pk, "path": "/".join(entry.parts)})
                except (ComptoirError, ValidationError, zipfile.BadZipFile) as refusal:
                    errors.append({"path": "/".join(entry.parts), "reason": getattr(refusal, "message", str(refusal))})
                done += 1
                ZipImport.objects.filter(pk=zip_import.pk).update(done=done, errors=errors)
        status = ZipImportStatus.DONE
    finally:
        if zip_import.archive_path and os.path.exists(zip_import.archive_path):
            os.unlink(zip_import.archive_path)
    ZipImport.objects.filter(pk=zip_import.pk).update(status=status, done=done, errors=errors,
                                                      finished_at=timezone.now())
    zip_import.refresh_from_db()
    return zip_import
