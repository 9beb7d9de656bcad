"""The index's two native implementations. Both receive text cut by `search.text` and match the same
way: every word of the query as a prefix, all words required, case and accents ignored, no stemming.

- SQLite: the FTS5 table `ged_search` (rowid = document id), tokenizer `unicode61 remove_diacritics 2`,
  query `"word"* "other"*`, ranked by bm25, snippets by `snippet()`.
- PostgreSQL: the table `ged_search` with a tsvector under `comptoir_search` (`simple` + `unaccent`),
  query `word:* & other:*`, ranked by ts_rank, snippets by `ts_headline`.

Scope (company, firm-only, trash, folder subtree, dates) is the caller's SQL condition, applied in the
same statement as the match so that LIMIT/OFFSET count only what the user may see.
"""

from dataclasses import dataclass

from django.db import connection

from comptoir.ged.search.text import HIGHLIGHT_END, HIGHLIGHT_START


@dataclass(frozen=True)
class IndexRow:
    document_id: int
    name: str
    path: str
    body: str


def _vendor() -> str:
    return connection.vendor


def index_write(rows: list[IndexRow]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if _vendor() == "postgresql":
            cursor.executemany(
                "INSERT INTO ged_search (document_id, name, path, body, vector) VALUES (%s, %s, %s, %s, "
                "setweight(to_tsvector('comptoir_search', %s), 'A') "
                "|| setweight(to_tsvector('comptoir_search', %s), 'B') || to_tsvector('comptoir_search', %s)) "
                "ON CONFLICT (document_id) DO UPDATE SET name = EXCLUDED.name, path = EXCLUDED.path, "
                "body = EXCLUDED.body, vector = EXCLUDED.vector",
                [(r.document_id, r.name, r.path, r.body, r.name, r.path, r.body) for r in rows],
            )
        else:
            ids = [r.document_id for r in rows]
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM ged_search WHERE rowid IN ({placeholders})", ids)  # noqa: S608
            cursor.executemany("INSERT INTO ged_search (rowid, name, path, body) VALUES (%s, %s, %s, %s)",
                               [(r.document_id, r.name, r.path, r.body) for r in rows])


def _match(terms: list[str]) -> tuple[str, str, str]:
    """(FROM/JOIN clause, match condition, its parameter) for this database."""
    if _vendor() == "postgresql":
        return ("ged_search s JOIN ged_document d ON d.id = s.document_id",
                "s.vector @@ to_tsquery('comptoir_search', %s)", " & ".join(f"{term}:*" for term in terms))
    return ("ged_search JOIN ged_document d ON d.id = ged_search.rowid",
            "ged_search MATCH %s", " ".join(f'"{term}"*' for term in terms))


# How many of the most recent matches are ranked by relevance. Below this many matches the order is
# the exact relevance order; above it, it is the best of the newest RANKED_WINDOW (a query matching
# half of 100,000 documents then costs a walk of the newest matches, not a sort of all of them).
RANKED_WINDOW = 500


def index_query(*, terms: list[str], scope_sql: str, scope_params: list, limit: int, offset: int) -> list[int]:
    """Ids of the matching documents within the scope, best first (see RANKED_WINDOW)."""
    source, condition, query = _match(terms)
    if _vendor() == "postgresql":
        rank, newest, better_first = "ts_rank(s.vector, to_tsquery('comptoir_search', %s))", "s.document_id", True
        params: list = [query, query, *scope_params]
    else:
        rank, newest, better_first = "bm25(ged_search, 10.0, 5.0, 1.0)", "ged_search.rowid", False
        params = [query, *scope_params]
    window = max(RANKED_WINDOW, offset + limit)
    sql = (f"SELECT d.id, {rank} FROM {source} JOIN ged_folder f ON f.id = d.folder_id "  # noqa: S608 (no user text)
           f"WHERE {condition} AND {scope_sql} ORDER BY {newest} DESC LIMIT %s")
    with connection.cursor() as cursor:
        rows = None
        if _vendor() == "postgresql":
            rows = _newest_walk(cursor, rank=rank, condition=condition, query=query, scope_sql=scope_sql,
                                scope_params=scope_params, window=window)
        if rows is None:
            cursor.execute(sql, [*params, window])
            rows = cursor.fetchall()
    # bm25 is better when lower, ts_rank when higher; newer first between equals.
    rows.sort(key=lambda row: ((-row[1] if better_first else row[1]), -row[0]))
    return [row[0] for row in rows[offset:offset + limit]]


# PostgreSQL: how many of the newest documents in scope are tried one by one before the index.
NEWEST_WALK = 5000


def _newest_walk(cursor, *, rank: str, condition: str, query: str, scope_sql: str, scope_params: list,
                 window: int) -> list | None:
    """The newest `window` matches, found by trying the scope's newest documents one by one (each an
    index lookup of its vector); None when fewer match among the newest NEWEST_WALK.

    FTS5 walks its matches newest first by itself; a GIN index only gives the whole set of matches,
    which the query above must then join to the scope and sort: a word in half of 100,000 documents
    costs a second there. When the walk fills the window it has the same rows as that query (every
    document newer than its last one was tried); a rarer word falls back to the index, cheap then.
    """
    cursor.execute(
        "SELECT c.id, r.rank FROM (SELECT d.id FROM ged_document d JOIN ged_folder f ON f.id = d.folder_id "  # noqa: S608
        f"WHERE {scope_sql} ORDER BY d.id DESC LIMIT %s) c "
        f"CROSS JOIN LATERAL (SELECT {rank} AS rank FROM ged_search s WHERE s.document_id = c.id AND {condition} "
        "OFFSET 0) r ORDER BY c.id DESC LIMIT %s",  # OFFSET 0: one lookup per document, not a join of all matches
        [*scope_params, NEWEST_WALK, query, query, window])
    rows = cursor.fetchall()
    return rows if len(rows) >= window else None


def index_snippets(*, terms: list[str], document_ids: list[int]) -> dict[int, str]:
    """A short passage of each document around the query's words, the words between markers."""
    if not document_ids or not terms:
        return {}
    placeholders = ", ".join(["%s"] * len(document_ids))
    _source, _condition, query = _match(terms)
    with connection.cursor() as cursor:
        if _vendor() == "postgresql":
            options = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=18, MinWords=6"
            cursor.execute(
                "SELECT document_id, ts_headline('comptoir_search', "  # noqa: S608 (placeholders only)
                "name || ' · ' || path || ' · ' || left(body, 50000), to_tsquery('comptoir_search', %s), %s) "
                f"FROM ged_search WHERE document_id IN ({placeholders})",
                [query, options, *document_ids])
        else:
            # `rowid IN (…)` beside MATCH would run the whole match once per id (a prefix query
            # rebuilds its list of documents each time); a rowid range is one walk of the match, and
            # `+rowid` keeps the id list a plain filter, so snippet() runs for the shown rows only.
            cursor.execute(
                f"SELECT rowid, snippet(ged_search, -1, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 16) "  # noqa: S608
                f"FROM ged_search WHERE ged_search MATCH %s AND rowid >= %s AND rowid <= %s "
                f"AND +rowid IN ({placeholders})",
                [query, min(document_ids), max(document_ids), *document_ids])
        return dict(cursor.fetchall())
