"""Django admin for office staff. Task edits go through the actions layer, so every
admin change is version-checked and recorded in the task's history."""

import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tasks_app.actions.tasks import StaleTaskVersion, task_change, task_create
from tasks_app.admin.versioned import VersionedAdminForm, changed_by_message
from tasks_app.models import (
    EDITABLE_FIELDS,
    OPEN_STATUSES,
    CommitteeMember,
    Evidence,
    Membership,
    Plan,
    PlanPhase,
    SteeringCommittee,
    Task,
    TaskGroup,
    TaskUpdate,
    Unit,
    UnitKind,
    User,
)

admin.site.index_title = _("Resolution 57 task administration")


def unit_column(path: str, description):
    """A list column that shows a unit's name (the unit at `path`, "" for the row itself)
    and sorts by its Vietnamese sort key (`Unit.sort_key`: the name without its division
    type, Đ after D, tones after the letters), not by the name's bytes. A ModelAdmin
    method, named after `path`, so the column keeps a readable CSS class."""
    attrs = path.split("__") if path else []

    @admin.display(ordering="__".join([*attrs, "sort_key"]), description=capfirst(description))
    def column(model_admin, obj):
        unit = obj
        for attr in attrs:
            unit = getattr(unit, attr)
            if unit is None:
                return None  # the admin shows its "empty" mark
        return unit.name

    column.__name__ = f"{path or 'unit'}_name"
    return column


def province_filter(path: str) -> type[admin.SimpleListFilter]:
    """A list filter by province, for any model that reaches a unit through `path`."""

    class ProvinceFilter(admin.SimpleListFilter):
        title = _("province")
        parameter_name = "province"

        def lookups(self, request, model_admin):
            return Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("sort_key").values_list("pk", "name")

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{path: self.value()})
            return queryset

    return ProvinceFilter


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline_window"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue (open, deadline passed)")),
            ("7", _("Due within 7 days")),
            ("30", _("Due within 30 days")),
            ("this_year", _("Due this year")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value == "overdue":
            return queryset.filter(deadline__lt=today, status__in=OPEN_STATUSES)
        if value in ("7", "30"):
            end = today + datetime.timedelta(days=int(value))
            return queryset.filter(deadline__range=(today, end), status__in=OPEN_STATUSES)
        if value == "this_year":
            return queryset.filter(deadline__year=today.year)
        return queryset


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "unit_name", "kind", "division_type", "province_name", "is_active"]
    unit_name = unit_column("", _("name"))
    province_name = unit_column("province", _("province"))
    # The model's order, stated here so the list's header marks the name column as sorted.
    ordering = ["sort_key", "code"]
    list_filter = ["kind", "division_type", province_filter("province"), "is_active"]
    # `__matches`: the folded column, searched as the app searches (case and diacritics
    # ignored, tasks_app.models.derived).
    search_fields = ["code", "search_name__matches", "codename"]
    list_select_related = ["province"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["province"]
    list_per_page = 100


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(SteeringCommittee)
class SteeringCommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "unit_name", "decision_number", "decision_date"]
    unit_name = unit_column("unit", _("unit"))
    list_filter = ["unit__kind", province_filter("unit__province")]
    search_fields = ["name__matches", "unit__search_name__matches", "decision_number"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    inlines = [CommitteeMemberInline]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ["full_name", "position", "role", "committee_name"]
    list_filter = ["role", province_filter("committee__unit__province")]
    search_fields = ["full_name__matches", "position__matches", "committee__unit__search_name__matches"]
    autocomplete_fields = ["committee", "user"]
    list_select_related = ["committee"]

    @admin.display(ordering="committee__unit__sort_key", description=capfirst(_("steering committee")))
    def committee_name(self, obj):
        # Committees' names all begin "Ban Chỉ đạo ...": sorted by their unit's name.
        return obj.committee.name


class PlanPhaseInline(admin.TabularInline):
    model = PlanPhase
    extra = 0


class TaskGroupInline(admin.TabularInline):
    model = TaskGroup
    extra = 0
    fields = ["number", "name", "implements"]
    autocomplete_fields = ["implements"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "document_type", "issuing_unit_name", "issue_date", "implements"]
    issuing_unit_name = unit_column("issuing_unit", Plan._meta.get_field("issuing_unit").verbose_name)
    list_filter = ["document_type", "issuing_unit__kind", province_filter("issuing_unit__province")]
    search_fields = ["code", "title__matches", "issuing_unit__search_name__matches"]
    autocomplete_fields = ["issuing_unit", "implements"]
    list_select_related = ["issuing_unit", "implements"]
    date_hierarchy = "issue_date"
    inlines = [PlanPhaseInline, TaskGroupInline]


@admin.register(PlanPhase)
class PlanPhaseAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "start_date", "end_date"]
    search_fields = ["name__matches", "plan__code"]
    list_select_related = ["plan"]


@admin.register(TaskGroup)
class TaskGroupAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "plan", "implements"]
    list_filter = [province_filter("plan__issuing_unit__province")]
    search_fields = ["name__matches", "plan__code"]
    autocomplete_fields = ["plan", "implements"]
    list_select_related = ["plan", "implements__plan"]


