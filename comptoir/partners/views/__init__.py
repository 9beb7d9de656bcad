"""Web views of the partner area: the store and connections (firm admins), the GED switch panel (firm staff)."""
