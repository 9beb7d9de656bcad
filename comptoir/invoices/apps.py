from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "comptoir.invoices"
    label = "invoices"
    verbose_name = "Factures électroniques"

    def ready(self) -> None:
        # The explicit registrations: the GED's deposit reader, and the invoice panel of each document
        # row and page (the GED imports neither).
        from comptoir.ged.extensions import Panel, document_panels
        from comptoir.ged.readers import document_reader_register
        from comptoir.invoices.services import invoice_reader

        document_reader_register(invoice_reader)
        document_panels.register(Panel(key="invoice", url_name="invoices:document_panel", order=20))
