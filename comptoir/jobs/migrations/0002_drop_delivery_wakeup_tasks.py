"""Queued `deliveries_send` wake-up tasks are gone from the code: drop the ones still queued.

They only woke workers up; the Delivery rows they named are found by the sweep anyway.
"""

from django.db import migrations

WAKEUP_TASK_PATH = "comptoir.delivery.tasks.deliveries_send"


def drop_wakeup_tasks(apps, schema_editor):
    apps.get_model("django_tasks_database", "DBTaskResult").objects.filter(task_path=WAKEUP_TASK_PATH).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_worker_registry_periodic_jobs_mail_outbox"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(drop_wakeup_tasks, migrations.RunPython.noop)]