class TaskAdminForm(VersionedAdminForm):
    change_note_help = _("Recorded in the task's history with your name and the time.")

    class Meta:
        model = Task
        fields = EDITABLE_FIELDS

    def current_version(self) -> int | None:
        return Task.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()

    def stale_message(self) -> str:
        return stale_message(self.instance.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        group, phase, plan = cleaned.get("task_group"), cleaned.get("phase"), cleaned.get("plan")
        if group and plan and group.plan_id != plan.pk:
            self.add_error("task_group", _("This task group belongs to another plan."))
        if phase and plan and phase.plan_id != plan.pk:
            self.add_error("phase", _("This phase belongs to another plan."))
        if self.instance.pk:
            self.check_version(cleaned)
        return cleaned


def stale_message(task_id: int) -> str:
    last = TaskUpdate.objects.filter(task_id=task_id).select_related("author").order_by("-version").first()
    return changed_by_message(
        gettext(
            "This task was changed by %(who)s at %(when)s after you opened it. "
            "Reload the page to see their change, then apply yours again."
        ),
        author=last.author if last else None,
        at=last.created_at if last else None,
    )


class TaskUpdateInline(admin.TabularInline):
    model = TaskUpdate
    readonly_fields = (
        "version",
        "created_at",
        "author",
        "status_before",
        "status_after",
        "progress_before",
        "progress_after",
        "note",
        "difficulties",
        "changes",
    )
    fields = readonly_fields
    extra = 0
    can_delete = False
    ordering = ["-version"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    form = TaskAdminForm
    list_display = ["code", "title", "lead_unit_name", "status", "progress", "deadline", "is_key"]
    lead_unit_name = unit_column("lead_unit", Task._meta.get_field("lead_unit").verbose_name)
    list_filter = [
        province_filter("lead_unit__province"),
        "plan",
        "status",
        DeadlineFilter,
        "deadline",
        "is_key",
        "lead_unit__kind",
    ]
    search_fields = ["search_text__matches"]  # see get_search_results
    list_select_related = ["lead_unit"]
    autocomplete_fields = [
        "plan",
        "task_group",
        "phase",
        "parent",
        "lead_unit",
        "coordinating_units",
        "responsible_user",
    ]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]
    # No date hierarchy: its DISTINCT over the matching tasks ran again on every search; the
    # deadline filters above cover the same need.
    inlines = [TaskUpdateInline]
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) over a million tasks on every page is wasted work

    def get_search_results(self, request, queryset, search_term):
        """The words as typed, as "My tasks" searches them (folded, in their order), in the
        code and title or in the lead unit's name. Each side is an index scan on PostgreSQL
        (the trigram index; the few units first, then their tasks): an OR with a joined
        column or an unindexed one would read every task of the country."""
        if not search_term.strip():
            return queryset, False
        found = Q(search_text__matches=search_term)
        # The units' ids as values, not a subquery: PostgreSQL then ORs two index scans.
        units = list(Unit.objects.filter(search_name__matches=search_term).values_list("pk", flat=True))
        if units:
            found |= Q(lead_unit__in=units)
        return queryset.filter(found), False

    def save_model(self, request, obj, form, change):
        note = form.cleaned_data.get("change_note", "")
        coordinating = form.cleaned_data.get("coordinating_units")
        if change:
            task_change(
                task=obj,
                expected_version=form.cleaned_data["loaded_version"],
                author=request.user,
                note=note,
                coordinating_units=coordinating,
            )
        else:
            task_create(task=obj, author=request.user, coordinating_units=coordinating or (), note=note)

    def save_related(self, request, form, formsets, change):
        # Coordinating units were saved and recorded by the action in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleTaskVersion as exc:
            # Someone saved between our check and the write; the transaction rolled back.
            messages.error(request, stale_message(exc.current.pk))
            return redirect(request.path)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    readonly_fields = ("original_name", "file", "size", "content_type", "sha256")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is append-only: staff can read it, never edit or delete it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskUpdate)
class TaskUpdateAdmin(ReadOnlyAdmin):
    list_display = [
        "task",
        "version",
        "kind",
        "author",
        "created_at",
        "status_after",
        "progress_after",
    ]
    list_filter = [
        "kind",
        "status_after",
        province_filter("task__lead_unit__province"),
        "created_at",
    ]
    search_fields = [
        "task__search_text__matches",
        "note__matches",
        "author__username",
        "author__full_name__matches",
    ]
    list_select_related = ["task", "author"]
    date_hierarchy = "created_at"
    inlines = [EvidenceInline]
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "update", "size", "content_type", "sha256"]
    list_filter = ["content_type"]
    search_fields = ["original_name__matches", "sha256", "update__task__code"]
    list_select_related = ["update__task"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "position", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "full_name__matches", "email"]
    list_filter = [
        "is_active",
        "is_staff",
        "memberships__role",
        province_filter("memberships__unit__province"),
    ]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "position", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "position", "password1", "password2"),
            },
        ),
    )
    inlines = [MembershipInline]

    def get_queryset(self, request):
        # The role/province filters join memberships; one row per user all the same.
        return super().get_queryset(request).distinct()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit_name", "created_at"]
    unit_name = unit_column("unit", _("unit"))
    list_filter = ["role", "unit__kind", province_filter("unit__province")]
    search_fields = ["user__username", "user__full_name__matches", "unit__search_name__matches", "unit__code"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]
