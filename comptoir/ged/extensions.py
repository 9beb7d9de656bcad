"""Extension points of the GED pages, filled by other apps at start-up (the GED imports none of them).

A panel is a piece of a GED page that the page loads with htmx from another app's URL: in the
folder toolbar (the partner switches, the zip import) or in each document row (the delivery badges).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    # A URL name taking the folder's (or the document's) id as its only argument,
    # e.g. "partners:folder_switches" or "delivery:document_badges".
    url_name: str
    # Shown only to firm staff (the partner switches), or to everyone who sees the page.
    firm_staff_only: bool = False
    order: int = 100
    # For a document panel: `(user=, documents=) -> {document id: html}`, the panel of a page of rows in a few
    # queries, written into the rows themselves (a folder page of 50 rows makes no request per row). Without
    # it, each row loads the panel from `url_name` when it scrolls into view.
    render_rows: Callable | None = None


class PanelRegistry:
    def __init__(self) -> None:
        self._panels: dict[str, Panel] = {}

    def register(self, panel: Panel) -> None:
        self._panels[panel.key] = panel

    def unregister(self, key: str) -> None:
        self._panels.pop(key, None)

    def visible_to(self, *, firm_staff: bool) -> list[Panel]:
        panels = sorted(self._panels.values(), key=lambda panel: (panel.order, panel.key))
        return [panel for panel in panels if firm_staff or not panel.firm_staff_only]


folder_panels = PanelRegistry()
document_panels = PanelRegistry()


# The folder list's sorts and filters (the GED's own, invoice amount and due date, delivery state) are one
# registry of their own: `comptoir.ged.list_options.document_list_options`, read by the folder page and the API.

@dataclass(frozen=True)
class SearchTextSource:
    """More text a document should be found by (e.g. an invoice's number, customer and amount, from the
    invoices app), gathered by `comptoir.ged.search.index.document_indexable_row`. The app re-indexes
    with `search_index_documents` when that text changes after the deposit."""

    key: str
    text: Callable  # (Document) -> str
    # Relations `text` reads, joined when many documents are indexed at once (no query per document).
    select_related: tuple[str, ...] = ()


search_text_sources: dict[str, SearchTextSource] = {}


def search_text_source_register(source: SearchTextSource) -> None:
    search_text_sources[source.key] = source

# What else a document row shows that may change while the folder page is open (e.g. the delivery
# badges): callables taking the ids of the documents on screen and returning a short string that
# changes when they do. The folder page polls and redraws its list when any of them changes.
document_list_stamps: list = []

# What else the folder-trash confirmation should tell about the documents it would trash (e.g. "K
# of them sent to partners"): callables taking a queryset of those documents and returning a
# sentence, or "" for nothing to add.
folder_trash_facts: list = []

# Small labels beside each subfolder of the folder view, for firm staff (e.g. the partners a folder
# sends to): callables taking a list of folders and returning {folder id: [label, …]}.
folder_badges: list = []

# What is new for the person in a company's folders (e.g. client deposits since they last opened the
# folder, from the web app): callables taking `user=` and `company=` and returning the ids of the
# folders holding something new. The tree puts a dot on each and on its ancestors; one query each.
folder_tree_news: list = []


@dataclass(frozen=True)
class DocumentNotice:
    """One line of the document's « à vérifier » list (« Déjà déposé le … », « Déjà reçue le … »)."""

    text: str
    url: str = ""  # where the first one is, when the reader may open it


# What else should be said of a document before anyone acts on it (e.g. the same invoice number, from the
# invoices app): callables taking `user=` and `document=` and returning DocumentNotice items. The GED's own
# (the same bytes already deposited) comes first; all of them are one list on the document.
document_notice_sources: list = []
