"""Writes of the intake app: every deposit channel ends in `comptoir.ged.services.document_deposit`."""
