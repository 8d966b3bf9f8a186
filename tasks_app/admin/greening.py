"""The greening policy in the admin: staff edit thresholds and colour bands; every save
goes through the actions layer, which validates the bands and logs the change."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tasks_app.actions.greening import POLICY_FIELDS, StalePolicyVersion, greening_policy_update
from tasks_app.admin.tasks import ReadOnlyAdmin, unit_column
from tasks_app.admin.versioned import VersionedAdminForm, changed_by_message
from tasks_app.greening.rules import Band, validate_bands
from tasks_app.models import GreeningBand, GreeningPolicy, GreeningPolicyChange, GreeningSnapshot


class BandFormSet(forms.BaseInlineFormSet):
    def kept_bands(self) -> list[Band]:
        return [
            Band(data["colour"], data["lower"], data["upper"])
            for data in self.cleaned_data
            if data and not data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        validate_bands(self.kept_bands())


class GreeningBandInline(admin.TabularInline):
    model = GreeningBand
    formset = BandFormSet
    extra = 0
    min_num = 1


class GreeningPolicyForm(VersionedAdminForm):
    change_note_label = _("Reason for this change")
    change_note_help = _("Recorded in the policy's change log with your name and the time.")

    class Meta:
        model = GreeningPolicy
        fields = POLICY_FIELDS

    def current_version(self) -> int | None:
        return GreeningPolicy.objects.values_list("version", flat=True).get()

    def stale_message(self) -> str:
        return stale_policy_message()

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.check_version(self.cleaned_data)
        return self.cleaned_data


def stale_policy_message() -> str:
    last = GreeningPolicyChange.objects.select_related("author").order_by("-policy_version").first()
    return changed_by_message(
        gettext(
            "The policy was changed by %(who)s at %(when)s after you opened it. "
            "Reload the page to see their change, then apply yours again."
        ),
        author=last.author if last else None,
        at=last.created_at if last else None,
    )


@admin.register(GreeningPolicy)
class GreeningPolicyAdmin(admin.ModelAdmin):
    form = GreeningPolicyForm
    inlines = [GreeningBandInline]
    list_display = ["__str__", "updated_at", "updated_by"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    fieldsets = [
        (_("Task state"), {"fields": POLICY_FIELDS[:5]}),
        (_("Unit colour"), {"fields": POLICY_FIELDS[5:7]}),
        (_("Updates"), {"fields": POLICY_FIELDS[7:8]}),
        (_("Indicators"), {"fields": POLICY_FIELDS[8:]}),
        (_("Change"), {"fields": ["change_note", "loaded_version", "version", "updated_at", "updated_by"]}),
    ]

    def has_add_permission(self, request):
        return not GreeningPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Saved with its bands in save_related, through the action, as one logged change.
        if not change:
            super().save_model(request, obj, form, change)

    def construct_change_message(self, request, form, formsets, add=False):
        # The bands are saved by the action, not the formsets; GreeningPolicyChange holds the diff.
        return [{"changed": {"fields": sorted(form.changed_data)}}] if not add else [{"added": {}}]

    def save_related(self, request, form, formsets, change):
        bands = next(f for f in formsets if isinstance(f, BandFormSet)).kept_bands()
        try:
            result = greening_policy_update(
                values={name: form.cleaned_data[name] for name in POLICY_FIELDS},
                bands=bands,
                author=request.user,
                note=form.cleaned_data.get("change_note", ""),
                expected_version=form.cleaned_data.get("loaded_version"),
            )
        except StalePolicyVersion:
            messages.error(request, stale_policy_message())
            return
        if result is None:
            messages.info(request, _("Nothing changed."))
        else:
            messages.success(
                request,
                _("Policy version %(version)s saved; it applies from the next recompute.")
                % {"version": result.policy_version},
            )


@admin.register(GreeningPolicyChange)
class GreeningPolicyChangeAdmin(ReadOnlyAdmin):
    list_display = ["policy_version", "created_at", "author", "note"]
    readonly_fields = ["policy_version", "created_at", "author", "changes", "settings_after", "note"]


@admin.register(GreeningSnapshot)
class GreeningSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "unit_name",
        "on_date",
        "scope",
        "colour",
        "rate",
        "own_rate",
        "children_green_share",
        "rank",
    ]
    unit_name = unit_column("unit", _("unit"))
    list_filter = ["on_date", "colour", "scope_kind", "unit__kind"]
    search_fields = ["unit__search_name__matches", "unit__code"]
    date_hierarchy = "on_date"
    list_select_related = ["unit"]
    show_full_result_count = False
