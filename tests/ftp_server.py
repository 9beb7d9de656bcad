"""A real FTP server on loopback (pyftpdlib), plain or with explicit TLS under a CA made by the test."""

import datetime
import ipaddress
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer as AsyncFTPServer

USER, PASSWORD = "cabinet", "mot-de-passe-en-clair"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def ca_make(directory: Path) -> tuple[str, Path, Path]:
    """(the CA's PEM, the server's cert file, its key file) for 127.0.0.1."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Comptoir test CA")).issuer_name(_name("Comptoir test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file


class FtpServer:
    """`.port`, `.home` (what was uploaded), `.fail_stor(reply, times)` (a 4xx on the next STORs)."""

    def __init__(self, home: Path, *, tls: tuple[Path, Path] | None = None, read_limit: int = 0):
        self.home = home
        self.stor_failures: list[str] = []
        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(home), perm="elradfmwMT")
        server = self

        base = TLS_FTPHandler if tls else FTPHandler

        class Handler(base):
            def ftp_STOR(self, file, mode="w"):  # noqa: N802 (pyftpdlib's name)
                if server.stor_failures:
                    self.respond(server.stor_failures.pop(0))
                    return None
                return super().ftp_STOR(file, mode)

        Handler.authorizer = authorizer
        if read_limit:  # a slow server: an upload takes long enough to be killed in the middle
            class Slow(ThrottledDTPHandler):
                pass

            Slow.read_limit = read_limit
            Handler.dtp_handler = Slow
        Handler.passive_ports = None
        if tls:
            Handler.certfile, Handler.keyfile = str(tls[0]), str(tls[1])
            Handler.tls_control_required = Handler.tls_data_required = True
        self.server = AsyncFTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"timeout": 0.2}, daemon=True)

    def fail_stor(self, reply: str, times: int = 1) -> None:
        self.stor_failures += [reply] * times

    def files(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.home)): p.read_bytes() for p in self.home.rglob("*") if p.is_file()}

    def __enter__(self) -> "FtpServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close_all()
