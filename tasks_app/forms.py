"""Forms validate everything a person sends; the actions then assume valid input."""

import datetime
import uuid

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.access import UPDATABLE_STATUSES, TaskAccess, officer_status_choice
from tasks_app.actions.tasks import EvidenceUpload
from tasks_app.clock import local_today
from tasks_app.evidence_files import ALLOWED_EXTENSIONS, InspectedFile, inspect_upload, max_bytes
from tasks_app.models import CompletionProof, Evidence, Task, TaskStatus
from tasks_app.params import SEARCH_MAX_LENGTH, DayField, IdField, PageField, valid_part
from tasks_app.selectors.dashboards import SORT_KEYS, BoardFilters, CommuneTableQuery, FigureDays
from tasks_app.selectors.tasks import COLOUR_ORDER, TaskFilters, task_colour_choices
from tasks_app.upload_limits import (
    UploadRefusal,
    file_too_large_message,
    max_files,
    max_total_bytes,
    too_many_files_message,
    total_too_large_message,
)

# --- Evidence kept across a failed submit ----------------------------------------------------

KEPT_EVIDENCE_SALT = "nq57.kept-evidence"
KEPT_EVIDENCE_MAX_AGE = 24 * 3600


def kept_evidence_token(item: EvidenceUpload) -> str:
    """A signed reference to a file already in storage, so a form that failed (a conflict or
    a missing note) does not make the user upload it again over a weak connection."""
    return signing.dumps(
        [item.stored_name, item.original_name, item.content_type, item.size, item.sha256],
        salt=KEPT_EVIDENCE_SALT,
        compress=True,
    )


