"""Collection-email apps: one message per document, sent over SMTP to the address read at send time."""

import functools
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from django.conf import settings
from django.core.mail.utils import DNS_NAME

from comptoir.delivery.transports import PermanentError, TransientError
from comptoir.delivery.transports.message import (
    document_facts,
    message_attachment_name,
    message_body,
    message_subject,
)
from comptoir.ged.blobs import blob_open
from comptoir.partners.models import Delivery


def message_id_for(delivery_id: int) -> str:
    """Stable across retries, so a partner that saw the message once can drop the duplicate."""
    return f"<delivery-{delivery_id}@{settings.MAIL_DOMAIN}>"


def _recipient(raw: str) -> str:
    address = (raw or "").strip()
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise PermanentError(f"Adresse de destination invalide : « {address} »") from exc
    if not parsed.username or "." not in parsed.domain or any(c in address for c in "\r\n,; "):
        raise PermanentError(f"Adresse de destination invalide : « {address} »")
    return address


def delivery_message_build(delivery: Delivery, *, recipient: str) -> EmailMessage:
    facts = document_facts(delivery)
    document = delivery.document
    message = EmailMessage()
    message["From"] = formataddr((facts.sender_name, settings.SENDER_ADDRESS))
    message["To"] = recipient
    message["Subject"] = message_subject(delivery, facts)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id_for(delivery.pk)
    message["X-Comptoir-Delivery-Id"] = str(delivery.pk)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(message_body(delivery, facts), cte="quoted-printable")
    maintype, _, subtype = (document.content_type or "application/octet-stream").partition("/")
    with blob_open(document.blob) as stream:
        content = stream.read()
    message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=message_attachment_name(delivery, facts))
    return message


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds of CPU: once per process, and only for TLS.
    return ssl.create_default_context()


def _smtp_connect() -> smtplib.SMTP:
    # Django's cached FQDN: smtplib would otherwise do a (possibly slow) reverse lookup per connection.
    timeout = settings.EMAIL_TIMEOUT
    if settings.EMAIL_USE_SSL:
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout,
                                                 context=_tls_context(), local_hostname=DNS_NAME.get_fqdn())
    else:
        client = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout,
                              local_hostname=DNS_NAME.get_fqdn())
        if settings.EMAIL_USE_TLS:
            client.starttls(context=_tls_context())
    if settings.EMAIL_HOST_USER:
        client.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return client


def _reply_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def _classify(code: int, reply: str) -> Exception:
    # 5xx is the partner's server saying "never"; anything else is worth another try.
    return PermanentError(reply) if 500 <= code < 600 else TransientError(reply)


def email_send(delivery: Delivery) -> str:
    """Send one delivery; return the server's reply to the message, or raise Transient/PermanentError."""
    recipient = _recipient(delivery.destination.address)
    message = delivery_message_build(delivery, recipient=recipient)
    # SMTP wants CRLF line ends; smtplib converts str payloads but sends bytes as they are.
    payload = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    try:
        client = _smtp_connect()
    except smtplib.SMTPAuthenticationError as exc:
        # Our relay's credentials, not the partner's refusal: retry while an admin fixes EMAIL_URL.
        raise TransientError(_reply_text(exc.smtp_code, exc.smtp_error)) from exc
    except smtplib.SMTPResponseException as exc:
        raise TransientError(_reply_text(exc.smtp_code, exc.smtp_error)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(f"Serveur d'envoi injoignable : {exc or type(exc).__name__}") from exc
    try:
        client.ehlo_or_helo_if_needed()
        code, text = client.mail(settings.SENDER_ADDRESS, ["SMTPUTF8"] if _needs_smtputf8(recipient) else [])
        if code != 250:
            raise _classify(code, _reply_text(code, text))
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            raise _classify(code, _reply_text(code, text))
        code, text = client.data(payload)
        if code != 250:
            raise _classify(code, _reply_text(code, text))
        return _reply_text(code, text)
    except smtplib.SMTPResponseException as exc:
        raise _classify(exc.smtp_code, _reply_text(exc.smtp_code, exc.smtp_error)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(f"Connexion interrompue : {exc or type(exc).__name__}") from exc
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _needs_smtputf8(address: str) -> bool:
    return not address.isascii()
