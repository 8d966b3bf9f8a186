from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tasks_app.actions.tokens import token_revoke
from tasks_app.models import ApiToken

# Everything but the hash: it is of no use to a person, and a leaked hash is an offline target.
_SHOWN = tuple(field.name for field in ApiToken._meta.fields if field.name not in ("id", "key_hash"))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Created by their owners on the "API tokens" page, never here. An administrator can see
    who has which token and revoke it (a leak, a person who left); the hash is never shown."""

    list_display = [
        "name",
        "user",
        "purpose",
        "read_only",
        "hint",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "last_used_ip",
    ]
    list_filter = ["purpose", "read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "hint", "user__username", "user__full_name"]
    list_select_related = ["user"]
    fields = readonly_fields = _SHOWN
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoke instead: the row keeps when and from where it was last used

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(token_revoke(token=token) for token in queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )
