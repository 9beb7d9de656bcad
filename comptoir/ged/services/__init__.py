"""Writes of the GED. Import from here: `from comptoir.ged.services import document_deposit`."""

from comptoir.ged.services.bulk import (
    BulkOutcome,
    documents_bulk_move,
    documents_bulk_restore,
    documents_bulk_trash,
)
from comptoir.ged.services.documents import (
    FileTooLarge,
    document_copy,
    document_deposit,
    document_move,
    document_rename,
    document_restore,
    document_trash,
)
from comptoir.ged.services.folders import (
    annual_folder_ensure,
    company_edit,
    company_onboard,
    folder_create,
    folder_move,
    folder_rename,
    folder_restore,
    folder_template_apply,
    folder_trash,
)

__all__ = [
    "BulkOutcome",
    "documents_bulk_move",
    "documents_bulk_restore",
    "documents_bulk_trash",
    "FileTooLarge",
    "annual_folder_ensure",
    "company_edit",
    "company_onboard",
    "document_copy",
    "document_deposit",
    "document_move",
    "document_rename",
    "document_restore",
    "document_trash",
    "folder_create",
    "folder_move",
    "folder_rename",
    "folder_restore",
    "folder_template_apply",
    "folder_trash",
]
