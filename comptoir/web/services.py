"""Writes that span areas for the portal's pages: each calls the owning areas' services in one transaction."""

from django.db import transaction
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.firms.models import Company
from comptoir.firms.services import company_archive, company_update
from comptoir.ged.models import Folder
from comptoir.ged.services import annual_folder_ensure
from comptoir.partners.services import company_deliveries_stop
from comptoir.web.models import DigestFrequency, DigestPreference, FolderSeenMark, SeenMark


@transaction.atomic
def company_edit(*, company: Company, actor: User, create_exercise_folders: bool = False,
                 **fields) -> tuple[list[str], Folder | None]:
    """Edit the company; when asked (after a change of fiscal year), lay down the new exercise's folders.
    Nothing is ever deleted or renamed."""
    changed = company_update(company=company, actor=actor, **fields)
    created = annual_folder_ensure(company=company, actor=actor) if create_exercise_folders else None
    return changed, created


@transaction.atomic
def company_archive_and_stop(*, company: Company, actor: User) -> int:
    """Archive (read-only, nothing deleted) and cancel what was still to send; returns how many were cancelled."""
    company_archive(company=company, actor=actor)
    return company_deliveries_stop(company=company, actor=actor)


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
