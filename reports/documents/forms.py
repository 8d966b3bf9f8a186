from typing import cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.documents.archive import reportable_weeks
from reports.models import ReportKind, Week
from tasks_app.access import may_view_reports_of
from tasks_app.models import Unit, User
from tasks_app.params import PageField, valid_part


class ReportRequestForm(forms.Form):
    """Which report: the unit decides the kind (the nation's and a province's weekly
    report, a commune's one-page summary); the week is a finished one."""

    unit = forms.TypedChoiceField(
        label=gettext_lazy("Unit"),
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("Choose a unit from the list.")},
    )
    week = forms.ChoiceField(
        label=gettext_lazy("Week"),
        error_messages={"invalid_choice": gettext_lazy("Choose a finished week from the list.")},
    )

    def __init__(self, *args, user: User, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.weeks = _weeks_by_key()
        cast(forms.ChoiceField, self.fields["week"]).choices = [
            (key, week.short_label) for key, week in self.weeks.items()
        ]
        cast(forms.ChoiceField, self.fields["unit"]).choices = _grouped(units)

    def clean_unit(self) -> Unit:
        unit = Unit.objects.filter(pk=self.cleaned_data["unit"], is_active=True).first()
        # A unit picked from the list, or sent by a dashboard's button: either way the
        # user must be allowed to see it, or it does not exist for them.
        if unit is None or ReportKind.for_unit(unit) is None or not may_view_reports_of(self.user, unit):
            raise forms.ValidationError(_("Choose a unit from the list."), code="invalid_choice")
        return unit

    def clean_week(self) -> Week:
        return self.weeks[self.cleaned_data["week"]]

    @property
    def kind(self) -> ReportKind:
        kind = ReportKind.for_unit(self.cleaned_data["unit"])
        assert kind is not None, "clean_unit takes only a unit that a report is about"
        return kind


def _grouped(units) -> list:
    """The units under the report each kind gets, in the order of the report kinds."""
    groups: dict[str, list] = {}
    for unit in units.order_by("kind", "sort_key", "code"):
        groups.setdefault(unit.kind, []).append((unit.pk, unit.name))
    return [(str(kind.label), groups[kind.unit_kind]) for kind in ReportKind if kind.unit_kind in groups]


class ArchiveFilterForm(forms.Form):
    week = forms.ChoiceField(label=gettext_lazy("Week"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    page = PageField()

    def __init__(self, *args, **kwargs):
        # The archive page also holds the request form, which has a "week" field too: ids
        # of their own, so each label points at its own list.
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        self.weeks = _weeks_by_key()
        cast(forms.ChoiceField, self.fields["week"]).choices = [("", _("All weeks"))] + [
            (k, w.short_label) for k, w in self.weeks.items()
        ]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("All kinds")), *ReportKind.choices]

    def week_value(self) -> Week | None:
        return self.weeks.get(valid_part(self).get("week") or "")

    def kind_value(self) -> str:
        return valid_part(self).get("kind") or ""

    def page_number(self) -> int:
        return valid_part(self).get("page") or 1


def _weeks_by_key() -> dict[str, Week]:
    """The finished weeks a form offers, keyed by their Monday as ISO text."""
    return {week.start.isoformat(): week for week in reportable_weeks()}
