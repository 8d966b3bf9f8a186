"""The main menu: only the pages the signed-in user may open (tasks_app.access.user_reach)."""

from django import template

from tasks_app.access import Reach, user_reach

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context) -> Reach | None:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    reach = user_reach(user)
    return reach if any(vars(reach).values()) else None
