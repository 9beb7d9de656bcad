"""The folder list's document rows, written in Python rather than with a template per row.

A page is 50 rows of a dozen links, labels and formatted values each: through the template engine
that was most of the page's CPU (a `{% url %}` reverse per link, a gettext per label, a filter call per
value). Here the words are translated once per page, the URLs are reversed once per page and filled
in per row, and every value from the database is escaped. The markup is the one `_documents.html`
had; the browser tests and `tests/ged/test_folder_view.py` read it.
"""

import hashlib
import re
from html import escape

from django.urls import reverse
from django.utils.dateformat import format as date_format_iso
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from comptoir.ged.models import Document
from comptoir.ged.templatetags.ged_display import human_size_formatter, human_type

_CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
_ID = 987654321  # stands for the document's id in a URL reversed once per page


def url_maker(name: str):
    """`reverse(name, args=[id])` for many ids at the cost of one reverse."""
    head, _sep, tail = reverse(name, args=[_ID]).partition(str(_ID))
    return lambda document_id: f"{head}{document_id}{tail}"


_ROW = (
    '<tr id="document-{id}" class="doc-row"{draggable} data-document-id="{id}" data-row-stamp="{{stamp}}">'
    '<td><input type="checkbox" name="document" value="{id}" form="bulk-form" class="doc-check" aria-label="{select}">'
    '</td><td class="doc-thumb">{thumbnail}</td>'
    '<td data-label="{w[name]}"><a href="{view}" hx-get="{view}" hx-target="#preview" hx-swap="innerHTML" '
    'class="doc-name">{name}</a>{notes}\n        {panels}</td>'
    '<td data-label="{w[type]}" class="doc-type"><span class="badge">{type}</span>\n        <small>{size}</small></td>'
    '<td data-label="{w[depositor]}" class="doc-origin">{depositor}<small>{channel}</small></td>'
    '<td data-label="{w[date]}"><time datetime="{iso}">{when}</time></td>'
    '<td class="row-actions"><a href="{download}" class="button small">{w[download]}</a>\n        '
    '<details class="menu" hx-get="{menu}" hx-trigger="toggle once" hx-target="find .menu-items" hx-swap="innerHTML">'
    '<summary class="button small">{w[more]}</summary>'
    '<div class="menu-items"><p class="muted">{w[loading]}</p></div></details></td></tr>\n'
)


def _words() -> dict[str, str]:
    """The row's fixed words in the reader's language, translated and escaped once per page."""
    words = {"name": _("Nom"), "type": _("Type"), "depositor": _("Déposé par"), "date": _("Date"),
             "preparing": _("Aperçu en préparation"), "reading": _("Lecture du texte en cours…"),
             "download": _("Télécharger"), "more": _("Plus"), "loading": _("Chargement…")}
    return {key: escape(str(value)) for key, value in words.items()}


def document_rows_html(documents: list[Document], *, panels: list, user=None) -> SafeString:
    """The `<tr>` of each document (with `place` and `can` — the policy's answers — set by the view, and
    `extract`/`depositor` selected); only a document the reader may move can be dragged.
    Every value from the database goes through `escape`; the words and URLs are ours.

    A panel that can render a page of rows (`render_rows`) is written into its rows; any other loads
    itself when its row is revealed. Each row carries `data-row-stamp`, a digest of its own markup: the
    list's poll sends them back and is answered with only the rows whose digest changed."""
    return mark_safe("".join(document_rows(documents, panels=panels, user=user).values()))  # noqa: S308


def document_rows(documents: list[Document], *, panels: list, user=None) -> dict[int, str]:
    """{document id: its `<tr>`}, in the list's order (see `document_rows_html`)."""
    words = _words()
    select = str(_("Sélectionner %(name)s"))
    urls = {name: url_maker(f"ged:{name}") for name in ("document", "download", "thumbnail", "document_menu")}
    inline = {panel.key: panel.render_rows(user=user, documents=documents)
              for panel in panels if panel.render_rows is not None and user is not None}
    lazy = [(panel.key, url_maker(panel.url_name)) for panel in panels if panel.key not in inline]
    channels = {value: escape(str(label)) for value, label in Document._meta.get_field("channel").flatchoices}
    types, human_size = {}, human_size_formatter()
    rows = {}
    for document in documents:
        extract = document.extract if _has_extract(document) else None
        state = extract.thumbnail_state if extract else ""
        if state == "ready":
            thumbnail = f'<img src="{urls["thumbnail"](document.pk)}" alt="" loading="lazy" width="48">'
        elif state == "pending":
            thumbnail = f'<span class="thumb-placeholder" title="{words["preparing"]}">⏳</span>'
        else:
            thumbnail = '<span class="thumb-placeholder">📄</span>'
        notes = f'\n        <small class="doc-place muted">{escape(document.place)}</small>' if document.place else ""
        if extract is not None and extract.ocr_state == "pending":
            notes += f'\n        <small class="muted ocr-pending">{words["reading"]}</small>'
        if document.content_type not in types:
            types[document.content_type] = escape(human_type(document.content_type))
        deposited = localtime(document.deposited_at)
        name = escape(document.name)
        panel_html = "".join(f'<div class="doc-panel" data-panel="{key}">{html}</div>'
                             for key, rendered in inline.items() if (html := rendered.get(document.pk)))
        panel_html += "".join(f'<div class="doc-panel" hx-get="{make(document.pk)}" hx-trigger="revealed" '
                              f'hx-swap="innerHTML"></div>' for _key, make in lazy)
        row = _ROW.format(
            id=document.pk, draggable=' draggable="true"' if document.can["move"] else "",
            select=escape(select % {"name": document.name}), thumbnail=thumbnail, w=words,
            view=urls["document"](document.pk), name=name, notes=notes,
            panels=panel_html,
            type=types[document.content_type], size=escape(human_size(document.size)),
            depositor=escape(str(document.depositor)) if document.depositor_id else "—",
            channel=channels.get(document.channel, escape(document.channel)),
            iso=date_format_iso(deposited, "c"), when=escape(date_format(deposited, "SHORT_DATETIME_FORMAT")),
            download=urls["download"](document.pk), menu=urls["document_menu"](document.pk))
        # A form's CSRF token is new on every render: not a change of the row.
        digest = hashlib.sha256(_CSRF_VALUE.sub("", row).encode()).hexdigest()[:12]
        rows[document.pk] = row.replace("{stamp}", digest, 1)
    return rows  # every database value above is escaped


def _has_extract(document: Document) -> bool:
    try:
        return document.extract is not None
    except Document.extract.RelatedObjectDoesNotExist:
        return False
