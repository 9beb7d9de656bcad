"""Writes of the portal's own state: what a person has seen, how often they want a digest."""

from django.db import transaction
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.web.models import DigestFrequency, DigestPreference, FolderSeenMark, SeenMark


def seen_mark_record(*, user: User, company_id: int | None, when=None) -> None:
    """Remember that `user` looked at a company's documents (or at the dashboard, company_id None)."""
    when = when or timezone.now()
    updated = SeenMark.objects.filter(user=user, company_id=company_id).update(seen_at=when)
    if not updated:
        SeenMark.objects.get_or_create(user=user, company_id=company_id, defaults={"seen_at": when})


def folder_seen_mark_record(*, user: User, folder_id: int, when=None) -> None:
    """Remember that `user` opened this folder: the tree's dot on it (and, when nothing else below
    them is new, on its ancestors) goes away."""
    when = when or timezone.now()
    updated = FolderSeenMark.objects.filter(user=user, folder_id=folder_id).update(seen_at=when)
    if not updated:
        FolderSeenMark.objects.get_or_create(user=user, folder_id=folder_id, defaults={"seen_at": when})


@transaction.atomic
def digest_preference_set(*, user: User, frequency: str) -> DigestPreference:
    if frequency not in DigestFrequency.values:
        raise ValueError(frequency)
    preference, _ = DigestPreference.objects.update_or_create(user=user, defaults={"frequency": frequency})
    return preference
