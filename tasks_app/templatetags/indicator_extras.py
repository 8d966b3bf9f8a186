"""Words for indicator values on the pages: states and recorded changes. (Numbers and
colours come in words from the selectors, through tasks_app.indicators.words.)"""

from django import template
from django.utils.translation import gettext_lazy as _

from tasks_app.periods import period_ending
from tasks_app.selectors.indicators import state_words

register = template.Library()

# The fields a value's history records, by the names ValueEvent.changes uses.
CHANGE_LABELS = {
    "value": _("Value"),
    "numerator": _("Numerator"),
    "denominator": _("Denominator"),
    "note": _("Note"),
}


@register.filter
def value_state_words(state: str) -> str:
    return state_words(state)


@register.filter
def change_rows(changes: dict) -> list[tuple[str, str, str]]:
    """An event's changes as (label, before, after), decimals with a comma as typed."""
    rows = []
    for name, pair in (changes or {}).items():
        if name == "return_reason":  # the event's reason says it
            continue
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append((str(CHANGE_LABELS.get(name, name)), _shown(before, name), _shown(after, name)))
    return rows


def _shown(text, name: str) -> str:
    if text in (None, ""):
        return "—"
    if name in ("value", "numerator", "denominator"):
        return str(text).replace(".", ",")
    return str(text)


@register.filter
def period_label(period_end, periodicity: str) -> str:
    """ "Tháng 11/2026" for the period of `periodicity` closing on `period_end`."""
    try:
        return period_ending(periodicity, period_end).label
    except ValueError:
        return period_end.strftime("%d/%m/%Y")
