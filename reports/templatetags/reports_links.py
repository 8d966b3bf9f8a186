from django import template

from reports.models import Week

register = template.Library()


@register.simple_tag
def last_week_start():
    """The Monday of the last finished week: what a dashboard's report button asks for."""
    return Week.last_finished().start
