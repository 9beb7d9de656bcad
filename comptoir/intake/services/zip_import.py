"""Bulk zip import: the whole archive is checked before anything is created, then run by the worker.

Refused (nothing created): too many entries, too large once expanded, an entry compressed more than
MAX_RATIO times (zip bomb), absolute or `..` paths, encrypted entries, symbolic links, and subfolders
when the user may not create folders.

The archive is kept in the default storage (not a temp file of the web process) and the import is a
django.tasks task carrying only the ZipImport id, so `comptoir worker` runs it and a web restart loses
nothing. Each entry is deposited with the idempotency key (import, entry), so a re-run after a crash
deposits nothing twice; an entry that fails (a folder name that cannot be created, a refused file) is
recorded with its reason and the others go on.
"""

import logging
import stat
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task_backends
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.firms.policy import can_manage_folders
from comptoir.ged.models import Channel, Folder
from comptoir.ged.services import document_deposit, folder_create
from comptoir.intake.models import ZipImport, ZipImportStatus

logger = logging.getLogger(__name__)

MAX_ENTRIES = 2000
MAX_RATIO = 100
# Tiny, very regular files compress absurdly well without being bombs; the ratio rule starts above this.
RATIO_MIN_BYTES = 64 * 1024
JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")
ARCHIVE_PREFIX = "intake/zip-imports/"


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


def zip_archive_check(archive_file: str | IO[bytes]) -> list[ZipEntry]:
    """Every entry of the archive, or ZipRefused with the reason; reads only the central directory."""
    try:
        with zipfile.ZipFile(archive_file) as archive:
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


def _subfolder_refusal(entries: list[ZipEntry], actor: User) -> None:
    """Folders are created only by those allowed to create them by hand; a flat archive is anyone's."""
    if can_manage_folders(actor):
        return
    nested = next((entry for entry in entries if entry.is_dir or len(entry.parts) > 1), None)
    if nested is not None:
        raise ZipRefused(_("L'archive contient des sous-dossiers (« %(name)s ») et vous ne pouvez pas créer de "
                           "dossiers : envoyez une archive sans sous-dossiers.") % {"name": nested.parts[0]})


def zip_import_create(*, folder: Folder, upload: IO[bytes], archive_name: str, actor: User) -> ZipImport:
    """Check the archive, keep it in storage, record the import and queue its task, all or nothing."""
    entries = zip_archive_check(upload)
    _subfolder_refusal(entries, actor)
    upload.seek(0)
    key = default_storage.save(f"{ARCHIVE_PREFIX}{uuid.uuid4().hex}.zip", upload)
    try:
        with transaction.atomic():
            zip_import = ZipImport.objects.create(folder=folder, actor=actor, archive_name=archive_name[:255],
                                                  archive_path=key, total=sum(not entry.is_dir for entry in entries))
            audit_event_record(actor=actor, action="intake.zip.create", target=zip_import,
                               firm_id=folder.company.firm_id,
                               data={"folder": folder.pk, "archive": archive_name[:200], "files": zip_import.total})
            _enqueue(zip_import.pk)
    except BaseException:
        default_storage.delete(key)
        raise
    return zip_import


def _enqueue(zip_import_id: int) -> None:
    from comptoir.intake.tasks import zip_import_process

    backend = task_backends[zip_import_process.backend]
    if type(backend).__module__.startswith("django_tasks_db"):
        # The task row commits with the ZipImport row: an import is never recorded without its task.
        zip_import_process.enqueue(zip_import_id)
    else:
        # Another backend (ImmediateBackend in tests, an outside queue) must only see a committed import.
        transaction.on_commit(lambda: zip_import_process.enqueue(zip_import_id))


def zip_import_execute(*, zip_import_id: int) -> str:
    """The task's body: run the import; an unexpected error ends it as failed (the page stops polling)."""
    try:
        return zip_import_run(zip_import_id=zip_import_id).status
    except Exception:
        logger.exception("zip import %s failed", zip_import_id)
        ZipImport.objects.filter(pk=zip_import_id).update(status=ZipImportStatus.FAILED, finished_at=timezone.now())
        _archive_delete(ZipImport.objects.filter(pk=zip_import_id).values_list("archive_path", flat=True).first())
        return ZipImportStatus.FAILED


def _archive_delete(key: str | None) -> None:
    if key and key.startswith(ARCHIVE_PREFIX):
        default_storage.delete(key)


def _subfolder(*, parent: Folder, name: str, actor: User | None, cache: dict) -> Folder:
    key = (parent.pk, name)
    if key not in cache:
        existing = Folder.objects.filter(parent=parent, name=name, deleted_at__isnull=True).first()
        cache[key] = existing or folder_create(company=parent.company, parent=parent, name=name, actor=actor)
    return cache[key]


def _refusal_reason(refusal: Exception) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    return getattr(refusal, "message", None) or str(refusal)


def _entry_folder(*, root: Folder, names: tuple[str, ...], actor: User | None, cache: dict) -> Folder:
    folder = root
    for name in names:
        folder = _subfolder(parent=folder, name=name, actor=actor, cache=cache)
    return folder


def zip_import_run(*, zip_import_id: int) -> ZipImport:
    """Run (or resume) the import, entry by entry: one that fails (its folder cannot be created, its file
    is refused) is recorded with its reason and the rest goes on. A re-run deposits nothing twice: each
    entry's deposit carries the key (import, entry), and entries already refused are not tried again.
    """
    zip_import = ZipImport.objects.select_related("folder", "folder__company", "actor").get(pk=zip_import_id)
    if zip_import.status in {ZipImportStatus.DONE, ZipImportStatus.FAILED}:
        _archive_delete(zip_import.archive_path)  # a crash may have come between the end and the clean-up
        return zip_import
    ZipImport.objects.filter(pk=zip_import.pk).update(status=ZipImportStatus.RUNNING)
    root, actor, cache, errors = zip_import.folder, zip_import.actor, {}, list(zip_import.errors)
    refused_before = {error.get("entry") for error in errors}
    done = 0
    with default_storage.open(zip_import.archive_path, "rb") as archive_file:
        entries = zip_archive_check(archive_file)
        with zipfile.ZipFile(archive_file) as archive:
            for index, entry in enumerate(entries):
                if index in refused_before:
                    done += not entry.is_dir
                    continue
                path = "/".join(entry.parts)
                try:
                    folder = _entry_folder(root=root, names=entry.parts if entry.is_dir else entry.parts[:-1],
                                           actor=actor, cache=cache)
                    if not entry.is_dir:
                        with archive.open(entry.info) as stream:
                            document_deposit(folder=folder, file=_CappedReader(stream, entry.info.file_size),
                                             channel=Channel.ZIP, actor=actor, filename=entry.parts[-1],
                                             source={"zip_import": zip_import.pk, "entry": index, "path": path},
                                             idempotency_key=f"zip:{zip_import.pk}:{index}")
                except (ComptoirError, ValidationError, zipfile.BadZipFile) as refusal:
                    errors.append({"entry": index, "path": path, "reason": _refusal_reason(refusal)})
                if entry.is_dir:
                    continue
                done += 1
                ZipImport.objects.filter(pk=zip_import.pk).update(done=done, errors=errors)
    ZipImport.objects.filter(pk=zip_import.pk).update(status=ZipImportStatus.DONE, done=done, errors=errors,
                                                      finished_at=timezone.now())
    _archive_delete(zip_import.archive_path)
    zip_import.refresh_from_db()
    return zip_import
