"""A private Postfix with OpenDKIM in front of the mail-in listener, as firms run it (Debian's packages).

Everything is its own: a config directory, a queue, a log, free loopback ports. The system service
apt installs is never used (`bin/test-deps` installs the packages without starting it). Postfix
takes mail by SMTP on a free port, has OpenDKIM (a milter, verify mode) write
`Authentication-Results: <authserv-id>; dkim=…`, and relays every message for the mail domain to
the listener by LMTP. There is no DNS here: OpenDKIM reads the test's public keys from its
`TestPublicKeys` file.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

POSTFIX = "/usr/sbin/postfix"
OPENDKIM = "/usr/sbin/opendkim"
DAEMONS = "/usr/lib/postfix/sbin"


def mta_available() -> bool:
    return os.path.exists(POSTFIX) and os.path.exists(OPENDKIM) and os.geteuid() == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# Only the services a relay needs, none chrooted (the queue is ours, not /var/spool/postfix).
_MASTER_CF = """\
127.0.0.1:{smtp_port} inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
lmtp      unix - - n - - lmtp
smtp      unix - - n - - smtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

_MAIN_CF = """\
compatibility_level = 3.6
config_directory = {root}/etc
queue_directory = {root}/queue
data_directory = {root}/data
daemon_directory = {daemons}
mail_owner = postfix
setgid_group = postdrop
myhostname = {hostname}
mydomain = {hostname}
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = {mail_domain}
transport_maps = inline:{{ {mail_domain}=lmtp:inet:127.0.0.1:{lmtp_port} }}
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_milters = inet:127.0.0.1:{milter_port}
milter_default_action = tempfail
maillog_file = /dev/stdout
biff = no
smtputf8_enable = no
delay_warning_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
lmtp_connection_cache_on_demand = no
"""

_OPENDKIM_CONF = """\
Mode v
Socket inet:{milter_port}@127.0.0.1
AuthservID {hostname}
AlwaysAddARHeader yes
Background no
Syslog no
LogWhy yes
# The sender's client connects from loopback: verify its mail, do not treat it as ours to sign.
InternalHosts 192.0.2.1
TestPublicKeys {root}/keys.txt
PidFile {root}/opendkim.pid
"""


@dataclass
class Mta:
    root: Path
    hostname: str
    smtp_port: int
    keys: Path

    def publish_key(self, *, selector: str, domain: str, record: str) -> None:
        """What DNS would answer for `<selector>._domainkey.<domain>` TXT (OpenDKIM rereads the file)."""
        with self.keys.open("a") as keys:
            keys.write(f"{selector}._domainkey.{domain} {record}\n")

    def log(self) -> str:
        return "".join(path.read_text(errors="replace") for path in sorted(self.root.glob("*.log")))


@contextlib.contextmanager
def mta_running(*, hostname: str, mail_domain: str, lmtp_port: int) -> Iterator[Mta]:
    """Postfix + OpenDKIM on free loopback ports, relaying `mail_domain` to 127.0.0.1:`lmtp_port` by LMTP."""
    # Outside pytest's 0700 tmp dirs: Postfix's daemons run as `postfix` and must reach their queue.
    root = Path(tempfile.mkdtemp(prefix="comptoir-mta-", dir="/tmp"))
    root.chmod(0o711)
    smtp_port, milter_port = _free_port(), _free_port()
    values = {"root": root, "hostname": hostname, "mail_domain": mail_domain, "lmtp_port": lmtp_port,
              "milter_port": milter_port, "smtp_port": smtp_port, "daemons": DAEMONS}
    (root / "etc").mkdir()
    (root / "queue").mkdir()
    (root / "queue").chmod(0o755)  # root's, as Postfix wants it; `postfix` makes its subfolders
    (root / "data").mkdir(mode=0o700)
    shutil.chown(root / "data", "postfix", "postfix")
    (root / "etc" / "main.cf").write_text(_MAIN_CF.format(**values))
    (root / "etc" / "master.cf").write_text(_MASTER_CF.format(**values))
    (root / "etc" / "dynamicmaps.cf").write_text("")
    (root / "opendkim.conf").write_text(_OPENDKIM_CONF.format(**values))
    keys = root / "keys.txt"
    keys.write_text("")
    procs: list[subprocess.Popen] = []
    try:
        with (root / "opendkim.log").open("wb") as log:
            procs.append(subprocess.Popen([OPENDKIM, "-f", "-x", str(root / "opendkim.conf")], stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True, umask=0o022))
        with (root / "postfix.log").open("wb") as log:
            # Comptoir's settings set a umask of 027: Postfix makes its queue's folders for other users.
            procs.append(subprocess.Popen([POSTFIX, "-c", str(root / "etc"), "start-fg"], stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True, umask=0o022))
        deadline = time.monotonic() + 30
        while not (_port_open(smtp_port) and _port_open(milter_port)):
            if time.monotonic() > deadline or any(proc.poll() is not None for proc in procs):
                raise RuntimeError("Postfix/OpenDKIM did not start:\n" + Mta(root, hostname, smtp_port, keys).log())
            time.sleep(0.05)
        yield Mta(root=root, hostname=hostname, smtp_port=smtp_port, keys=keys)
    finally:
        # Postfix's master detaches into its own session: stop it by its pid file, then what we started.
        pid_file = root / "queue" / "pid" / "master.pid"
        with contextlib.suppress(OSError, ValueError):
            master = int(pid_file.read_text().split()[0])
            os.kill(master, 15)
            deadline = time.monotonic() + 10
            while _running(master) and time.monotonic() < deadline:
                time.sleep(0.05)
        for proc in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
        shutil.rmtree(root, ignore_errors=True)
