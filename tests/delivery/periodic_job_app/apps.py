import os
import time
from datetime import timedelta

from django.apps import AppConfig


def tick(scope: str) -> None:
    # One line per execution, appended atomically: which process ran it, and when.
    with open(os.environ["COMPTOIR_TEST_JOB_LOG"], "a") as log:
        log.write(f"{os.getpid()} {time.time():.3f}\n")


class PeriodicJobAppConfig(AppConfig):
    name = "tests.delivery.periodic_job_app"
    label = "periodic_job_app"

    def ready(self) -> None:
        from comptoir.jobs.scheduler import PeriodicJob, periodic_job_register

        periodic_job_register(PeriodicJob(name="test.every_second", every=timedelta(seconds=1), run=tick))
