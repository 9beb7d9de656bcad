"""The translation catalogue, read the way gettext reads it: what the code asks for, what `locale/en` holds.

`code_msgids()` extracts every msgid from the sources with GNU xgettext, templates first turned into
gettext calls by Django's own `templatize` (what makemessages does), into a temporary file: the
repository's .po is never rewritten. `english_catalogue()` compiles the .po with msgfmt to a
temporary .mo and loads it, so an entry counts only if gettext would really use it (empty or fuzzy
translations do not).
"""

import gettext
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from django.utils.translation.template import templatize

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "comptoir"
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
KEYWORDS = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2", "npgettext:1c,2,3",
            "pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3", "ngettext:1,2", "gettext", "_"]


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1:line.rindex('"')]
    return body.encode("raw_unicode_escape").decode("unicode_escape") if "\\" in body else body


def po_entries(text: str) -> list[dict]:
    """Entries of a .po/.pot file: {"msgctxt", "msgid", "msgid_plural", "msgstr": [..]} (obsolete ones skipped)."""
    entries, current, key = [], None, None
    for raw in text.splitlines() + [""]:
        line = raw.strip()
        if not line or line.startswith("#"):
            if current is not None and not line.startswith("#"):
                entries.append(current)
                current, key = None, None
            continue
        if line.startswith('"'):
            value = _unquote(line)
            if key.startswith("msgstr"):
                current["msgstr"][-1] += value
            else:
                current[key] += value
            continue
        word = line.split(" ", 1)[0]
        current = current or {"msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": []}
        if word.startswith("msgstr"):
            current["msgstr"].append(_unquote(line))
            key = "msgstr"
        else:
            key = word
            current[word] = _unquote(line)
    return [entry for entry in entries if entry["msgid"]]


def _sources() -> tuple[list[Path], list[Path]]:
    python = [path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts]
    templates = [path for path in PACKAGE.rglob("templates/**/*") if path.suffix in {".html", ".txt"}]
    return python, templates


@cache
def code_msgids() -> frozenset[tuple[str | None, str]]:
    """(context, msgid) of every translatable string in the code and templates."""
    python, templates = _sources()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        converted = []
        for index, template in enumerate(templates):
            target = tmp_path / f"t{index}.py"
            target.write_text(templatize(template.read_text(encoding="utf-8"), origin=str(template)),
                              encoding="utf-8")
            converted.append(target)
        pot = tmp_path / "all.pot"
        command = ["xgettext", "-L", "Python", "--from-code=UTF-8", "--no-location", "-o", str(pot),
                   *[f"--keyword={keyword}" for keyword in KEYWORDS], *map(str, python + converted)]
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603
        return frozenset((entry["msgctxt"], entry["msgid"]) for entry in po_entries(pot.read_text()))


@cache
def english_catalogue() -> dict:
    """The compiled English catalogue: msgid (or (msgid, n) for plurals, "ctx\\x04msgid" with context) → English."""
    with tempfile.TemporaryDirectory() as tmp:
        mo = Path(tmp) / "django.mo"
        subprocess.run(["msgfmt", "--check", "-o", str(mo), str(PO)], check=True, capture_output=True)  # noqa: S603
        with mo.open("rb") as handle:
            return dict(gettext.GNUTranslations(handle)._catalog)


def translated(context: str | None, msgid: str) -> bool:
    catalogue = english_catalogue()
    key = f"{context}\x04{msgid}" if context else msgid
    value = catalogue.get(key) or catalogue.get((key, 0))
    return bool(value)


def french_strings(min_length: int = 12) -> set[str]:
    """French msgids whose English differs: none of them may show on an English page."""
    catalogue = english_catalogue()
    found = set()
    for key, english in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04", 1)[-1]
        if ("%" in msgid or "{" in msgid or len(msgid) < min_length or " " not in msgid or english == msgid
                or not msgid.strip()):
            continue
        found.add(msgid)
    return found
