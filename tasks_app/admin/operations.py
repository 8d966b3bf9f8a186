from django.contrib import admin

from tasks_app.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Written by the worker and by the operators' page (/operations/), never typed in."""

    list_display = ["task_name", "state", "attempts", "last_seen_at", "sent_by", "retried_by"]
    list_filter = ["state", "task_name"]
    search_fields = ["task_id", "error"]
    list_select_related = ["sent_by", "retried_by"]
    readonly_fields = [field.name for field in JobRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The record of who retried what stays whole; old rows are pruned on write (30 days).
        return False
