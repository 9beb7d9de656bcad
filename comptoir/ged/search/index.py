"""What goes into the index for a document, and keeping it current. Called by the GED's services
(deposit, copy, rename, move, folder rename/move, OCR), never by signals."""

from collections.abc import Iterable

from comptoir.ged import extensions
from comptoir.ged.models import Document, DocumentExtract, Folder
from comptoir.ged.search.backends import IndexRow, index_write
from comptoir.ged.search.text import search_text_normalize
from comptoir.ged.selectors import folder_display_paths

BATCH = 500


def document_indexable_row(*, document: Document, folder_path: str) -> IndexRow:
    """The one place that gathers a document's searchable text: name, folder path, PDF text layer,
    OCR text, and whatever other apps registered in `extensions.search_text_sources`."""
    try:
        extract = document.extract
    except DocumentExtract.DoesNotExist:
        extract = None
    body = [extract.text_layer, extract.ocr_text] if extract else []
    body += [source.text(document) or "" for source in extensions.search_text_sources.values()]
    return IndexRow(document_id=document.pk, name=search_text_normalize(document.name),
                    path=search_text_normalize(folder_path), body=search_text_normalize("\n".join(body)))


def search_index_documents(*, document_ids: Iterable[int]) -> int:
    ids = sorted(set(document_ids))
    for start in range(0, len(ids), BATCH):
        related = {name for source in extensions.search_text_sources.values() for name in source.select_related}
        documents = list(Document.objects.filter(pk__in=ids[start:start + BATCH])
                         .select_related("folder", "extract", *sorted(related)))
        paths = folder_display_paths(folders=list({d.folder_id: d.folder for d in documents}.values()))
        index_write([document_indexable_row(document=d, folder_path=paths.get(d.folder_id, ""))
                     for d in documents])
    return len(ids)


def search_index_subtree(*, folder: Folder) -> int:
    """After a folder is renamed or moved: every document below it has a new path."""
    ids = Document.objects.filter(company_id=folder.company_id, folder__path__startswith=folder.path)
    return search_index_documents(document_ids=ids.values_list("pk", flat=True))
