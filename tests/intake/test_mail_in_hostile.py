"""Malformed and hostile mail never crashes the listener and never writes outside storage."""

import os
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.ged.models import Document
from comptoir.intake.mime import MessageOverLimit, message_read
from comptoir.intake.models import QuarantinedDocument
from comptoir.intake.selectors import company_mailboxes
from tests.conftest import stored_keys
from tests.intake.hostile_mail import PDF, hostile_corpus
from tests.intake.test_mail_in import send, wire_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def files_under(root: Path) -> set[Path]:
    return {Path(folder, name) for folder, _, names in os.walk(root) for name in names}


def listener_answers(listener) -> bool:
    with smtplib.SMTP(listener.hostname, listener.port, timeout=10) as client:
        return client.noop()[0] == 250


def test_hostile_corpus_leaves_listener_up_and_storage_contained(mail_in, company, tmp_path):
    corpus = hostile_corpus(company_mailboxes(company)["achats"])
    assert len(corpus) >= 30
    escape_targets = [Path("/tmp/owned.pdf"), Path("/etc/passwd.pdf"), Path("/tmp/escape.pdf")]
    before = files_under(tmp_path)
    for name, raw in corpus:
        code, text = send(mail_in, raw, to=[company_mailboxes(company)["achats"]])
        assert code in {250, 500, 552, 554}, f"{name}: {code} {text}"
        assert listener_answers(mail_in), name
    storage = tmp_path / "files"
    new_files = files_under(tmp_path) - before
    if django_settings.S3_BUCKET:  # bin/test's scale pass: documents go to the bucket, nothing to local disk
        assert stored_keys(), "some of the corpus should have been stored"
        assert not new_files
    else:
        assert new_files, "some of the corpus should have been stored"
        assert all(path.resolve().is_relative_to(storage.resolve()) for path in new_files)
    assert not any(target.exists() for target in escape_targets)
    for document in Document.objects.all():
        assert "/" not in document.name and "\\" not in document.name and "\x00" not in document.name
        assert (storage / document.blob).resolve().is_relative_to(storage.resolve())
    held = QuarantinedDocument.objects.all()
    assert held, "unauthenticated, the corpus is held for approval"
    for item in held:
        assert "/" not in item.filename and "\\" not in item.filename and "\x00" not in item.filename
        assert (storage / item.blob).resolve().is_relative_to(storage.resolve())


@pytest.mark.parametrize(("name", "limit"), [("5000 parts", "parts"), ("deeply nested message/rfc822", "depth"),
                                           ("deeply nested multipart", "depth"), ("thousands of headers", "headers")])
def test_a_message_over_a_limit_is_refused_whole(name, limit):
    raw = dict(hostile_corpus("achats+x@depot.test"))[name]
    with pytest.raises(MessageOverLimit) as refused:
        message_read(raw)
    assert refused.value.limit == limit


def test_attachment_inside_a_forwarded_message_counts(company):
    raw = dict(hostile_corpus("achats+x@depot.test"))["nested message/rfc822 with an attachment"]
    assert [attachment.filename for attachment in message_read(raw).attachments] == ["deep.pdf"]


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)
leaf = st.tuples(st.sampled_from(["application/pdf", "image/png", "text/plain", "application/octet-stream"]),
                 names, st.binary(max_size=300), st.sampled_from(["attachment", "inline", None]))
tree = st.recursive(leaf, lambda children: st.lists(children, min_size=0, max_size=4), max_leaves=20)


def build(node, top: bool = False) -> EmailMessage:
    message = EmailMessage()
    if isinstance(node, list):
        message.make_mixed()
        for child in node:
            message.attach(build(child))
        return message
    content_type, filename, data, disposition = node
    maintype, subtype = content_type.split("/")
    if maintype == "text":
        message.set_content(data.decode("latin-1"), subtype=subtype, disposition=disposition,
                            filename=filename or None)
    else:
        message.set_content(PDF + data if subtype == "pdf" else data, maintype=maintype, subtype=subtype,
                            disposition=disposition, filename=filename or None)
    return message


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(tree=tree, subject=names, mangle=st.binary(max_size=40), cut=st.integers(min_value=0, max_value=4000))
def test_fuzzed_mime_never_crashes_the_reader(tree, subject, mangle, cut):
    try:
        message = build(tree if isinstance(tree, list) else [tree])
        message["Subject"] = subject
        raw = wire_bytes(message)
    except Exception:  # noqa: BLE001 - the generator built something the stdlib will not serialise
        return
    for variant in (raw, raw[:cut] + mangle + raw[cut:], raw[: cut or 1]):
        read = message_read(variant)
        for attachment in read.attachments:
            assert isinstance(attachment.data, bytes)
            assert attachment.filename


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(filename=names, data=st.binary(min_size=1, max_size=200))
def test_fuzzed_filenames_over_smtp_are_stored_inside_storage(mail_in, company, tmp_path, filename, data):
    message = EmailMessage()
    message["From"] = "x@example.com"
    message["To"] = company_mailboxes(company)["achats"]
    message["Subject"] = "fuzz"
    try:
        message.add_attachment(PDF + data, maintype="application", subtype="pdf", filename=filename or None)
        raw = wire_bytes(message)
    except Exception:  # noqa: BLE001
        return
    code, text = send(mail_in, raw, to=[company_mailboxes(company)["achats"]])
    assert code == 250, text
    storage = (tmp_path / "files").resolve()
    for item in [*Document.objects.all(), *QuarantinedDocument.objects.all()]:
        assert "/" not in getattr(item, "name", getattr(item, "filename", ""))
        assert (storage / item.blob).resolve().is_relative_to(storage)


def test_a_hundred_thousand_empty_parts_are_refused_at_the_limit_quickly(mail_in, company):
    """The review's mail: 0.9 MB, 100,000 empty parts, to a valid address. It used to hold DATA for 11.5 s."""
    to = company_mailboxes(company)["achats"]
    raw = (f"From: x@example.com\r\nTo: {to}\r\nSubject: parts\r\nMessage-ID: <parts@x>\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/mixed; boundary="b"\r\n\r\n').encode() + b"--b\r\n\r\n\r\n" * 100_000 + b"--b--\r\n"
    assert len(raw) > 900_000
    started = time.process_time()
    with pytest.raises(MessageOverLimit):
        message_read(raw)
    assert time.process_time() - started < 0.5  # the 201st part stops the parse: ~5 ms here
    started = time.monotonic()
    code, text = send(mail_in, raw, to=[to])
    assert (code, text) == (552, "5.3.4 Message refusé : plus de 200 parties MIME")
    assert time.monotonic() - started < 10  # mostly SMTP's own reading of 200,000 lines; the CPU bound is the proof
    assert not Document.objects.exists() and not QuarantinedDocument.objects.exists()
    assert listener_answers(mail_in)
