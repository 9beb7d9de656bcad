"""What a user may do to a given folder, beyond seeing it (see `comptoir.firms.policy` for roles)."""

from comptoir.accounts.models import User
from comptoir.firms.policy import can_manage_folders, is_firm_staff
from comptoir.ged.models import Folder


def can_change_folder(user: User, folder: Folder) -> bool:
    """Rename, move or trash a folder.

    The folders laid down by the firm's template (the annual folder, Ventes, its months…) carry the
    partner switches and the collection mailboxes: only the firm changes them. Client admins manage
    the folders they create.
    """
    if not can_manage_folders(user):
        return False
    return is_firm_staff(user) or not folder.role
