"""Punctuation spacing per language, applied to the text of rendered pages.

French puts a non-breaking space before « : ; ? ! » and inside guillemets; English puts none.
The msgids are French, so an English page may inherit a French space (« Upflow : skipped »): it
is removed there. Only text between tags is touched, never scripts, styles, attributes or forms' raw text.
"""

import re

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; ? ! (Imprimerie nationale)
_SKIPPED = re.compile(r"(<(script|style|pre|textarea|code)\b.*?</\2\s*>)", re.S | re.I)
_TEXT = re.compile(r">([^<]+)<")
# Only where the text already has a space: "&amp;", "23:08" and "https://" are left alone.
_FR_COLON = re.compile(r"(?<=\S) :(?=\s|$)")
_FR_TIGHT = re.compile(r"(?<=\S) ([;?!])(?=\s|$|[»)\]\"'.,])")
_EN_SPACE_BEFORE = re.compile(r"(?<=\w)[ \u00a0\u202f]+([:;?!])(?=\s|$)")


def french_text(text: str) -> str:
    text = _FR_COLON.sub(NBSP + ":", text)
    return _FR_TIGHT.sub(lambda m: NNBSP + m.group(1), text)


def english_text(text: str) -> str:
    return _EN_SPACE_BEFORE.sub(r"\1", text)


def html_typography(html: str, language: str) -> str:
    fix = french_text if language.startswith("fr") else english_text
    # split() with two groups gives [text, element, tag name, text, element, tag name, …, text].
    parts = _SKIPPED.split(html)
    out = []
    for index in range(0, len(parts), 3):
        out.append(_TEXT.sub(lambda m: ">" + fix(m.group(1)) + "<", parts[index]))
        if index + 1 < len(parts):
            out.append(parts[index + 1])  # a script, style… as is
    return "".join(out)
