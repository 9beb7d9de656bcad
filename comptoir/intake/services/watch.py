"""Watched folders: scanners and sync clients drop files in a directory, `comptoir watch` files them.

A file is taken once its size and mtime are the same over two polls. It is first moved into
`.processing/` and recorded as a `WatchedFile` (directory, name, size, mtime, sha256), then deposited
with the idempotency key (path, size, mtime, sha256): a restart finds it there and finishes it
without depositing it twice. Then it goes to `done/`, or to `failed/` with `<name>.reason.txt`.

Whoever can write to a scanner share must not be able to make the service write elsewhere: every
path is opened relative to a directory descriptor, without following links (`O_NOFOLLOW`,
`O_DIRECTORY`, `O_EXCL`, renames between descriptors, `lstat`), and a file with more than one name
(a hard link, `st_nlink > 1`) is refused. A symbolic link anywhere (a dropped
file, `done/`, `failed/`, `.processing/`, a reason file) is refused and reported, never followed;
while one of the three working directories is a link, nothing is taken at all.
"""

import errno
import hashlib
import json
import logging
import os
import stat
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


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class UnsafePath(Exception):
    """A link (or something that is not a plain file or directory) where the watcher would act."""

    def __init__(self, path: str, why: str):
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode)
    except FileNotFoundError:
        return False


def _subdir_open(name: str, *, parent_fd: int, shown: str) -> int:
    """A descriptor of `parent/name`, created (0700) if absent; never through a link."""
    try:
        os.mkdir(name, 0o700, dir_fd=parent_fd)
    except FileExistsError:
        pass
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR) or _is_link(name, parent_fd):
            raise UnsafePath(shown, "lien symbolique ou pas un dossier : refusé") from error
        raise


def _file_open(name: str, *, dir_fd: int, shown: str) -> int:
    """A descriptor of a plain file; a link, a FIFO, a device… is refused."""
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP or _is_link(name, dir_fd):
            raise UnsafePath(shown, "lien symbolique : refusé") from error
        raise
    file_stat = os.fstat(fd)
    if not stat.S_ISREG(file_stat.st_mode):
        os.close(fd)
        raise UnsafePath(shown, "pas un fichier ordinaire : refusé")
    if file_stat.st_nlink > 1:
        # A hard link: a second name for a file that lives elsewhere (one the share's writer may not read
        # but the service can). A scanner or a sync client writes files with one name.
        os.close(fd)
        raise UnsafePath(shown, "lien physique (le fichier a un autre nom ailleurs) : refusé")
    os.set_blocking(fd, True)
    return fd


def _sha256(fd: int) -> str:
    digest = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    for chunk in iter(lambda: os.read(fd, 1024 * 1024), b""):
        digest.update(chunk)
    os.lseek(fd, 0, os.SEEK_SET)
    return digest.hexdigest()


def _free_name(name: str, *, dir_fd: int, also: str = "") -> str:
    """A name not taken in the directory (nor `name + also`, for the reason file beside it)."""
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot and stem else (name, "")
    candidate, counter = name, 1
    while any(_exists(candidate + extra, dir_fd) for extra in {"", also}):
        candidate = f"{stem}-{counter}{suffix}"
        counter += 1
    return candidate


def _exists(name: str, dir_fd: int) -> bool:
    try:
        os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    return True


