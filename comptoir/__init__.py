"""Comptoir: the client portal of an accounting firm."""
