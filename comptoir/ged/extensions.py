"""Extension points of the GED pages, filled by other apps at start-up (the GED imports none of them).

A folder panel is a piece of the folder toolbar (right-hand side of the GED page) that the page
loads with htmx from another app's URL, e.g. the partner switches or the zip import.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FolderPanel:
    key: str
    # A URL name taking the folder id as its only argument, e.g. "partners:folder_switches".
    url_name: str
    # Shown only to firm staff (the partner switches), or to everyone who sees the folder.
    firm_staff_only: bool = False
    order: int = 100


_folder_panels: dict[str, FolderPanel] = {}


def folder_panel_register(panel: FolderPanel) -> None:
    _folder_panels[panel.key] = panel


def folder_panels() -> list[FolderPanel]:
    return sorted(_folder_panels.values(), key=lambda panel: (panel.order, panel.key))


@dataclass(frozen=True)
class DocumentPanel:
    """A piece of each document row (e.g. the delivery badges), loaded with htmx from another app's URL."""

    key: str
    # A URL name taking the document id as its only argument, e.g. "delivery:document_badges".
    url_name: str
    firm_staff_only: bool = False
    order: int = 100


_document_panels: dict[str, DocumentPanel] = {}


def document_panel_register(panel: DocumentPanel) -> None:
    _document_panels[panel.key] = panel


def document_panels() -> list[DocumentPanel]:
    return sorted(_document_panels.values(), key=lambda panel: (panel.order, panel.key))
