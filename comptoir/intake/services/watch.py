"""Watched folders: scanners and sync clients drop files in a directory, `comptoir watch` files them.

A file is taken once its size and mtime are the same over two polls. It is first moved into
`.processing/` and recorded as a `WatchedFile` (directory, name, size, mtime, sha256): a restart
finds it there and finishes it without depositing it twice. Then it goes to `done/`, or to
`failed/` with `<name>.reason.txt`.
"""

import hashlib
import json
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company
from comptoir.ged.models import Channel, Document, Folder
from comptoir.ged.services import document_deposit
from comptoir.intake.models import WatchedFile, WatchedFileStatus

logger = logging.getLogger(__name__)

PROCESSING, DONE, FAILED = ".processing", "done", "failed"


@dataclass(frozen=True)
class WatchMapping:
    directory: Path
    folder: Folder


def _folder_from_entry(entry: dict) -> Folder:
    company_key = entry.get("company_id", entry.get("company"))
    companies = Company.objects.all()
    company = (companies.filter(pk=company_key) if str(company_key).isdigit() else companies.filter(slug=company_key)
               ).first()
    if company is None:
        raise ValueError(f"entreprise inconnue : {company_key!r}")
    folders = Folder.objects.filter(company=company, deleted_at__isnull=True)
    if entry.get("folder_id") is not None:
        folder = folders.filter(pk=entry["folder_id"]).first()
    else:
        folder, parent = None, None
        for name in [part for part in str(entry.get("folder", "")).split("/") if part.strip()]:
            folder = folders.filter(parent=parent, name=name.strip()).first()
            if folder is None:
                break
            parent = folder
    if folder is None:
        raise ValueError(f"dossier introuvable pour {entry!r}")
    return folder


def watch_mappings_load(path: str | Path) -> list[WatchMapping]:
    """Read the mapping file (JSON list, or TOML with [[watch]] tables)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    entries = tomllib.loads(text).get("watch", []) if path.suffix == ".toml" else json.loads(text)
    return [WatchMapping(directory=Path(entry["directory"]).resolve(), folder=_folder_from_entry(entry))
            for entry in entries]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _move_aside(path: Path, target_dir: Path) -> Path:
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    counter = 1
    while target.exists():
        target = target_dir / f"{path.stem}-{counter}{path.suffix}"
        counter += 1
    os.replace(path, target)
    return target


@dataclass
class DirectoryWatcher:
    """One watched directory. `poll()` is one pass; the command calls it in a loop."""

    mapping: WatchMapping
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    _recovered: bool = False

    @property
    def directory(self) -> Path:
        return self.mapping.directory

    def poll(self) -> list[Document]:
        self.directory.mkdir(parents=True, exist_ok=True)
        documents = []
        if not self._recovered:
            # Files a previous run took but did not finish.
            for path in sorted((self.directory / PROCESSING).glob("*")):
                if path.is_file() and not path.is_symlink():
                    documents += self._process(path)
            self._recovered = True
        current: dict[str, tuple[int, int]] = {}
        for entry in os.scandir(self.directory):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
            current[entry.name] = (stat.st_size, stat.st_mtime_ns)
        for name, signature in current.items():
            if self._seen.get(name) == signature and signature[0] > 0:
                processing_dir = self.directory / PROCESSING
                processing_dir.mkdir(exist_ok=True)
                taken = processing_dir / name
                os.replace(self.directory / name, taken)
                try:
                    documents += self._process(taken)
                except Exception:
                    self._recovered = False  # retried from .processing/ on the next pass
                    raise
        self._seen = {name: sig for name, sig in current.items() if (self.directory / name).exists()}
        return documents

    def _process(self, path: Path) -> list[Document]:
        stat = path.stat()
        sha256 = _sha256(path)
        watched, _ = WatchedFile.objects.get_or_create(
            directory=str(self.directory), name=path.name, size=stat.st_size, mtime_ns=stat.st_mtime_ns,
            sha256=sha256,
        )
        if watched.status == WatchedFileStatus.DONE:
            self._finish(path, DONE)
            return []
        document = Document.objects.filter(source__watched_file=watched.pk).first()
        created = []
        if document is None:
            try:
                with path.open("rb") as stream:
                    document = document_deposit(
                        folder=self.mapping.folder, file=stream, channel=Channel.SCANNER, actor=None,
                        filename=path.name,
                        source={"path": str(self.directory / path.name), "size": stat.st_size,
                                "mtime_ns": stat.st_mtime_ns, "sha256": sha256, "watched_file": watched.pk},
                    )
            except (ComptoirError, ValidationError) as refusal:
                reason = getattr(refusal, "message", None) or "; ".join(getattr(refusal, "messages", [str(refusal)]))
                self._fail(watched=watched, path=path, reason=reason)
                return []
            created.append(document)
        with transaction.atomic():
            watched.status, watched.document = WatchedFileStatus.DONE, document
            watched.save(update_fields=["status", "document", "updated_at"])
        self._finish(path, DONE)
        return created

    def _fail(self, *, watched: WatchedFile, path: Path, reason: str) -> None:
        with transaction.atomic():
            watched.status, watched.reason = WatchedFileStatus.FAILED, reason
            watched.save(update_fields=["status", "reason", "updated_at"])
            audit_event_record(actor=None, action="intake.watch.refused", firm_id=self.mapping.folder.company.firm_id,
                               data={"path": str(self.directory / path.name), "reason": reason})
        target = self._finish(path, FAILED)
        target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")

    def _finish(self, path: Path, where: str) -> Path:
        return _move_aside(path, self.directory / where)
