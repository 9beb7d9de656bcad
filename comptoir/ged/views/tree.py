"""The folder tree as the page shows it, built from one query of the folders the user may see."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from comptoir.accounts.models import User
from comptoir.firms.models import Company
from comptoir.firms.policy import is_firm_staff
from comptoir.ged import extensions
from comptoir.ged.models import Folder
from comptoir.ged.selectors import folder_list_for_user


@dataclass
class TreeNode:
    folder: Folder
    children: list["TreeNode"] = field(default_factory=list)
    is_open: bool = False
    is_current: bool = False
    # Something new in the folder or below it (extensions.folder_tree_news): a dot beside its name.
    has_news: bool = False
    url: str = ""


@dataclass
class FolderTree:
    roots: list[TreeNode]
    # Depth-first order, for the "pick a folder" selects.
    flat: list["FlatItem"]


@dataclass
class FlatItem:
    folder: Folder
    depth: int
    # "Dossier comptable annuel 2026 / Ventes / 05 – Novembre 2026": two months of the same name in
    # Achats and Ventes are told apart by their path, not by indentation.
    path: str = ""

    @property
    def label(self) -> str:
        return self.path or self.folder.name


def folder_tree_build(*, user: User, company: Company, current: Folder | None = None,
                      with_news: bool = False) -> FolderTree:
    """`with_news`: mark the folders with something new (the page's tree; not the pickers, nor the
    list's polling, which do not show it)."""
    folders = list(folder_list_for_user(user=user, company=company))
    children: dict[int | None, list[Folder]] = defaultdict(list)
    for folder in folders:
        # A folder whose parent is hidden from the user is not shown at all (its subtree is hidden too).
        children[folder.parent_id].append(folder)
    open_ids = set(current.ancestor_ids) if current else set()
    news = _folder_news(user=user, company=company, current=current) if with_news else set()
    flat: list[FlatItem] = []
    head, _sep, tail = reverse("ged:folder", args=[987654321]).partition("987654321")  # one reverse for the tree

    def build(parent_id: int | None, depth: int, prefix: str = "") -> list[TreeNode]:
        nodes = []
        for folder in sorted(children.get(parent_id, []), key=lambda item: (item.position, item.name)):
            path = f"{prefix} / {folder.name}" if prefix else folder.name
            flat.append(FlatItem(folder=folder, depth=depth, path=path))
            below = build(folder.pk, depth + 1, path)
            nodes.append(TreeNode(folder=folder, children=below, is_open=folder.pk in open_ids,
                                  is_current=current is not None and folder.pk == current.pk,
                                  has_news=folder.pk in news or any(node.has_news for node in below),
                                  url=f"{head}{folder.pk}{tail}"))
        return nodes

    roots = build(None, 0)
    return FolderTree(roots=roots, flat=flat)


def _folder_news(*, user: User, company: Company, current: Folder | None) -> set[int]:
    news: set[int] = set()
    for source in extensions.folder_tree_news:
        news |= set(source(user=user, company=company))
    # The folder on screen is being seen now (opening it records the visit after the page is made).
    if current is not None:
        news.discard(current.pk)
    return news


def _resolvable(url_name: str, object_id: int) -> str | None:
    try:
        return reverse(url_name, args=[object_id])
    except NoReverseMatch:
        return None


def folder_panel_urls(*, user: User, folder: Folder) -> list[dict[str, str]]:
    """The toolbar panels other apps registered, resolved here so that a missing URL is skipped."""
    panels = []
    for panel in extensions.folder_panels.visible_to(firm_staff=is_firm_staff(user)):
        if url := _resolvable(panel.url_name, folder.pk):
            panels.append({"key": panel.key, "url": url})
    return panels


def document_panel_list(*, user: User) -> list[extensions.Panel]:
    """Per-document panels (e.g. delivery badges) whose URL exists; each row loads them lazily."""
    return [panel for panel in extensions.document_panels.visible_to(firm_staff=is_firm_staff(user))
            if _resolvable(panel.url_name, 0)]
