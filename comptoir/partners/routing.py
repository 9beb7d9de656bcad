"""Placeholder until the partners issue: the GED subscriber that creates deliveries."""

from comptoir.ged.events import DocumentEntered


def deliveries_create_for_entry(event: DocumentEntered) -> None:
    return None
