"""The FTP transport: one file uploaded under a directory, never twice, never half.

`tls="required"`: explicit TLS (AUTH TLS) with a verified certificate (the system's CAs, or the
firm's `ca_pem`), data channel protected (PROT P); a server that does not offer TLS is refused.
`tls="off"`: plain FTP, never TLS. A 4xx reply or a connection error is transient (retried by the
outbox's backoff); a 5xx (login refused, permission) is permanent and carries the server's reply.

The file is written under a temporary name and renamed at the end, so a killed upload leaves no
partial final file; an existing final file of the same size and sha256 is taken as done (the attempt
that died between the rename and the settlement), so nothing is uploaded twice.
"""

import ftplib
import hashlib
import io
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from comptoir.partners.transports import PermanentError, TransientError

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class FtpAccess:
    host: str
    port: int
    username: str
    password: str
    tls: str = "required"  # or "off"
    ca_pem: str = ""


def _reply(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


@contextmanager
def _replies_classified() -> Iterator[None]:
    """4xx and lost connections are transient, 5xx permanent, each with the server's reply."""
    try:
        yield
    except ftplib.error_temp as exc:
        raise TransientError(_reply(exc)) from exc
    except ftplib.error_perm as exc:
        raise PermanentError(_reply(exc)) from exc
    except (OSError, EOFError) as exc:
        raise TransientError(f"Connexion FTP interrompue : {_reply(exc)}") from exc


@contextmanager
def ftp_session(access: FtpAccess) -> Iterator[ftplib.FTP]:
    """A logged-in session; TransientError / PermanentError with the server's reply otherwise."""
    try:
        if access.tls == "off":
            ftp = ftplib.FTP(timeout=TIMEOUT_SECONDS)  # noqa: S321 (the firm ticked « serveur sans chiffrement »)
        else:
            context = ssl.create_default_context(cadata=access.ca_pem or None)
            ftp = ftplib.FTP_TLS(context=context, timeout=TIMEOUT_SECONDS)  # noqa: S321 (explicit TLS, verified)
        ftp.connect(access.host, access.port)
    except (OSError, EOFError) as exc:
        raise TransientError(f"Serveur FTP injoignable : {_reply(exc)}") from exc
    try:
        with _replies_classified():
            if isinstance(ftp, ftplib.FTP_TLS):
                try:
                    ftp.auth()
                except ftplib.error_perm as exc:
                    raise PermanentError(f"Le serveur FTP ne propose pas TLS (AUTH TLS) : {_reply(exc)}") from exc
                except ssl.SSLError as exc:
                    raise PermanentError(f"Certificat du serveur FTP refusé : {_reply(exc)}") from exc
            ftp.login(access.username, access.password)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.voidcmd("TYPE I")  # binary: SIZE is exact, and refused in ASCII mode by many servers
        yield ftp
    finally:
        try:
            ftp.quit()
        except Exception:  # noqa: BLE001 (the session is over either way)
            ftp.close()


def _ensure_dirs(ftp: ftplib.FTP, parts: list[str]) -> None:
    for part in parts:
        try:
            ftp.cwd(part)
        except ftplib.error_perm:
            ftp.mkd(part)
            ftp.cwd(part)


def _same_file(ftp: ftplib.FTP, name: str, content: bytes) -> bool | None:
    """None: no such file; True: the same bytes are there; False: another file has that name."""
    try:
        size = ftp.size(name)
    except ftplib.error_perm:
        return None
    if size != len(content):
        return False
    digest = hashlib.sha256()
    ftp.retrbinary(f"RETR {name}", digest.update)
    return digest.hexdigest() == hashlib.sha256(content).hexdigest()


def ftp_upload(access: FtpAccess, *, directory: list[str], name: str, content: bytes, temp_name: str) -> str:
    """Upload once under `directory` (created if missing); the final path written (or found)."""
    with _replies_classified(), ftp_session(access) as ftp:
        _ensure_dirs(ftp, directory)
        final = name
        same = _same_file(ftp, final, content)
        if same is False:  # another document of that name: ours gets a name of its own
            stem, dot, ext = name.rpartition(".")
            final = f"{stem}-{temp_name.rsplit('.', 2)[-2]}.{ext}" if dot else f"{name}-{temp_name}"
            same = _same_file(ftp, final, content)
        if not same:
            ftp.storbinary(f"STOR {temp_name}", io.BytesIO(content))
            ftp.rename(temp_name, final)
        return "/".join([*directory, final])


def ftp_check(access: FtpAccess) -> None:
    """Log in and out: the credentials check."""
    with ftp_session(access):
        pass
