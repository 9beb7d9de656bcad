"""The From header of every mail the portal sends, built in one place.

A firm's display name is free text ("Martin, Durand & Associés", "Cabinet J. Martin",
"Expertise: Conseil"): pasted into `"{name} <{address}>"` it makes an address list or a group that
Django's SMTP backend refuses with a ValueError. The standard library's `Address` quotes it as one
display name (RFC 5322); the mail writer then encodes non-ASCII (RFC 2047) around the quoted name.
(`formataddr` encodes first, and Django 6.1's writer re-parses that encoded word and loses the
quotes: `Martin, Durand & =?utf-8?q?Associ=C3=A9s?=` reads as two addresses.)
"""

from email.headerregistry import Address

from django.conf import settings

# What a send can raise besides a refusal by the server: smtplib's errors are OSErrors, and a
# header Django cannot encode is a ValueError. Callers catch these so a mail never breaks a page.
MAIL_SEND_ERRORS = (OSError, ValueError)


def sender_header(display_name: str = "", address: str | None = None) -> str:
    """`"Display name" <address>`, the portal's sender address unless another is given."""
    name = " ".join((display_name or "").split())  # no CR/LF or tabs can reach the header
    return str(Address(display_name=name, addr_spec=address or settings.SENDER_ADDRESS))
