"""The full-text index of documents, native to each database (see comptoir/ged/search/backends.py).

SQLite: an FTS5 table, `unicode61 remove_diacritics 2`, with prefix indexes. PostgreSQL: a table with
a tsvector under a `simple` configuration that also goes through `unaccent`. Both match the same way:
case- and accent-insensitive, prefix on each word, no stemming.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE ged_search USING fts5(name, path, body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')",
]
SQLITE_REVERSE = ["DROP TABLE IF EXISTS ged_search"]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'comptoir_search') THEN "
    "CREATE TEXT SEARCH CONFIGURATION comptoir_search (COPY = simple); "
    "ALTER TEXT SEARCH CONFIGURATION comptoir_search ALTER MAPPING FOR "
    "word, hword, hword_part, numword, numhword, hword_numpart WITH unaccent, simple; "
    "END IF; END $$",
    # No foreign key to ged_document, as with SQLite's FTS5 table: the search joins the documents, so
    # a row without its document is never found; and Django's flush (which knows only model tables)
    # can truncate ged_document without naming this table.
    "CREATE TABLE ged_search (document_id bigint PRIMARY KEY, name text NOT NULL, path text NOT NULL, "
    "body text NOT NULL, vector tsvector NOT NULL)",
    "CREATE INDEX ged_search_vector ON ged_search USING gin (vector)",
]
POSTGRES_REVERSE = ["DROP TABLE IF EXISTS ged_search"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("ged", "0002_document_extract")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})),
    ]
