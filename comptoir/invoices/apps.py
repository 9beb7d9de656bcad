from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "comptoir.invoices"
    label = "invoices"
    verbose_name = "Factures électroniques"

    def ready(self) -> None:
        # The explicit registrations on the GED's seams (the GED imports none of this): the deposit
        # reader, the invoice panel of each document row and page, the folder list's sorts and filters,
        # the search text.
        from django.db.models import F
        from django.utils.translation import gettext_noop

        from comptoir.ged.extensions import (
            Panel,
            SearchTextSource,
            document_notice_sources,
            document_panels,
            search_text_source_register,
        )
        from comptoir.ged.list_options import DocumentFilter, DocumentSort, document_list_options
        from comptoir.ged.readers import document_reader_register
        from comptoir.invoices.selectors import invoice_document_notices, invoice_search_text_for_document
        from comptoir.invoices.services import invoice_reader

        document_reader_register(invoice_reader)
        # Number, customer and amount in the GED search: a deposit indexes once its facts are recorded,
        # `invoice_facts_enter` re-indexes.
        search_text_source_register(SearchTextSource("invoice", invoice_search_text_for_document,
                                                     select_related=("invoice_facts",)))
        from comptoir.invoices.views import document_panels_for_rows

        document_panels.register(Panel(key="invoice", url_name="invoices:document_panel", order=20,
                                       render_rows=document_panels_for_rows))
        document_notice_sources.append(invoice_document_notices)
        # One way only (no "-montant"): documents without invoice facts stay last.
        for sort in (
            DocumentSort("montant", gettext_noop("montant TTC (décroissant)"),
                         (F("invoice_facts__total_incl_tax").desc(nulls_last=True),), order=60),
            DocumentSort("echeance", gettext_noop("échéance"), (F("invoice_facts__due_date").asc(nulls_last=True),),
                         order=61),
            DocumentSort("client", gettext_noop("client"), (F("invoice_facts__buyer_name").asc(nulls_last=True),),
                         order=62),
        ):
            document_list_options.register_sort(sort)
        for document_filter in (
            DocumentFilter("client", gettext_noop("Client"), lookup="invoice_facts__buyer_name__icontains", order=60),
            DocumentFilter("echeance_avant", gettext_noop("Échéance au plus tard le"),
                           lookup="invoice_facts__due_date__lte", input_type="date", order=61),
            DocumentFilter("montant_min", gettext_noop("Montant TTC minimum"),
                           lookup="invoice_facts__total_incl_tax__gte", input_type="number", order=62),
        ):
            document_list_options.register_filter(document_filter)
