"""Background work of the portal pages: the digest emails, never sent from a request."""

from django.tasks import task


@task()
def digests_send() -> int:
    from comptoir.web.digest import digest_send_due

    return digest_send_due()
