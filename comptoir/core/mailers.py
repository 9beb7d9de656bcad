"""Outgoing mail in Django 6.1's form: `MAILERS` entries built from URLs, and the relay they name.

Two aliases: "default" is the portal's own mail (invitations, failure notices, demo requests, through
`EmailMessage.send()`); "delivery" is the relay documents go to partners through (the delivery
worker keeps its own SMTP sessions to it). Both come from `EMAIL_URL` unless
`COMPTOIR_DELIVERY_EMAIL_URL` names another relay. Imported by the settings module: no models here.
"""

from dataclasses import dataclass

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DELIVERY_MAILER = "delivery"


def mailer_smtp(*, host: str, port: int | None = None, username: str = "", password: str = "",
                use_tls: bool = False, use_ssl: bool = False, timeout: int | None = 30) -> dict:
    """One MAILERS entry for an SMTP relay."""
    return {"BACKEND": SMTP_BACKEND, "OPTIONS": {"host": host, "port": port, "username": username,
                                                 "password": password, "use_tls": use_tls,
                                                 "use_ssl": use_ssl, "timeout": timeout}}


def mailer_from_url(config: dict, *, timeout: int | None) -> dict:
    """One MAILERS entry from django-environ's `email_url_config()` (the EMAIL_* keys it returns)."""
    backend = config["EMAIL_BACKEND"]
    if backend == SMTP_BACKEND:
        return mailer_smtp(host=config.get("EMAIL_HOST") or "localhost", port=config.get("EMAIL_PORT"),
                           username=config.get("EMAIL_HOST_USER") or "",
                           password=config.get("EMAIL_HOST_PASSWORD") or "",
                           use_tls=bool(config.get("EMAIL_USE_TLS")), use_ssl=bool(config.get("EMAIL_USE_SSL")),
                           timeout=timeout)
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        return {"BACKEND": backend, "OPTIONS": {"file_path": config.get("EMAIL_FILE_PATH") or ""}}
    return {"BACKEND": backend}


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    username: str
    password: str
    use_tls: bool
    use_ssl: bool
    timeout: float | None


def smtp_relay(alias: str = DELIVERY_MAILER) -> SmtpRelay:
    """The SMTP relay a MAILERS alias names, with the SMTP backend's own defaults for what it leaves out.

    A non-SMTP backend (the test run's locmem) has no relay: its defaults name localhost:25.
    """
    from django.conf import settings

    options = settings.MAILERS.get(alias, {}).get("OPTIONS", {})
    use_tls, use_ssl = bool(options.get("use_tls")), bool(options.get("use_ssl"))
    port = options.get("port") or (465 if use_ssl else 587 if use_tls else 25)
    return SmtpRelay(host=options.get("host") or "localhost", port=int(port),
                     username=options.get("username") or "", password=options.get("password") or "",
                     use_tls=use_tls, use_ssl=use_ssl, timeout=options.get("timeout"))
