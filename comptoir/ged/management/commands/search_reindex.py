"""`comptoir search_reindex`: rebuild the search index of every document (or of one company), e.g.
after upgrading an installation whose documents predate the index, or after changing what
`document_indexable_row` gathers."""

from django.core.management.base import BaseCommand

from comptoir.ged.models import Document
from comptoir.ged.search.index import search_index_documents


class Command(BaseCommand):
    help = "Rebuild the GED's full-text index (names, folder paths, text layers, OCR text)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--company", type=int, help="only this company's documents")

    def handle(self, *args, company: int | None = None, **options) -> None:
        documents = Document.objects.all()
        if company:
            documents = documents.filter(company_id=company)
        count = search_index_documents(document_ids=documents.values_list("pk", flat=True))
        self.stdout.write(f"{count} documents indexed")
