import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from tasks_app.models import TaskState, snapshot_colour, snapshot_colour_label

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

register = template.Library()

# A shape per colour, so the state never rests on colour alone (colour-blind readers).
COLOUR_ICONS = {"green": "✓", "yellow": "!", "red": "✕", "none": "–"}


@register.simple_tag
def colour_icon(colour: str | None) -> str:
    return format_html(
        '<span class="icon" aria-hidden="true">{}</span>', COLOUR_ICONS.get(colour or "none", "–")
    )


@register.simple_tag
def colour_badge(snapshot) -> str:
    """A unit's colour as a badge: its fill, its shape and its word ("No counted tasks"
    when it has no figures)."""
    colour = snapshot_colour(snapshot)
    return format_html(
        '<span class="badge {}">{} {}</span>', colour, colour_icon(colour), snapshot_colour_label(snapshot)
    )


@register.filter
def colour_label(snapshot) -> str:
    return snapshot_colour_label(snapshot)


@register.filter
def state_label(state: str) -> "_StrOrPromise":
    try:
        return TaskState(state).label
    except ValueError:
        return state


@register.filter
def task_colour_label(colour: str) -> "_StrOrPromise":
    """A task's colour by name ("not counted for colour" for paused and cancelled tasks)."""
    from tasks_app.selectors.tasks import TASK_COLOUR_LABELS

    return TASK_COLOUR_LABELS.get(colour, colour)


@register.filter
def without_param(query: str, name: str) -> str:
    """The query string without one parameter (and without the page, which it resets)."""
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in (name, "page")])


@register.filter
def task_field_label(name: str) -> str:
    from tasks_app.models import Task

    try:
        field = Task._meta.get_field(name)
    except FieldDoesNotExist:  # a field since removed from the model: show its recorded name
        return name
    # A reverse relation has no verbose name: its recorded name stands.
    return str(field.verbose_name) if isinstance(field, Field) else name


@register.filter
def minutes(duration) -> int:
    """A timedelta in whole minutes, rounded up."""
    return -(-int(duration.total_seconds()) // 60) if duration else 0


@register.filter
def history_value(value):
    """A value recorded in an update's changes, as the pages show it: dates (stored as
    ISO, to stay machine-readable) as dd/mm/yyyy, lists joined, the rest as recorded."""
    if isinstance(value, list):
        return ", ".join(str(history_value(item)) for item in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            pass
    return value


@register.filter
def age(moment: datetime.datetime | None) -> str:
    """How long ago, in words; "under a minute" rather than timesince's "0 minutes"."""
    if moment is None:
        return ""
    if timezone.now() - moment < datetime.timedelta(minutes=1):
        return _("under a minute")
    return timesince(moment)
