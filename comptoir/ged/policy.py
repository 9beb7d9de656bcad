"""What a user may do to a folder or a document they can see (see docs/permissions.md).

    from comptoir.ged.policy import ged_policy
    ged_policy.can(user, "document.move", document)      # True / False
    ged_policy.require(user, "document.trash", document)  # raises core PermissionDenied (403)

The rules: the firm (admins and members) may do anything. A client admin manages the company's side:
the folders client users created and the documents the firm did not deposit. A client member may
rename, move and trash what they deposited themselves. Restoring needs the same right as trashing.
The folders laid down by the firm's template (the annual folder, Ventes, its months…) carry the
partner switches and the collection mailboxes: only the firm changes them.
"""

from comptoir.accounts.models import User
from comptoir.core.policy import Policy
from comptoir.firms.models import FIRM_ROLES, Role
from comptoir.firms.policy import role_of, user_is_client_of
from comptoir.ged.models import Channel, Document, Folder


def _staff(user: User, obj=None) -> bool:
    return role_of(user) in FIRM_ROLES


def _anyone(user: User, obj=None) -> bool:
    return role_of(user) is not None


def _folder_create(user: User, obj=None) -> bool:
    return role_of(user) in {Role.FIRM_ADMIN, Role.FIRM_MEMBER, Role.CLIENT_ADMIN}


def _folder_change(user: User, folder: Folder) -> bool:
    role = role_of(user)
    if role in FIRM_ROLES:
        return True
    if role != Role.CLIENT_ADMIN or folder.role or folder.firm_only:
        return False
    return user_is_client_of(folder.created_by, folder.company_id)


def _document_change(user: User, document: Document, action: str = "") -> bool:
    role = role_of(user)
    if role in FIRM_ROLES:
        return True
    if role in (Role.CLIENT_MEMBER, Role.CLIENT_ADMIN) and action in ("move", "trash") \
            and document.channel == Channel.PA:
        return False  # a regulated invoice received from the PA: only the firm moves it
    if role == Role.CLIENT_MEMBER:
        return document.depositor_id is not None and document.depositor_id == user.pk
    if role == Role.CLIENT_ADMIN:
        # What came in through the company's own channels (no depositor: its mailbox, its scanner) or
        # from one of its users; never what the firm deposited.
        return document.depositor_id is None or user_is_client_of(document.depositor, document.company_id)
    return False


ged_policy = Policy("ged", {
    "folder.create": _folder_create,
    "folder.create_firm_only": _staff,
    "folder.rename": _folder_change,
    "folder.move": _folder_change,
    "folder.trash": _folder_change,
    "folder.restore": _folder_change,
    "document.deposit": _anyone,
    "document.copy": _anyone,
    "document.rename": _document_change,
    "document.move": lambda user, document: _document_change(user, document, "move"),
    "document.trash": lambda user, document: _document_change(user, document, "trash"),
    "document.restore": _document_change,
})


DOCUMENT_ACTIONS = ("rename", "move", "copy", "trash", "restore")
FOLDER_ACTIONS = ("rename", "move", "trash", "restore")


def document_actions(user: User, document: Document) -> dict[str, bool]:
    """What the page may offer on this document, by short name (`{"rename": True, "trash": False…}`):
    the views ask here and the templates show a control only when its entry is true."""
    return {action: ged_policy.can(user, f"document.{action}", document) for action in DOCUMENT_ACTIONS}


def folder_actions(user: User, folder: Folder) -> dict[str, bool]:
    """As `document_actions`, for a folder (rename, move, trash, restore)."""
    return {action: ged_policy.can(user, f"folder.{action}", folder) for action in FOLDER_ACTIONS}


def can_change_folder(user: User, folder: Folder) -> bool:
    """Rename, move or trash a folder (kept for the templates and views that ask it by this name)."""
    return ged_policy.can(user, "folder.rename", folder)
