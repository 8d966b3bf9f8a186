"""The boards' forms: a board's plan, task group and date, and the commune table's sorting,
filters and page, all read from the query string."""

import datetime
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.boards.selectors.boards import SORT_KEYS, CommuneTableQuery
from reports.boards.selectors.figures import BoardFilters, FigureDays
from tasks_app.clock import local_today
from tasks_app.forms.widgets import DateInput
from tasks_app.params import SEARCH_MAX_LENGTH, DayField, PageField, valid_part
from tasks_app.selectors.tasks import COLOUR_ORDER


class BoardFilterForm(forms.Form):
    """A board's plan, task group and date, read from the query string. A bad value is
    dropped with a message and the board shows without it, never a 500."""

    plan = forms.TypedChoiceField(label=gettext_lazy("Plan"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(
        label=gettext_lazy("Task group"), required=False, coerce=int, empty_value=None
    )
    date = DayField(
        label=gettext_lazy("Figures on"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Empty: the latest figures."),
    )
    data: QueryDict  # bound to the request's query string (views.py)

    def __init__(self, *args, plans=(), groups=(), days: FigureDays | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.days = days
        # A date in a gap: the one asked for, and the nearest dates that have figures,
        # which the form offers as links (nearest_links) and the board names.
        self.refused_date: datetime.date | None = None
        self.nearest_dates: list[datetime.date] = []
        if days is not None and days.first is not None and days.last is not None:
            # The picker offers only the span that has figures; gaps are checked on submit.
            self.fields["date"].widget.attrs.update(min=days.first.isoformat(), max=days.last.isoformat())
            self.fields["date"].help_text = _(
                "Empty: the latest figures. Figures exist from %(first)s to %(last)s."
            ) % {
                "first": days.first.strftime("%d/%m/%Y"),
                "last": days.last.strftime("%d/%m/%Y"),
            }
        self.plans = {plan.pk: plan for plan in plans}
        self.groups = {group.pk: group for group in groups}
        everything = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["plan"]).choices = everything + [
            (plan.pk, f"{plan.code} · {plan.issuing_unit.name}") for plan in plans
        ]
        cast(forms.ChoiceField, self.fields["group"]).choices = everything + [
            (group.pk, f"{group.number}. {group.name}") for group in groups
        ]

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day and day > local_today():
            raise ValidationError(_("Figures exist only up to today."), code="future")
        if day and self.days is not None and not self.days.has(day):
            self.refused_date, self.nearest_dates = day, self.days.nearest(day)
            if not self.nearest_dates:
                raise ValidationError(_("There are no figures yet for this board."), code="no_figures")
            # The nearest dates follow as links (see nearest_links and _filters.html).
            raise ValidationError(
                _("There are no figures for %(day)s.") % {"day": day.strftime("%d/%m/%Y")}, code="no_figures"
            )
        return day

    def nearest_links(self) -> list[tuple[str, str]]:
        """(label, query string) for each nearest date with figures: the request's query
        with that date, every other filter kept (the page starts again)."""
        links = []
        for day in self.nearest_dates:
            query = self.data.copy()
            query["date"] = day.isoformat()
            query.pop("page", None)
            links.append((day.strftime("%d/%m/%Y"), query.urlencode()))
        return links

    def filters(self) -> BoardFilters:
        data = valid_part(self)
        plan = self.plans.get(data.get("plan"))
        group = self.groups.get(data.get("group")) if plan is not None else None
        return BoardFilters(plan=plan, group=group, on=data.get("date"))


class CommuneTableForm(forms.Form):
    """The commune table's sorting, filters and page."""

    q = forms.CharField(label=gettext_lazy("Commune name"), required=False, max_length=SEARCH_MAX_LENGTH)
    colour = forms.ChoiceField(
        label=gettext_lazy("Colour"),
        required=False,
        choices=[("", gettext_lazy("All"))] + [(c.value, c.label) for c in COLOUR_ORDER],
    )
    silent = forms.BooleanField(label=gettext_lazy("Only communes with no update for 7 days"), required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{sign}{key}", key) for key in SORT_KEYS for sign in ("", "-")],
        widget=forms.HiddenInput,
    )
    page = PageField()

    def query(self) -> CommuneTableQuery:
        data = valid_part(self)
        return CommuneTableQuery(
            sort=data.get("sort") or "rank",
            colour=data.get("colour") or "",
            search=(data.get("q") or "").strip(),
            silent_only=bool(data.get("silent")),
            page=data.get("page") or 1,
        )
