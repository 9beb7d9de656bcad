"""The bulk zip import as a django.tasks task: run by `comptoir worker`, so a web restart loses nothing.

Only the ZipImport id travels; the archive waits in the default storage. Running the task again
(after a worker crash) resumes the import without depositing anything twice.
"""

from django.tasks import task


@task()
def zip_import_process(zip_import_id: int) -> str:
    from comptoir.intake.services.zip_import import zip_import_execute

    return zip_import_execute(zip_import_id=zip_import_id)