def kept_evidence_from_token(token: str) -> EvidenceUpload | None:
    try:
        stored, name, content_type, size, sha256 = signing.loads(
            token, salt=KEPT_EVIDENCE_SALT, max_age=KEPT_EVIDENCE_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not default_storage.exists(stored):
        return None
    return EvidenceUpload(stored, name, content_type, size, sha256)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files at once, each checked by its content. Errors name every bad file."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > max_files():
            raise ValidationError(too_many_files_message(), code="too_many_files")
        inspected, errors = [], []
        for upload in files:
            try:
                inspected.append((upload, inspect_upload(upload)))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return inspected


# --- The update form -----------------------------------------------------------------------


class TaskUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[c for c in TaskStatus.choices if c[0] in UPDATABLE_STATUSES]
    )
    progress = forms.IntegerField(
        label=gettext_lazy("Progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),  # any whole percent
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when the status changes or progress goes down."),
    )
    difficulties = forms.CharField(
        label=gettext_lazy("Difficulties and proposals"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "What stands in the way, and what you ask of others. It goes into the weekly report."
        ),
    )
    evidence = EvidenceField(
        label=gettext_lazy("Evidence files"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)}),
    )

    def __init__(
        self,
        *args,
        task: Task,
        access: TaskAccess,
        completion_proof: str,
        upload_refusals: list[UploadRefusal] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.task = task
        # What the upload handler stopped receiving (tasks_app/upload_limits.py).
        self.upload_refusals = list(upload_refusals)
        if any(refusal.cuts_submission for refusal in self.upload_refusals):
            # The rest of the body was not read and Django closed the files it had: none is used.
            self.files = MultiValueDict()
        self.access = access
        self.completion_proof = completion_proof
        self.kept: list[EvidenceUpload] = []
        each = _("PDF, Word (docx), Excel (xlsx), JPG or PNG; at most %(mb)s MB each.") % {
            "mb": max_bytes() // (1024 * 1024)
        }
        together = _("At most %(count)s files and %(total)s MB in one update.") % {
            "count": max_files(),
            "total": max_total_bytes() // (1024 * 1024),
        }
        self.fields["evidence"].help_text = f"{each} {together}"
        # The same limits for the page's own check before sending (static/js/evidence-limits.js).
        self.fields["evidence"].widget.attrs.update(
            {
                "data-max-bytes": max_bytes(),
                "data-max-total-bytes": max_total_bytes(),
                "data-max-files": max_files(),
                "data-too-large-message": file_too_large_message("%(name)s"),
                "data-total-message": total_too_large_message(),
                "data-too-many-message": too_many_files_message(),
            }
        )
        if not self.is_bound:
            # Given initial values win: a form brought back after a conflict keeps the user's input.
            self.initial = {
                "version": task.version,
                "submission_key": uuid.uuid4(),
                "status": task.status,
                "progress": task.progress,
                **self.initial,
            }
        # Status and progress: only the lead unit's officer, and only what the rule allows.
        self.status_choice = officer_status_choice(task) if access >= TaskAccess.EDIT else None
        if access < TaskAccess.EDIT:
            del self.fields["status"], self.fields["progress"]
            self.fields["note"].required = True
            self.fields["note"].help_text = ""
        elif self.status_choice.locked:
            del self.fields["status"], self.fields["progress"]
        else:
            status = self.fields["status"]
            status.choices = [(s, TaskStatus(s).label) for s in self.status_choice.statuses]
            if self.status_choice.hint:
                status.help_text = self.status_choice.hint
                # A status not offered, posted anyway, is refused with the reason.
                status.error_messages["invalid_choice"] = self.status_choice.hint
        if self.is_bound:
            for token in self.data.getlist("kept_evidence"):
                item = kept_evidence_from_token(token)
                if item is not None:
                    self.kept.append(item)

    @property
    def edits_status(self) -> bool:
        return "status" in self.fields

    def clean(self):
        cleaned = super().clean()
        for refusal in self.upload_refusals:
            self.add_error("evidence", ValidationError(refusal.message, code=refusal.code))
        cleaned["difficulties"] = (cleaned.get("difficulties") or "").strip()
        if not self.edits_status:
            if self.status_choice is not None and self._posts_status_change():
                # An approved completion: closed to status and progress, notes still welcome.
                raise ValidationError(self.status_choice.hint, code="locked")
            wrote = (cleaned.get("note") or "").strip() or cleaned["difficulties"]
            if not wrote and not cleaned.get("evidence") and not self.kept:
                raise ValidationError(_("Write a note or attach a file."), code="empty")
            return cleaned
        status, progress = cleaned.get("status"), cleaned.get("progress")
        note = (cleaned.get("note") or "").strip()
        cleaned["note"] = note
        if status is None or progress is None:
            return cleaned
        if status == TaskStatus.COMPLETED:
            progress = cleaned["progress"] = 100
        if status == TaskStatus.NOT_STARTED and progress > 0:
            self.add_error(
                "progress", _("A task that has not started has 0%% progress. Choose “In progress”.")
            )
        status_changed = status != self.task.status
        if (status_changed or progress < self.task.progress) and not note:
            self.add_error(
                "note",
                ValidationError(
                    _("Explain in a note why the status changed or progress went down."), code="note_required"
                ),
            )
        if status == TaskStatus.COMPLETED and status_changed:
            self._check_completion_proof(note, cleaned)
        return cleaned

    def _posts_status_change(self) -> bool:
        status = self.data.get("status", self.task.status)
        progress = str(self.data.get("progress", self.task.progress)).strip()
        return status != self.task.status or progress != str(self.task.progress)

    def _check_completion_proof(self, note: str, cleaned: dict) -> None:
        has_file = (
            bool(cleaned.get("evidence") or self.kept)
            or Evidence.objects.filter(update__task=self.task).exists()
        )
        proof = self.completion_proof
        if proof == CompletionProof.EVIDENCE and not has_file:
            self.add_error("evidence", _("To mark the task completed, attach the evidence of its product."))
        elif proof == CompletionProof.EVIDENCE_AND_NOTE and not (has_file and note):
            self.add_error(
                "evidence",
                _("To mark the task completed, attach the evidence of its product and write a note."),
            )
        elif proof == CompletionProof.EVIDENCE_OR_NOTE and not (has_file or note):
            self.add_error(
                "evidence",
                _("To mark the task completed, attach the evidence of its product or write a note."),
            )

    def checked_files(self) -> list[tuple[UploadedFile, InspectedFile]]:
        """The new files that passed their checks, even when the form as a whole did not."""
        if "evidence" in getattr(self, "cleaned_data", {}):
            return self.cleaned_data["evidence"]
        return []


# --- The list's filters ----------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    """Read from the query string; a bad value is ignored with a message, never a 500."""

    q = forms.CharField(
        label=gettext_lazy("Search by code or title"), required=False, max_length=SEARCH_MAX_LENGTH
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("All")), *TaskStatus.choices]
    )
    colour = forms.ChoiceField(
        label=gettext_lazy("Colour"),
        required=False,
        choices=[("", gettext_lazy("All")), *task_colour_choices()],
    )
    plan = forms.TypedChoiceField(label=gettext_lazy("Plan"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(
        label=gettext_lazy("Task group"), required=False, coerce=int, empty_value=None
    )
    due = forms.IntegerField(
        label=gettext_lazy("Due within (days)"),
        required=False,
        min_value=0,
        max_value=366,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None)
    parent = IdField(required=False, widget=forms.HiddenInput)
    page = PageField()

    def __init__(self, *args, plans=(), groups=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["plan"].choices = everything + [(p.pk, p.code) for p in plans]
        self.fields["group"].choices = everything + [
            (g.pk, f"{g.plan.code} · {g.number}. {g.name}") for g in groups
        ]
        if units:
            self.fields["unit"].choices = [("", _("My units"))] + [(u.pk, u.name) for u in units]
        else:
            del self.fields["unit"]

    def filters(self) -> TaskFilters:
        data = valid_part(self)
        return TaskFilters(
            status=data.get("status") or "",
            colour=data.get("colour") or "",
            plan=data.get("plan"),
            task_group=data.get("group"),
            due_within_days=data.get("due"),
            search=(data.get("q") or "").strip(),
            unit=data.get("unit"),
            parent=data.get("parent"),
        )

    def page_number(self) -> int:
        return valid_part(self).get("page") or 1


# --- Creating and cascading ------------------------------------------------------------------


CASCADE_NONE, CASCADE_ALL, CASCADE_SELECTED = "none", "all", "selected"


class CascadeFieldsMixin(forms.Form):
    cascade = forms.ChoiceField(
        label=gettext_lazy("Assign to communes"),
        choices=[
            (CASCADE_NONE, gettext_lazy("Do not assign to communes")),
            (CASCADE_ALL, gettext_lazy("All communes of the province")),
            (CASCADE_SELECTED, gettext_lazy("Selected communes")),
        ],
        initial=CASCADE_ALL,
        widget=forms.RadioSelect,
    )
    communes = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Communes"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    commune_responsible = forms.CharField(
        label=gettext_lazy("Responsible person in each commune (position)"),
        max_length=80,
        initial="Chủ tịch UBND",
        help_text=gettext_lazy("Recorded with the commune's name, e.g. “Chủ tịch UBND Xã Quế Phong”."),
    )

    def set_communes(self, communes) -> None:
        self.commune_units = {c.pk: c for c in communes}
        self.fields["communes"].choices = [(c.pk, c.name) for c in communes]

    def chosen_communes(self) -> list:
        mode = self.cleaned_data.get("cascade")
        if mode == CASCADE_ALL:
            return list(self.commune_units.values())
        if mode == CASCADE_SELECTED:
            return [self.commune_units[pk] for pk in self.cleaned_data.get("communes", [])]
        return []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cascade") == CASCADE_SELECTED and not cleaned.get("communes"):
            self.add_error("communes", _("Choose at least one commune, or another option."))
        return cleaned


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # The browser's date picker wants ISO; it shows the date in the user's locale. A
        # date typed or linked as dd/mm/yyyy comes back as ISO too, or the picker shows empty.
        if isinstance(value, str):
            try:
                value = datetime.datetime.strptime(value.strip(), "%d/%m/%Y").date()
            except ValueError:
                return value
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value


def check_task_dates(form: forms.Form, cleaned: dict) -> None:
    """The dates of a task being created or corrected: the deadline is not before the
    start, and falls in the plan phase chosen (a phase holds the tasks due in it)."""
    start, deadline, phase = cleaned.get("start_date"), cleaned.get("deadline"), cleaned.get("phase")
    if start and deadline and deadline < start:
        form.add_error("deadline", _("The deadline cannot be before the start date."))
    if phase and deadline and not phase.start_date <= deadline <= phase.end_date:
        form.add_error(
            "phase",
            _("The deadline %(deadline)s is outside the phase “%(phase)s” (%(start)s – %(end)s).")
            % {
                "deadline": deadline.strftime("%d/%m/%Y"),
                "phase": phase.name,
                "start": phase.start_date.strftime("%d/%m/%Y"),
                "end": phase.end_date.strftime("%d/%m/%Y"),
            },
        )


# The "6 rõ" fields look the same whether a task is created or corrected.
TASK_DETAIL_WIDGETS = {
    "start_date": DateInput,
    "deadline": DateInput,
    "title": forms.Textarea(attrs={"rows": 2}),
    "description": forms.Textarea(attrs={"rows": 3}),
    "expected_product": forms.Textarea(attrs={"rows": 2}),
}


class TaskCreateForm(CascadeFieldsMixin, forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "plan",
            "code",
            "title",
            "description",
            "task_group",
            "phase",
            "responsible_name",
            "responsible_position",
            "approving_authority",
            "start_date",
            "deadline",
            "expected_product",
            "is_key",
        ]
        widgets = TASK_DETAIL_WIDGETS

    def __init__(self, *args, province, plans, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.province = province
        self.fields["plan"].queryset = plans
        self.fields["task_group"].queryset = (
            self.fields["task_group"].queryset.filter(plan__in=plans).select_related("plan")
        )
        self.fields["task_group"].label_from_instance = lambda g: f"{g.plan.code} · {g.number}. {g.name}"
        self.fields["phase"].queryset = (
            self.fields["phase"].queryset.filter(plan__in=plans).select_related("plan")
        )
        self.fields["phase"].label_from_instance = lambda p: f"{p.plan.code} · {p.name}"
        for name in ("start_date", "deadline"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["responsible_name"].required = True
        self.set_communes(communes)

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan")
        for name in ("task_group", "phase"):
            value = cleaned.get(name)
            if plan and value and value.plan_id != plan.pk:
                self.add_error(name, _("This belongs to another plan than the one chosen."))
        check_task_dates(self, cleaned)
        code = cleaned.get("code")
        if plan and code:
            child_codes = [f"{code}/{c.code}" for c in self.chosen_communes()] if "cascade" in cleaned else []
            taken = Task.objects.filter(plan=plan, code__in=[code, *child_codes]).values_list(
                "code", flat=True
            )
            if taken:
                self.add_error(
                    "code",
                    _("These codes are already used in this plan: %(codes)s.")
                    % {"codes": ", ".join(sorted(taken)[:5])},
                )
        return cleaned

    def _post_clean(self):
        # The model's own checks (6 rõ, dates) run on the instance; lead unit is the province.
        self.instance.lead_unit = self.province
        super()._post_clean()


class TaskCascadeForm(CascadeFieldsMixin):
    def __init__(self, *args, task: Task, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.fields["cascade"].choices = self.fields["cascade"].choices[1:]
        self.set_communes(communes)


# --- Dashboards ------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    """A board's plan, task group and date, read from the query string. A bad value is
    dropped with a message and the board shows without it, never a 500."""

    plan = forms.TypedChoiceField(label=gettext_lazy("Plan"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(
        label=gettext_lazy("Task group"), required=False, coerce=int, empty_value=None
    )
    date = DayField(
        label=gettext_lazy("Figures on"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Empty: the latest figures."),
    )

    def __init__(self, *args, plans=(), groups=(), days: FigureDays | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.days = days
        # A date in a gap: the one asked for, and the nearest dates that have figures,
        # which the form offers as links (nearest_links) and the board names.
        self.refused_date: datetime.date | None = None
        self.nearest_dates: list[datetime.date] = []
        if days is not None and days.first is not None:
            # The picker offers only the span that has figures; gaps are checked on submit.
            self.fields["date"].widget.attrs.update(min=days.first.isoformat(), max=days.last.isoformat())
            self.fields["date"].help_text = _(
                "Empty: the latest figures. Figures exist from %(first)s to %(last)s."
            ) % {
                "first": days.first.strftime("%d/%m/%Y"),
                "last": days.last.strftime("%d/%m/%Y"),
            }
        self.plans = {plan.pk: plan for plan in plans}
        self.groups = {group.pk: group for group in groups}
        everything = [("", _("All"))]
        self.fields["plan"].choices = everything + [
            (plan.pk, f"{plan.code} · {plan.issuing_unit.name}") for plan in plans
        ]
        self.fields["group"].choices = everything + [
            (group.pk, f"{group.number}. {group.name}") for group in groups
        ]

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day and day > local_today():
            raise ValidationError(_("Figures exist only up to today."), code="future")
        if day and self.days is not None and not self.days.has(day):
            self.refused_date, self.nearest_dates = day, self.days.nearest(day)
            if not self.nearest_dates:
                raise ValidationError(_("There are no figures yet for this board."), code="no_figures")
            # The nearest dates follow as links (see nearest_links and _filters.html).
            raise ValidationError(
                _("There are no figures for %(day)s.") % {"day": day.strftime("%d/%m/%Y")}, code="no_figures"
            )
        return day

    def nearest_links(self) -> list[tuple[str, str]]:
        """(label, query string) for each nearest date with figures: the request's query
        with that date, every other filter kept (the page starts again)."""
        links = []
        for day in self.nearest_dates:
            query = self.data.copy()
            query["date"] = day.isoformat()
            query.pop("page", None)
            links.append((day.strftime("%d/%m/%Y"), query.urlencode()))
        return links

    def filters(self) -> BoardFilters:
        data = valid_part(self)
        plan = self.plans.get(data.get("plan"))
        group = self.groups.get(data.get("group")) if plan is not None else None
        return BoardFilters(plan=plan, group=group, on=data.get("date"))


class CommuneTableForm(forms.Form):
    """The commune table's sorting, filters and page."""

    q = forms.CharField(label=gettext_lazy("Commune name"), required=False, max_length=SEARCH_MAX_LENGTH)
    colour = forms.ChoiceField(
        label=gettext_lazy("Colour"),
        required=False,
        choices=[("", gettext_lazy("All"))] + [(c.value, c.label) for c in COLOUR_ORDER],
    )
    silent = forms.BooleanField(label=gettext_lazy("Only communes with no update for 7 days"), required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{sign}{key}", key) for key in SORT_KEYS for sign in ("", "-")],
        widget=forms.HiddenInput,
    )
    page = PageField()

    def query(self) -> CommuneTableQuery:
        data = valid_part(self)
        return CommuneTableQuery(
            sort=data.get("sort") or "rank",
            colour=data.get("colour") or "",
            search=(data.get("q") or "").strip(),
            silent_only=bool(data.get("silent")),
            page=data.get("page") or 1,
        )


# --- After a task is created ---------------------------------------------------------------


class TaskEditForm(forms.ModelForm):
    """Correcting a task's "6 rõ". The plan and code are the task's identity (its copies'
    codes are built from them) and the lead unit is who does it: those change by
    withdrawing and assigning again, not here."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Recorded in the history with the changes."),
    )

    class Meta:
        model = Task
        fields = [
            "title",
            "description",
            "task_group",
            "phase",
            "coordinating_units",
            "responsible_name",
            "responsible_position",
            "approving_authority",
            "start_date",
            "deadline",
            "expected_product",
            "is_key",
        ]
        widgets = {**TASK_DETAIL_WIDGETS, "coordinating_units": forms.CheckboxSelectMultiple}

    def __init__(self, *args, coordinating_choices, **kwargs):
        super().__init__(*args, **kwargs)
        task = self.instance
        if not self.is_bound:
            self.initial.setdefault("version", task.version)
        self.fields["task_group"].queryset = self.fields["task_group"].queryset.filter(plan_id=task.plan_id)
        self.fields["task_group"].label_from_instance = lambda g: f"{g.number}. {g.name}"
        self.fields["phase"].queryset = self.fields["phase"].queryset.filter(plan_id=task.plan_id)
        self.fields["coordinating_units"].queryset = coordinating_choices
        self.fields["coordinating_units"].required = False
        for name in ("start_date", "deadline"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        if task.responsible_user_id is None:
            self.fields["responsible_name"].required = True

    def clean(self):
        cleaned = super().clean()
        for name in ("title", "responsible_name", "approving_authority", "expected_product", "note"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].strip()
        check_task_dates(self, cleaned)
        return cleaned


class ReasonForm(forms.Form):
    """A change that needs the version the user saw and a reason: withdrawing a copy."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write the reason for withdrawing the task.")},
    )


APPROVE, RETURN, REOPEN = "approve", "return", "reopen"


class ApprovalForm(forms.Form):
    """Approve a completion, or return the task with a reason (one form, two buttons); or
    reopen an approved completion, with a reason (the same form, its own button)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(
        choices=[(APPROVE, APPROVE), (RETURN, RETURN), (REOPEN, REOPEN)], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=gettext_lazy("Comments (required to return or reopen the task)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["note"] = (cleaned.get("note") or "").strip()
        if cleaned.get("decision") == RETURN and not cleaned["note"]:
            self.add_error("note", _("Write why the task is returned, so its unit knows what to do."))
        if cleaned.get("decision") == REOPEN and not cleaned["note"]:
            self.add_error("note", _("Write why the task is reopened, so its unit knows what to do."))
        return cleaned
