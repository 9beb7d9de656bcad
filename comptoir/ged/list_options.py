"""The folder list's sorts and filters: one registry that the GED's own options (name, date, depositor,
size; channel, depositor, type, dates) and other apps' (invoice amount and due date from `invoices`,
delivery state from `partners`) all register into at start-up. The folder page, its polling, its bulk
"select all" and the API's document list read only this registry, so an option registered once is
offered, kept across pages, and applied the same way everywhere.

A value that does not parse (a bad date, a date out of bounds, NaN, an unknown choice) is dropped and
said: `ListChoice.errors` holds a sentence per parameter, which the page shows as a line and the API
answers as a 400 (`comptoir.core.params` is the parser). Never an error page.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from comptoir.core.params import MAX_TEXT, ParamError, param_amount, param_date, param_int
from comptoir.ged.models import Channel

SORT_PARAM = "tri"
DEFAULT_SORT = "-date"


@dataclass(frozen=True)
class DocumentSort:
    """A way to sort the list. `order_by` are arguments of QuerySet.order_by; `reverse` is the order of
    "-key" (a column clicked twice), empty when the sort goes one way only. `annotate(user)` gives the
    expressions the order needs (e.g. a subquery), added only when this sort is chosen."""

    key: str
    label: str  # French msgid, translated when shown
    order_by: tuple
    reverse: tuple = ()
    annotate: Callable[..., dict] | None = None
    order: int = 100
    reverse_label: str = ""  # French msgid for "-key"

    def options(self) -> list[tuple[str, str]]:
        """(URL value, French msgid) of each way this sort is offered in the "Trier par" menu."""
        return [(self.key, self.label), *([(f"-{self.key}", self.reverse_label)] if self.reverse else [])]


@dataclass(frozen=True)
class DocumentFilter:
    """A filter of the list, the URL's `key=value`. Either `lookup` (an ORM lookup on Document taking the
    cleaned value) or `apply(documents, value, user=)` for what a lookup cannot say (a subquery)."""

    key: str
    label: str  # French msgid
    lookup: str = ""
    apply: Callable[..., QuerySet] | None = None
    input_type: str = "text"  # text, date, number, select
    # For a select: fixed (value, French label) pairs, or `choices_present(documents)` for the values
    # found where the person is looking (depositors, types), already worded.
    choices: tuple = ()
    choices_present: Callable[[QuerySet], list[tuple[str, str]]] | None = None
    # Parses the raw text; ValueError drops the filter. Default: by input_type.
    clean: Callable[[str], Any] | None = None
    order: int = 100

    def cleaned(self, raw: str) -> Any:
        """The value, or `ParamError` (a sentence for people); an empty value is `ValueError`, not said."""
        raw = raw.strip()[:MAX_TEXT]
        if not raw:
            raise ValueError("empty")
        if self.clean is not None:
            return self.clean(raw)
        if self.input_type == "date":
            return param_date(raw)
        if self.input_type == "number":
            return param_amount(raw)
        if self.input_type == "select" and self.choices and raw not in {value for value, _label in self.choices}:
            raise ParamError(_("« %(value)s » n'est pas un choix possible.") % {"value": raw})
        return raw


@dataclass(frozen=True)
class ListChoice:
    """What the URL asks for: the sort key and the cleaned value of each filter it sets."""

    sort: str = DEFAULT_SORT
    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # as typed, for the form and the links
    # Parameter → why its value was dropped (translated): a line on the page, a 400 in the API.
    errors: dict[str, str] = field(default_factory=dict)

    def error_lines(self) -> list[str]:
        return list(self.errors.values())

    def params(self) -> dict[str, str]:
        """The query string that asks for this again (pagination, polling, "select all")."""
        return {**self.raw, **({SORT_PARAM: self.sort} if self.sort != DEFAULT_SORT else {})}


class DocumentListOptions:
    def __init__(self) -> None:
        self._sorts: dict[str, DocumentSort] = {}
        self._filters: dict[str, DocumentFilter] = {}

    def register_sort(self, sort: DocumentSort) -> None:
        self._sorts[sort.key] = sort

    def register_filter(self, document_filter: DocumentFilter) -> None:
        self._filters[document_filter.key] = document_filter

    def unregister(self, key: str) -> None:
        self._sorts.pop(key, None)
        self._filters.pop(key, None)

    @property
    def sorts(self) -> list[DocumentSort]:
        return sorted(self._sorts.values(), key=lambda sort: (sort.order, sort.key))

    @property
    def filters(self) -> list[DocumentFilter]:
        return sorted(self._filters.values(), key=lambda item: (item.order, item.key))

    def sort_get(self, key: str) -> DocumentSort | None:
        return self._sorts.get(key.removeprefix("-"))

    def read(self, params: Mapping[str, str]) -> ListChoice:
        values, raw, errors = {}, {}, {}
        for key, document_filter in self._filters.items():
            text = (params.get(key) or "").strip()[:MAX_TEXT]
            try:
                values[key] = document_filter.cleaned(text)
            except ParamError as refusal:
                errors[key] = _("%(filter)s : %(reason)s Ce filtre est ignoré.") % {
                    "filter": _(document_filter.label), "reason": refusal.message}
                continue
            except (ValueError, TypeError):
                continue
            raw[key] = text
        sort = (params.get(SORT_PARAM) or "").strip()
        known = self.sort_get(sort)
        if known is None or (sort.startswith("-") and not known.reverse):
            sort = DEFAULT_SORT
        return ListChoice(sort=sort, values=values, raw=raw, errors=errors)

    def apply(self, documents: QuerySet, choice: ListChoice, *, user) -> QuerySet:
        """`documents` filtered and sorted as `choice` says (ties: newest first, then id)."""
        for key, value in choice.values.items():
            document_filter = self._filters[key]
            if document_filter.apply is not None:
                documents = document_filter.apply(documents, value, user=user)
            else:
                documents = documents.filter(**{document_filter.lookup: value})
        sort = self.sort_get(choice.sort) or self._sorts[DEFAULT_SORT.removeprefix("-")]
        if sort.annotate is not None:
            documents = documents.annotate(**sort.annotate(user))
        order = sort.reverse if choice.sort.startswith("-") else sort.order_by
        return documents.order_by(*order, "-deposited_at", "-id")


document_list_options = DocumentListOptions()


# -- The GED's own options --------------------------------------------------------------------------

def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _depositors_present(documents: QuerySet) -> list[tuple[str, str]]:
    from comptoir.accounts.models import User

    people = User.objects.filter(pk__in=documents.exclude(depositor=None).values("depositor_id"))
    return [(str(person.pk), str(person)) for person in people.order_by("full_name", "email")]


def _types_present(documents: QuerySet) -> list[tuple[str, str]]:
    from comptoir.ged.templatetags.ged_display import human_type

    types = sorted(set(documents.order_by().values_list("content_type", flat=True).distinct()))
    return [(value, human_type(value)) for value in types]


def _positive_int(raw: str) -> int:
    return param_int(raw, low=1, high=2**63 - 1)


for _sort in (
    DocumentSort("date", gettext_noop("date de dépôt (anciens d'abord)"), ("deposited_at", "id"),
                 ("-deposited_at", "-id"), order=10, reverse_label=gettext_noop("date de dépôt (récents d'abord)")),
    DocumentSort("nom", gettext_noop("nom (A → Z)"), ("name", "id"), ("-name", "-id"), order=20,
                 reverse_label=gettext_noop("nom (Z → A)")),
    DocumentSort("depose_par", gettext_noop("déposant (A → Z)"), ("depositor__full_name", "depositor__email"),
                 ("-depositor__full_name", "-depositor__email"), order=30,
                 reverse_label=gettext_noop("déposant (Z → A)")),
    DocumentSort("taille", gettext_noop("taille (petits d'abord)"), ("size", "id"), ("-size", "-id"), order=40,
                 reverse_label=gettext_noop("taille (gros d'abord)")),
):
    document_list_options.register_sort(_sort)

for _filter in (
    DocumentFilter("canal", gettext_noop("Canal"), lookup="channel", input_type="select",
                   choices=tuple(Channel.choices), order=10),
    DocumentFilter("depose_par", gettext_noop("Déposé par"), lookup="depositor_id", input_type="select",
                   choices_present=_depositors_present, clean=_positive_int, order=20),
    DocumentFilter("type", gettext_noop("Type"), lookup="content_type", input_type="select",
                   choices_present=_types_present, order=30),
    DocumentFilter("du", gettext_noop("Du"), input_type="date", order=40,
                   apply=lambda documents, day, user: documents.filter(deposited_at__gte=_day_start(day))),
    DocumentFilter("au", gettext_noop("Au"), input_type="date", order=41,
                   apply=lambda documents, day, user: documents.filter(
                       deposited_at__lt=_day_start(day) + timedelta(days=1))),
):
    document_list_options.register_filter(_filter)
