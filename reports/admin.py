from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reports.models import Report
from tasks_app.admin.tasks import unit_column


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are made by the jobs, never typed in: staff read their status and errors here."""

    list_display = [
        "period_start",
        "kind",
        "unit_name",
        "status",
        "attempts",
        "generated_at",
        "duration_ms",
        "size",
    ]
    unit_name = unit_column("unit", _("unit"))
    list_filter = ["status", "kind", "period_start"]
    search_fields = ["unit__search_name__matches", "error__matches"]
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
