"""Comptoir started as a user would, driven by Debian's Chromium through Playwright.

For the package: one real SMTP server on loopback (the partner's mailbox and the outgoing relay), the
fake Upflow, and one `comptoir serve` subprocess on free ports (`comptoir_server`), its data dir a copy
of the session's migrated template (`tests/sites.py`). For each module: a firm of its own seeded
through the services (`comptoir`, `tests/browser/seed.py`) and one browser context per role
(`admin`, `client`) whose state carries from step to step. A module that needs another
configuration starts its own server with `server_instance` and `serving` (test_portal_pages.py).
No browser is ever downloaded: Playwright drives `/usr/bin/chromium` (installed by `bin/test-deps`).
Every test here is `embedded_only`: the server under test runs on its embedded defaults.
"""

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.browser.page_audit import page_audit_check, page_audit_watch  # noqa: F401 - the autouse check
from tests.loopback import free_port
from tests.sites import SCRUBBED_PREFIXES, embedded_env, site_from_template
from tests.smtp_server import SmtpServer

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
RESULTS = REPO / "test-results"
CHROMIUM = os.environ.get("COMPTOIR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Every wait of the walk is on a condition; this is only how long a condition may take.
TIMEOUT_MS = 20_000
START_TIMEOUT_S = 90
# The server under test runs on its embedded defaults (SQLite and files in a temp dir): the scale pass
# has nothing more to prove here (tests/profiles.py).
_SCRUBBED_PREFIXES = SCRUBBED_PREFIXES  # the name test modules imported

_FAILED = pytest.StashKey[set]()
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Every test of this package is `embedded_only`, a new module's too: its server runs on the embedded
    defaults whatever the pass (tests/profiles.py)."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.embedded_only)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember which modules had a real failure, so their browser contexts keep a trace."""
    report = yield
    if report.failed:
        item.config.stash.setdefault(_FAILED, set()).add(item.module.__name__)
    return report


@dataclass
class Comptoir:
    url: str
    data_dir: Path
    env: dict
    seed: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def manage(self, *args: str, timeout: float = 120) -> str:
        """Run a `comptoir` command against this instance, as an operator would; returns stdout."""
        result = subprocess.run([sys.executable, "-m", "comptoir", *args], cwd=REPO, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"comptoir {args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def log_tail(self, lines: int = 60) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_up(comptoir: Comptoir) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    login = f"{comptoir.url}/comptes/connexion/"
    while time.monotonic() < deadline:
        if comptoir.process.poll() is not None:
            raise AssertionError(f"comptoir serve exited ({comptoir.process.returncode}):\n{comptoir.log_tail()}")
        try:
            if httpx.get(login, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        # Between two looks, wait on the other condition that matters: the server process exiting.
        try:
            comptoir.process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            pass
    raise AssertionError(f"comptoir serve did not answer {login} within {START_TIMEOUT_S}s:\n{comptoir.log_tail()}")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole process group (serve, web, worker, mail-in); SIGKILL what outlives 30 s."""
    pgid = process.pid  # start_new_session: serve leads its own group, its children are in it
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    while _group_alive(pgid) and time.monotonic() < deadline:
        # serve's children exit on their own SIGTERM; the OS offers no event for "this process
        # group is empty", so look again in a moment, bounded by the deadline.
        time.sleep(0.2)
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=10)


@contextlib.contextmanager
def serving(instance: Comptoir, port: int):
    """`comptoir serve --no-demo` for `instance` on `port`, from when it answers until the whole
    process group is stopped at the end of the block."""
    with instance.log_path.open("a") as log:
        instance.process = subprocess.Popen(
            [sys.executable, "-m", "comptoir", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-demo"],
            cwd=REPO, env=instance.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_until_up(instance)
        yield instance
    finally:
        _stop(instance.process)


def server_instance(data_dir: Path, **env: str) -> tuple[Comptoir, int]:
    """A Comptoir on a free port whose data dir holds a copy of the migrated template (so `serve`
    does not migrate), its environment the embedded defaults plus `env`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    instance = Comptoir(url=url, data_dir=data_dir, env=embedded_env(data_dir, **env), log_path=data_dir / "serve.log")
    return instance, port


@pytest.fixture(scope="package")
def smtp():
    """The partner's mailbox and the firm's relay: a real aiosmtpd server on a loopback port, one for
    the package like the server that sends to it; `comptoir` empties it for each module."""
    # aiosmtpd logs every SMTP command at INFO: too loud for a failure report.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def fake_upflow():
    """The local fake Upflow API on loopback (issue #15's step: connect by API, mark paid, see « payée »)."""
    from comptoir.partners.fake_upflow.server import FakeUpflow

    with FakeUpflow(accounts={"walk-key": "walk-secret-0123456789"}) as server:
        yield server


@pytest.fixture(scope="package")
def comptoir_server(tmp_path_factory, migrated_template, smtp, fake_upflow):
    """One `comptoir serve --no-demo` (web server, listeners and worker) for every module of this
    package, on free ports, its database a copy of the session's migrated template: booted and
    migrated once, not once per module. No firm yet: `comptoir` seeds one per module."""
    data_dir = site_from_template(migrated_template, tmp_path_factory.mktemp("comptoir-data"))
    instance, port = server_instance(
        data_dir,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        EMAIL_TIMEOUT="10",
        COMPTOIR_SMTP_SINK="false",
        # Upflow by API: the fake on loopback, read back every 2 s.
        COMPTOIR_UPFLOW_API_URL=fake_upflow.base_url,
        COMPTOIR_UPFLOW_SYNC_SECONDS="2",
    )
    instance.env["COMPTOIR_BASE_URL"] = instance.url
    with serving(instance, port) as server:
        yield server


def fresh_firm(server: Comptoir) -> Comptoir:
    """`server` with a new firm seeded for one module (`tests/browser/seed.py`): the firms of the
    modules before keep their rows but lose the logins (`seed.ADMIN_EMAIL`, …), so each module walks
    as on a portal of its own, without a migrate or a boot."""
    out = server.manage("shell", "-c", "from tests.browser.seed import main; main()")
    seed_line = next(line for line in out.splitlines() if line.startswith("SEED "))
    return dataclasses.replace(server, seed=json.loads(seed_line[len("SEED "):]))


@pytest.fixture(scope="module")
def comptoir(comptoir_server, smtp):
    """The package's `comptoir serve`, with a firm of this module's own (`.seed`: its ids) and an empty
    SMTP server. `.url`, `.env`, `.manage(…)`, `.log_path` are the server's."""
    smtp.clear()
    return fresh_firm(comptoir_server)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run bin/test-deps (installs Debian's chromium)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Role:
    """One person's browser: a context (cookies, trace) and its page, plus the JS errors it saw."""

    def __init__(self, browser, *, name: str, base_url: str, **context_options):
        self.name = name
        self.context = browser.new_context(base_url=base_url, locale="fr-FR", timezone_id="Europe/Paris",
                                           **context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.tracing.start(screenshots=True, snapshots=True)
        page_audit_watch(self.context, base_url=base_url)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def login(self, email: str, password: str) -> None:
        from playwright.sync_api import expect

        self.page.goto("/comptes/connexion/")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        expect(self.page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    def screenshot(self, name: str) -> Path:
        """The README's pictures are rewritten only when asked (COMPTOIR_TOUR_SCREENSHOTS=1); otherwise the
        picture goes to test-results/, so an ordinary run leaves the working tree clean."""
        folder = SCREENSHOTS if os.environ.get("COMPTOIR_TOUR_SCREENSHOTS") == "1" else RESULTS / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        self.page.screenshot(path=path, full_page=True, animations="disabled")
        return path

    def close(self, *, failed: bool) -> None:
        if failed:
            RESULTS.mkdir(parents=True, exist_ok=True)
            self.context.tracing.stop(path=RESULTS / f"{self.name}-trace.zip")
        else:
            self.context.tracing.stop()
        self.context.close()


def _role(request, browser, comptoir, name: str, **options):
    role = Role(browser, name=name, base_url=comptoir.url, **options)
    yield role
    failed = request.module.__name__ in request.config.stash.get(_FAILED, set())
    role.close(failed=failed)
    if failed:
        log = RESULTS / f"{name}-serve.log"
        shutil.copyfile(comptoir.log_path, log)


@pytest.fixture(scope="module")
def admin(request, browser, comptoir):
    """The firm admin, on a laptop-sized window."""
    yield from _role(request, browser, comptoir, "admin", viewport={"width": 1280, "height": 860})


@pytest.fixture(scope="module")
def client(request, browser, comptoir):
    """The client user, on a phone (390×844)."""
    yield from _role(request, browser, comptoir, "client", viewport={"width": 390, "height": 844},
                     device_scale_factor=2, is_mobile=True, has_touch=True)
