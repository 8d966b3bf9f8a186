"""The greening policy in the admin: staff edit thresholds and colour bands; every save
goes through the actions layer, which validates the bands and logs the change."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks_app.actions.greening import POLICY_FIELDS, StalePolicyVersion, greening_policy_update
from tasks_app.admin.tasks import ReadOnlyAdmin, unit_column
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


class GreeningPolicyForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_note = forms.CharField(
        label=_("Reason for this change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the policy's change log with your name and the time."),
    )

    class Meta:
        model = GreeningPolicy
        fields = POLICY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        current = GreeningPolicy.objects.values_list("version", flat=True).get()
        if cleaned.get("loaded_version") != current:
            raise ValidationError(stale_policy_message())
        return cleaned


def stale_policy_message() -> str:
    last = GreeningPolicyChange.objects.select_related("author").order_by("-policy_version").first()
    who = str(last.author) if last and last.author else _("the system")
    when = timezone.localtime(last.created_at).strftime("%d/%m/%Y %H:%M") if last else ""
    return _(
        "The policy was changed by %(who)s at %(when)s after you opened it. "
        "Reload the page to see their change, then apply yours again."
    ) % {"who": who, "when": when}


@admin.register(GreeningPolicy)
class GreeningPolicyAdmin(admin.ModelAdmin):
    form = GreeningPolicyForm
    inlines = [GreeningBandInline]
    list_display = ["__str__", "updated_at", "updated_by"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    fieldsets = [
        (_("Task state"), {"fields": POLICY_FIELDS[:5]}),
        (_("Unit colour"), {"fields": POLICY_FIELDS[5:7]}),
        (_("Updates"), {"fields": POLICY_FIELDS[7:]}),
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
