from django import template

from reports.selectors import last_finished_week

register = template.Library()


@register.simple_tag
def last_week_start():
    """The Monday of the last finished week: what a dashboard's report button asks for."""
    return last_finished_week().start
