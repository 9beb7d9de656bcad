"""One normalisation of text and queries for both databases, so that they cut words the same way.

SQLite's `unicode61` tokenizer splits on anything that is not a letter or a digit; PostgreSQL's
parser keeps some compounds whole ("12.5", "facture.pdf", "a-b", e-mail addresses, tags). Turning
those joiners into spaces before either sees the text leaves both with the same words. Case and
accents are folded by the databases themselves (remove_diacritics / unaccent).
"""

import re

# Characters PostgreSQL's parser would glue words with, and our snippet markers.
_JOINERS = re.compile(r"[._/\\@+\-:~#&=%<>|^*\"`⟦⟧\u00ad]+")
_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
# Letters that unaccent spells out and unicode61 does not: spelled out for both.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss", "ﬁ": "fi", "ﬂ": "fl"})

MAX_TERMS = 12
MAX_TEXT = 200_000
HIGHLIGHT_START, HIGHLIGHT_END = "⟦", "⟧"


def search_text_normalize(text: str, *, limit: int = MAX_TEXT) -> str:
    text = (text or "")[:limit].translate(_LIGATURES)
    return _WHITESPACE.sub(" ", _JOINERS.sub(" ", text)).strip()


def search_terms(query: str) -> list[str]:
    """The words of a query, each matched as a prefix; all must match (AND)."""
    return _WORD.findall(search_text_normalize(query or "", limit=1000))[:MAX_TERMS]


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """(text, highlighted) pieces of a marked snippet, for the template to escape and wrap in <mark>."""
    parts: list[tuple[str, bool]] = []
    for index, piece in enumerate(re.split(f"[{HIGHLIGHT_START}{HIGHLIGHT_END}]", snippet or "")):
        if piece:
            parts.append((piece, index % 2 == 1))
    return parts


def snippet_plain(snippet: str) -> str:
    return (snippet or "").replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
