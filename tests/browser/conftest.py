"""Comptoir started as a user would, driven by Debian's Chromium through Playwright.

Module-scoped: one real SMTP server on loopback (the partner's mailbox and the outgoing relay), one
`comptoir serve` subprocess on a free port with its own data dir, seeded through the services
(`tests/browser/seed.py`), and one browser context per role whose state carries from step to step.
No browser is ever downloaded: Playwright drives `/usr/bin/chromium` (installed by `bin/test-deps`).
"""

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
# Variables of the runner's environment that must not leak into the server under test: it runs on
# its embedded defaults (SQLite and files in a temp dir) whatever profile the suite runs in.
_SCRUBBED_PREFIXES = ("COMPTOIR_", "EMAIL_", "DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS",
                      "CSRF_TRUSTED_ORIGINS")

_FAILED = pytest.StashKey[set]()


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


@pytest.fixture(scope="module")
def smtp():
    """The partner's mailbox and the firm's relay: a real aiosmtpd server on a loopback port."""
    # aiosmtpd logs every SMTP command at INFO: too loud for a failure report.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = SmtpServer().start()
    yield server
    server.stop()


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


@pytest.fixture(scope="module")
def fake_upflow():
    """The local fake Upflow API on loopback (issue #15's step: connect by API, mark paid, see « payée »)."""
    from comptoir.partners.fake_upflow.server import FakeUpflow

    with FakeUpflow(accounts={"walk-key": "walk-secret-0123456789"}) as server:
        yield server


@pytest.fixture(scope="module")
def comptoir(tmp_path_factory, smtp, fake_upflow):
    """`comptoir serve --no-demo` (web server and worker) on a free port, seeded with a known firm."""
    data_dir = tmp_path_factory.mktemp("comptoir-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(_SCRUBBED_PREFIXES)}
    env.update(
        DJANGO_SETTINGS_MODULE="comptoir.settings",
        PYTHONUNBUFFERED="1",
        COMPTOIR_DATA_DIR=str(data_dir),
        COMPTOIR_BASE_URL=url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        EMAIL_TIMEOUT="10",
        # mail-in's fixed default port would clash between runs (or with a running Comptoir): a free one.
        COMPTOIR_MAILIN_PORT=str(free_port()),
        # Upflow by API: the fake on loopback, read back every 2 s.
        COMPTOIR_UPFLOW_API_URL=fake_upflow.base_url,
        COMPTOIR_UPFLOW_SYNC_SECONDS="2",
    )
    instance = Comptoir(url=url, data_dir=data_dir, env=env, log_path=data_dir / "serve.log")
    instance.manage("migrate", "--no-input", "-v", "0")
    out = instance.manage("shell", "-c", "from tests.browser.seed import main; main()")
    seed_line = next(line for line in out.splitlines() if line.startswith("SEED "))
    instance.seed = json.loads(seed_line[len("SEED "):])
    with instance.log_path.open("w") as log:
        instance.process = subprocess.Popen(
            [sys.executable, "-m", "comptoir", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-demo"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_until_up(instance)
        yield instance
    finally:
        _stop(instance.process)


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
