"""Document bytes in storage (local folder or S3): streamed in, hashed on the way, never whole in memory."""

import hashlib
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.http import content_disposition_header

from comptoir.ged.filetypes import HEAD_SIZE

CHUNK_SIZE = 1024 * 1024
S3_BACKEND = "storages.backends.s3.S3Storage"


class _HashingReader:
    """A read-only stream that hashes, counts and keeps the head of what passes through it."""

    def __init__(self, source: IO[bytes]):
        self._source = source
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.head = b""

    # What storages probe before reading: S3Storage then streams it in parts (multipart upload)
    # instead of seeking back, so the hash sees every byte exactly once.
    closed = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(CHUNK_SIZE if size is None or size < 0 else size)
        if chunk:
            self.sha256.update(chunk)
            self.size += len(chunk)
            if len(self.head) < HEAD_SIZE:
                self.head += chunk[: HEAD_SIZE - len(self.head)]
        return chunk


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str
    head: bytes


def blob_store(*, stream: IO[bytes], company_id: int) -> StoredBlob:
    """Write a stream to storage under a key of our own making (never the file name)."""
    if hasattr(stream, "seek"):
        try:
            stream.seek(0)
        except (OSError, ValueError):
            pass
    reader = _HashingReader(stream)
    key = f"documents/{company_id}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    stored_key = default_storage.save(key, File(reader, name=key))
    return StoredBlob(key=stored_key, size=reader.size, sha256=reader.sha256.hexdigest(), head=reader.head)


def blob_open(key: str) -> IO[bytes]:
    return default_storage.open(key, "rb")


def blob_download_url(key: str, *, filename: str, content_type: str) -> str | None:
    """A short-lived signed URL the browser fetches the bytes from directly (S3), or None when the
    storage has none (local files: the web process streams them).

    The caller has checked the tenant first: the URL is the permission, for a minute by default.
    """
    # By the setting, not isinstance: importing the S3 backend (boto3) costs every process tens of MB.
    if not settings.COMPTOIR_S3_DOWNLOAD_REDIRECT or settings.STORAGES["default"]["BACKEND"] != S3_BACKEND:
        return None
    parameters = {"ResponseContentDisposition": content_disposition_header(True, filename),
                  "ResponseContentType": content_type, "ResponseCacheControl": "private, no-store"}
    return default_storage.url(key, parameters=parameters, expire=settings.COMPTOIR_S3_DOWNLOAD_EXPIRE_SECONDS)


def blob_delete(key: str) -> None:
    default_storage.delete(key)
