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
            DocumentFilter,
            DocumentOrdering,
            Panel,
            SearchTextSource,
            document_list_options,
            document_panels,
            search_text_source_register,
        )
        from comptoir.ged.readers import document_reader_register
        from comptoir.invoices.selectors import invoice_search_text_for_document
        from comptoir.invoices.services import invoice_reader

        document_reader_register(invoice_reader)
        # Number, customer and amount in the GED search: a deposit indexes once its facts are recorded,
        # `invoice_facts_enter` re-indexes.
        search_text_source_register(SearchTextSource("invoice", invoice_search_text_for_document,
                                                     select_related=("invoice_facts",)))
        document_panels.register(Panel(key="invoice", url_name="invoices:document_panel", order=20))
        for ordering in (
            DocumentOrdering("montant", gettext_noop("montant TTC (décroissant)"),
                             (F("invoice_facts__total_incl_tax").desc(nulls_last=True),)),
            DocumentOrdering("echeance", gettext_noop("échéance"),
                             (F("invoice_facts__due_date").asc(nulls_last=True),)),
            DocumentOrdering("client", gettext_noop("client"), (F("invoice_facts__buyer_name").asc(nulls_last=True),)),
        ):
            document_list_options.register_ordering(ordering)
        for document_filter in (
            DocumentFilter("client", gettext_noop("Client"), "invoice_facts__buyer_name__icontains"),
            DocumentFilter("echeance_avant", gettext_noop("Échéance au plus tard le"), "invoice_facts__due_date__lte",
                           input_type="date"),
            DocumentFilter("montant_min", gettext_noop("Montant TTC minimum"), "invoice_facts__total_incl_tax__gte",
                           input_type="number"),
        ):
            document_list_options.register_filter(document_filter)
