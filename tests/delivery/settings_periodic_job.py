"""Comptoir's settings plus the test app that registers a periodic job (worker processes of one test)."""

from comptoir.settings import *  # noqa: F403
from comptoir.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.delivery.periodic_job_app"]
