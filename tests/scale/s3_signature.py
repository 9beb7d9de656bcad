"""What an S3 server checks on a presigned URL (SigV4 query auth): the signature, then the expiry.

moto's server serves presigned URLs without checking either, so the tests check them here, the way AWS
and MinIO do: recompute the signature from the URL's own X-Amz-Date and X-Amz-Expires with botocore's
signer and the bucket's credentials, and compare the time against them.
"""

from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botocore import auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_PARAMS = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
               "X-Amz-Signature", "X-Amz-Security-Token"}


def presigned_refusal(url: str, *, access_key: str, secret_key: str, region: str, now: datetime) -> str | None:
    """None when an S3 server would serve `url` at `now`, else why it would answer 403."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query)
    if "X-Amz-Signature" not in given:
        return "not signed"
    signed_at = datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    expires = int(given["X-Amz-Expires"])
    unsigned = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k not in AUTH_PARAMS])))
    request = AWSRequest(method="GET", url=unsigned)
    signer = auth.S3SigV4QueryAuth(Credentials(access_key, secret_key), "s3", region, expires=expires)
    with mock.patch.object(auth, "get_current_datetime", return_value=signed_at):
        signer.add_auth(request)
    expected = dict(parse_qsl(urlsplit(request.url).query))["X-Amz-Signature"]
    if expected != given["X-Amz-Signature"]:
        return "SignatureDoesNotMatch"
    if now > signed_at + timedelta(seconds=expires):
        return "Request has expired"
    return None
