"""What a page accepts in its address: the ranges of ids, dates and page numbers, defined
once. Every query parameter is read through a form built from these fields, and every
id in a path through the `id` converter, so no value a person can type reaches the
database or date arithmetic out of range.

A bad query value is ignored: the field's error shows beside it, or, for the values
that have no visible field (page, sort, parent), as a notice on the page. A path id
out of range is a 404, like any id that does not exist."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from tasks_app.clock import local_today
from tasks_app.http import HtmxRequest

# Primary keys are 64-bit signed (BigAutoField); beyond, SQLite raises OverflowError and
# PostgreSQL DataError, where the answer should simply be "no such object".
ID_MAX = 2**63 - 1

# Resolution 57 dates from 22/12/2024; no figures, task or report predates this year.
# Bounding dates also keeps the trend's "12 weeks before" clear of year 1.
FIRST_DAY = datetime.date(2024, 1, 1)
YEARS_AHEAD = 10

# Far more pages than any list has; Paginator.get_page shows the last page beyond its end.
PAGE_MAX = 100_000

SEARCH_MAX_LENGTH = 100


def last_day() -> datetime.date:
    today = local_today()
    return today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28))


class IdConverter:
    """`<id:pk>` in a URL: digits that fit a primary key; anything longer is a 404."""

    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError(value)  # the URL does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class IdField(forms.IntegerField):
    """An object's id in the query string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class PageField(forms.IntegerField):
    """A page number; past the last page, the list shows its last page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", PAGE_MAX)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class DayField(forms.DateField):
    """A date typed as Vietnamese write it (dd/mm/yyyy) or ISO, within the app's years."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%d/%m/%Y", "%Y-%m-%d"])
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        first, last = FIRST_DAY, last_day()
        if not first <= value <= last:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y")},
                code="out_of_range",
            )


class PageForm(forms.Form):
    """The query of a list that has nothing but pages."""

    page = PageField()

    def page_number(self) -> int:
        return valid_part(self).get("page") or 1


def valid_part(form: forms.Form) -> dict:
    """The cleaned values of the fields that passed, when others did not: a bad value
    drops only itself."""
    if form.is_valid():
        return form.cleaned_data
    return {
        name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors
    }


def valid_query(*query_forms: forms.Form, without: tuple[str, ...] = ()) -> QueryDict:
    """The query string the forms accepted, as the person typed it: links built from it
    (sorting, pages, drill-downs, chips) carry only values that passed, never a raw
    parameter the forms refused or do not know."""
    query = QueryDict(mutable=True)
    for form in query_forms:
        if not form.is_bound:
            continue
        accepted = valid_part(form)
        for name in form.fields:
            if name in without or name not in accepted or name in query:
                continue
            raw = form.data.get(name)
            if raw is not None and raw != "":
                query[name] = raw
    return query


def report_ignored(request: HtmxRequest, *query_forms: forms.Form) -> None:
    """A notice for each bad query value that has no field on the page to show its error.
    Only on whole pages: an htmx part is asked for by the page's own links, and a notice
    queued there would show on the next page instead."""
    if request.htmx:
        return
    for form in query_forms:
        if not form.is_bound or form.is_valid():
            continue
        for name in form.errors:
            if name not in form.fields or not form.fields[name].widget.is_hidden:
                continue  # shown beside its field
            messages.warning(
                request,
                _("The address had a value for “%(name)s” that is not valid; it was ignored.")
                % {"name": name},
            )
