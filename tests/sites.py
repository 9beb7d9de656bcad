"""Comptoir in a subprocess, as an operator runs it on its embedded defaults (SQLite and files in a
data dir), on a database migrated once per session and copied for each site.

- `embedded_env(data_dir, **extra)`: the runner's environment less what picks a profile, a secret or
  a port, with every listener Comptoir would open on a fixed default port (mail-in 2525, the local
  SMTP sink 8025, the demo's fake Upflow 8040, its fake PA 8041) moved to a free one, so the suite passes beside a
  `bin/comptoir serve`. Only a test marked `@pytest.mark.embedded_only` may call it: the scale pass
  deselects those, and fails any other that forces the embedded profile (tests/profiles.py).
- `migrated_template` (session fixture): a data dir `comptoir migrate` prepared once;
  `site_from_template(template, data_dir)` copies its database into a new data dir, and the
  `migrated_data_dir` fixture is that for one test. `comptoir serve` migrates only when the
  database lacks a migration, so it starts at once on such a copy.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loopback import free_port
from tests.profiles import profile

REPO = Path(__file__).resolve().parents[1]
DATABASE = "comptoir.sqlite3"
# Variables of the runner's environment that must not reach a Comptoir on its embedded defaults.
SCRUBBED_PREFIXES = ("COMPTOIR_", "EMAIL_", "DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS",
                     "CSRF_TRUSTED_ORIGINS", "PROMETHEUS_")


def embedded_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of `python -m comptoir …` on its embedded defaults, its data in `data_dir`."""
    if profile() != "embedded":
        pytest.fail("this test runs Comptoir on its embedded defaults (SQLite, local files), which the scale "
                    "pass does not change: mark it @pytest.mark.embedded_only (docs/testing.md)")
    env = {key: value for key, value in os.environ.items() if not key.startswith(SCRUBBED_PREFIXES)}
    env.update(DJANGO_SETTINGS_MODULE="comptoir.settings", COMPTOIR_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1",
               COMPTOIR_MAILIN_PORT=str(free_port()), COMPTOIR_FAKE_UPFLOW_PORT=str(free_port()),
               COMPTOIR_FAKE_PA_PORT=str(free_port()))
    if "EMAIL_URL" not in extra:
        # No EMAIL_URL means `serve` starts the local sink on 8025: the same sink, on a free port.
        env.update(EMAIL_URL=f"smtp://127.0.0.1:{free_port()}", COMPTOIR_SMTP_SINK="true")
    env.update(extra)
    return env


def comptoir_run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m comptoir ARGS` in `env`; its output in the failure if it fails."""
    result = subprocess.run([sys.executable, "-m", "comptoir", *args], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"comptoir {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
                             f"{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A data dir whose database `comptoir migrate` made, once per session; copy it, never write to it."""
    data_dir = tmp_path_factory.mktemp("migrated-template")
    comptoir_run(embedded_env(data_dir), "migrate", "--no-input", "--verbosity", "0")
    return data_dir


def site_from_template(template: Path, data_dir: Path) -> Path:
    """`data_dir` (made if missing) with a copy of the template's migrated database: a first start
    already past its `migrate`. SQLite's own backup, so the write-ahead log is copied too."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / DATABASE
    with sqlite3.connect(template / DATABASE) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    target.chmod(0o600)  # as private as the file `migrate` makes (tests/accounts/test_hardening.py)
    return data_dir


@pytest.fixture
def migrated_data_dir(migrated_template, tmp_path) -> Path:
    """A fresh data dir for this test, its database migrated (a copy of the session's template)."""
    return site_from_template(migrated_template, tmp_path / "data")
