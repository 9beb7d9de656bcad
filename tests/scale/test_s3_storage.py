"""Documents in S3-compatible object storage (bin/test's scale pass runs this against moto's server)."""

import hashlib
import os

import boto3
import pytest
from django.conf import settings
from django.core.files import File

from comptoir.ged.blobs import blob_open
from comptoir.ged.filetypes import UnsupportedFileType
from comptoir.ged.services import document_copy, document_deposit
from tests.factories import PDF_BYTES, deposit_pdf, folder_named

pytestmark = [pytest.mark.scale_only,
              pytest.mark.skipif(not settings.S3_BUCKET, reason="no S3 endpoint (COMPTOIR_S3_BUCKET unset)")]


def _s3():
    options = settings.STORAGES["default"]["OPTIONS"]
    client = boto3.client("s3", endpoint_url=options["endpoint_url"], region_name=options["region_name"],
                          aws_access_key_id=options["access_key"], aws_secret_access_key=options["secret_key"])
    return client, options["bucket_name"], options["location"]


def _bucket_object(key: str) -> dict:
    client, bucket, prefix = _s3()
    return client.head_object(Bucket=bucket, Key=f"{prefix}/{key}")


def _bucket_keys() -> list[str]:
    client, bucket, prefix = _s3()
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/").get("Contents", [])]


def test_deposit_round_trips_through_s3(company, firm_admin, tmp_path):
    # 20 MiB: above the multipart threshold, so the upload goes in parts rather than in one body.
    payload = PDF_BYTES + os.urandom(20 * 1024 * 1024)
    path = tmp_path / "grand-livre.pdf"
    path.write_bytes(payload)
    ventes = folder_named(company, "Ventes")

    with path.open("rb") as handle:
        document = document_deposit(folder=ventes, file=File(handle, name="grand-livre.pdf"), channel="web",
                                    actor=firm_admin)

    assert document.size == len(payload)
    assert document.sha256 == hashlib.sha256(payload).hexdigest()
    assert document.content_type == "application/pdf"
    stored = _bucket_object(document.blob)
    assert stored["ContentLength"] == len(payload)
    assert stored["ETag"].strip('"').endswith("-3"), "expected a multipart upload of 8 MiB parts"

    digest = hashlib.sha256()
    with blob_open(document.blob) as reader:
        while chunk := reader.read(1024 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == document.sha256

    copy = document_copy(document=document, folder=folder_named(company, "Achats"), actor=firm_admin)
    assert copy.blob != document.blob
    assert _bucket_object(copy.blob)["ContentLength"] == len(payload)


def test_refused_deposit_leaves_no_object_in_the_bucket(company, firm_admin):
    with pytest.raises(UnsupportedFileType):
        deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, content=b"MZ\x90\x00" + b"\x00" * 300)
    assert _bucket_keys() == []