def _move_aside(name: str, *, src_fd: int, dst_fd: int, also: str = "") -> str:
    """Rename between two directory descriptors (a rename never follows a link); returns the new name."""
    target = _free_name(name, dir_fd=dst_fd, also=also)
    os.rename(name, target, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
    return target


def _reason_write(name: str, reason: str, *, dir_fd: int) -> None:
    fd = os.open(name, _CREATE_FLAGS, 0o600, dir_fd=dir_fd)  # O_EXCL: never through a planted link
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(reason + "\n")


def _watch_key(*, directory: Path, name: str, size: int, mtime_ns: int, sha256: str) -> str:
    identity = f"{directory}/{name}\n{size}\n{mtime_ns}\n{sha256}"
    return "watch:" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class DirectoryWatcher:
    """One watched directory. `poll()` is one pass; the command calls it in a loop.

    `refusals` lists the unsafe paths found (each reported once: logged and audited).
    """

    mapping: WatchMapping
    refusals: list[UnsafePath] = field(default_factory=list)
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    _recovered: bool = False

    @property
    def directory(self) -> Path:
        return self.mapping.directory

    def _report(self, unsafe: UnsafePath) -> None:
        if any(known.path == unsafe.path for known in self.refusals):
            return
        self.refusals.append(unsafe)
        logger.warning("watch: %s", unsafe)
        audit_event_record(actor=None, action="intake.watch.unsafe_path", firm_id=self.mapping.folder.company.firm_id,
                           data={"path": unsafe.path, "reason": unsafe.why})

    def poll(self) -> list[Document]:
        self.directory.mkdir(parents=True, exist_ok=True)
        root_fd = os.open(self.directory, _DIR_FLAGS)
        fds: dict[str, int] = {}
        try:
            try:
                for name in (PROCESSING, DONE, FAILED):
                    fds[name] = _subdir_open(name, parent_fd=root_fd, shown=str(self.directory / name))
            except UnsafePath as unsafe:
                self._report(unsafe)
                return []  # nothing is taken while a working directory is a link
            return self._poll(root_fd, fds)
        finally:
            for fd in [*fds.values(), root_fd]:
                os.close(fd)

    def _poll(self, root_fd: int, fds: dict[str, int]) -> list[Document]:
        documents = []
        if not self._recovered:
            # Files a previous run took but did not finish.
            for entry in sorted(os.scandir(fds[PROCESSING]), key=lambda entry: entry.name):
                documents += self._process(entry.name, fds)
            self._recovered = True
        current: dict[str, tuple[int, int]] = {}
        for entry in os.scandir(root_fd):
            if entry.name.startswith(".") or entry.name in (DONE, FAILED):
                continue
            if entry.is_symlink():
                self._report(UnsafePath(str(self.directory / entry.name), "lien symbolique : ignoré"))
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            stat_result = entry.stat(follow_symlinks=False)
            current[entry.name] = (stat_result.st_size, stat_result.st_mtime_ns)
        for name, signature in current.items():
            if self._seen.get(name) == signature and signature[0] > 0:
                if _is_link(name, root_fd):  # swapped for a link since the scan
                    self._report(UnsafePath(str(self.directory / name), "lien symbolique : ignoré"))
                    continue
                taken = _move_aside(name, src_fd=root_fd, dst_fd=fds[PROCESSING])
                try:
                    documents += self._process(taken, fds)
                except Exception:
                    self._recovered = False  # retried from .processing/ on the next pass
                    raise
        self._seen = {name: sig for name, sig in current.items() if _exists(name, root_fd)}
        return documents

    def _process(self, name: str, fds: dict[str, int]) -> list[Document]:
        shown = str(self.directory / PROCESSING / name)
        try:
            fd = _file_open(name, dir_fd=fds[PROCESSING], shown=shown)
        except UnsafePath as unsafe:
            self._report(unsafe)
            return []  # left where it is: never read, never moved through
        with os.fdopen(fd, "rb") as stream:
            file_stat = os.fstat(fd)
            sha256 = _sha256(fd)
            watched, _ = WatchedFile.objects.get_or_create(
                directory=str(self.directory), name=name, size=file_stat.st_size, mtime_ns=file_stat.st_mtime_ns,
                sha256=sha256,
            )
            try:
                document = document_deposit(
                    folder=self.mapping.folder, file=stream, channel=Channel.SCANNER, actor=None, filename=name,
                    source={"path": str(self.directory / name), "size": file_stat.st_size,
                            "mtime_ns": file_stat.st_mtime_ns, "sha256": sha256, "watched_file": watched.pk},
                    idempotency_key=_watch_key(directory=self.directory, name=name, size=file_stat.st_size,
                                               mtime_ns=file_stat.st_mtime_ns, sha256=sha256),
                )
            except (ComptoirError, ValidationError) as refusal:
                reason = getattr(refusal, "message", None) or "; ".join(getattr(refusal, "messages", [str(refusal)]))
                self._fail(watched=watched, name=name, reason=reason, fds=fds)
                return []
        created = [] if watched.status == WatchedFileStatus.DONE else [document]
        with transaction.atomic():
            watched.status, watched.document = WatchedFileStatus.DONE, document
            watched.save(update_fields=["status", "document", "updated_at"])
        _move_aside(name, src_fd=fds[PROCESSING], dst_fd=fds[DONE])
        return created

    def _fail(self, *, watched: WatchedFile, name: str, reason: str, fds: dict[str, int]) -> None:
        with transaction.atomic():
            watched.status, watched.reason = WatchedFileStatus.FAILED, reason
            watched.save(update_fields=["status", "reason", "updated_at"])
            audit_event_record(actor=None, action="intake.watch.refused", firm_id=self.mapping.folder.company.firm_id,
                               data={"path": str(self.directory / name), "reason": reason})
        target = _move_aside(name, src_fd=fds[PROCESSING], dst_fd=fds[FAILED], also=".reason.txt")
        try:
            _reason_write(target + ".reason.txt", reason, dir_fd=fds[FAILED])
        except FileExistsError:  # planted between our check and our write: refused, never written through
            self._report(UnsafePath(str(self.directory / FAILED / (target + ".reason.txt")),
                                    "existe déjà (lien ?) : non écrit"))
