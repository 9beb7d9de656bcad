"""Extension points of the GED pages, filled by other apps at start-up (the GED imports none of them).

A panel is a piece of a GED page that the page loads with htmx from another app's URL: in the
folder toolbar (the partner switches, the zip import) or in each document row (the delivery badges).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Panel:
    key: str
    # A URL name taking the folder's (or the document's) id as its only argument,
    # e.g. "partners:folder_switches" or "delivery:document_badges".
    url_name: str
    # Shown only to firm staff (the partner switches), or to everyone who sees the page.
    firm_staff_only: bool = False
    order: int = 100


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


@dataclass(frozen=True)
class DocumentOrdering:
    """A way to sort a folder's documents that another app knows about (e.g. by invoice amount)."""

    key: str
    label: str  # French msgid, translated when shown
    order_by: tuple  # arguments of QuerySet.order_by (field paths or expressions)


@dataclass(frozen=True)
class DocumentFilter:
    key: str
    label: str
    lookup: str  # an ORM lookup on Document taking the typed value, e.g. "invoice_facts__buyer_name__icontains"
    input_type: str = "text"


class DocumentListOptions:
    """Sorts and filters of the folder list, registered at start-up; the GED applies what the URL asks."""

    def __init__(self) -> None:
        self.orderings: dict[str, DocumentOrdering] = {}
        self.filters: dict[str, DocumentFilter] = {}

    def register_ordering(self, ordering: DocumentOrdering) -> None:
        self.orderings[ordering.key] = ordering

    def register_filter(self, document_filter: DocumentFilter) -> None:
        self.filters[document_filter.key] = document_filter

    def apply(self, queryset, params) -> tuple:
        """The queryset sorted and filtered by `params` (a QueryDict), and what was applied."""
        chosen: dict[str, str] = {}
        for key, document_filter in self.filters.items():
            value = (params.get(key) or "").strip()[:100]
            if not value:
                continue
            try:
                filtered = queryset.filter(**{document_filter.lookup: value})
                str(filtered.query)  # a value the field cannot take (a bad date) is ignored, not a 500
            except (ValueError, TypeError, ValidationError):
                continue
            queryset, chosen[key] = filtered, value
        ordering = self.orderings.get(params.get("tri", ""))
        if ordering is not None:
            queryset, chosen["tri"] = queryset.order_by(*ordering.order_by, "-deposited_at", "-id"), ordering.key
        return queryset, chosen


document_list_options = DocumentListOptions()
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
