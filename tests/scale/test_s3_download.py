"""Downloads from S3: after the tenant check, a redirect to a short-lived signed URL (the web process does
not carry the bytes). bin/test's scale pass runs it against moto's S3 server."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import login
from tests.factories import PDF_BYTES, deposit_pdf, folder_named
from tests.scale.s3_signature import presigned_refusal

pytestmark = [pytest.mark.scale_only,
              pytest.mark.skipif(not settings.S3_BUCKET, reason="no S3 endpoint (COMPTOIR_S3_BUCKET unset)")]


def test_download_redirects_to_a_signed_url_that_works_then_expires(company, firm_admin, settings):
    settings.COMPTOIR_S3_DOWNLOAD_EXPIRE_SECONDS = 2
    content = PDF_BYTES + b"facture mars " * 1000
    document = deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, name="Facture mars.pdf",
                           content=content)

    response = login(firm_admin).get(reverse("ged:download", args=[document.pk]))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert signed.startswith(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"])
    assert "X-Amz-Expires=2" in signed and "X-Amz-Signature=" in signed
    fetched = httpx.get(signed)
    assert fetched.status_code == 200
    assert fetched.content == content
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="Facture mars.pdf"'

    # moto serves any presigned URL; what AWS or MinIO check, checked here (tests/scale/s3_signature.py).
    assert _refusal(signed) is None
    assert _refusal(signed, later=timedelta(seconds=3)) == "Request has expired"


def _refusal(url: str, *, later: timedelta = timedelta(0)) -> str | None:
    options = settings.STORAGES["default"]["OPTIONS"]
    return presigned_refusal(url, access_key=options["access_key"], secret_key=options["secret_key"],
                             region=options["region_name"], now=datetime.now(UTC) + later)


def test_another_tenant_gets_404_not_a_signed_url(company, firm_admin, other_firm_admin, other_client_user):
    document = deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin)
    for outsider in (other_firm_admin, other_client_user):
        response = login(outsider).get(reverse("ged:download", args=[document.pk]))
        assert response.status_code == 404
        assert "Location" not in response


def test_tampered_or_lengthened_signed_url_is_refused(company, firm_admin):
    document = deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin)
    signed = login(firm_admin).get(reverse("ged:download", args=[document.pk]))["Location"]
    other_key = signed.replace(document.blob, document.blob[:-1] + ("0" if document.blob[-1] != "0" else "1"))
    longer = signed.replace("X-Amz-Expires=60", "X-Amz-Expires=86400")
    assert "X-Amz-Expires=60&" in signed, "one minute by default"
    assert _refusal(other_key) == "SignatureDoesNotMatch"
    assert _refusal(longer) == "SignatureDoesNotMatch"


def test_preview_is_still_streamed_under_its_own_csp(company, firm_admin):
    document = deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin)
    response = login(firm_admin).get(reverse("ged:content", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == document_bytes(document)
    assert "default-src 'none'" in response["Content-Security-Policy"]


def document_bytes(document) -> bytes:
    from comptoir.ged.blobs import blob_open

    with blob_open(document.blob) as handle:
        return handle.read()
