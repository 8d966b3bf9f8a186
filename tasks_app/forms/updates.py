"""The update form: what the lead unit's officer reports on a task (status, progress, a
note, difficulties, evidence files), and what others may add (a note or files)."""

import uuid
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.access import UPDATABLE_STATUSES, TaskAccess, officer_status_choice
from tasks_app.actions.tasks import EvidenceUpload
from tasks_app.evidence_files import ALLOWED_EXTENSIONS, InspectedFile, max_bytes
from tasks_app.forms.evidence import EvidenceField, kept_evidence_from_token
from tasks_app.forms.widgets import MultipleFileInput
from tasks_app.models import CompletionProof, Evidence, Task, TaskStatus
from tasks_app.upload_limits import (
    UploadRefusal,
    file_too_large_message,
    max_files,
    max_total_bytes,
    too_many_files_message,
    total_too_large_message,
)


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
        upload_refusals: Sequence[UploadRefusal] = (),
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
        choice = self.status_choice = officer_status_choice(task) if access >= TaskAccess.EDIT else None
        if choice is None:  # below EDIT: a note or files, never the status
            del self.fields["status"], self.fields["progress"]
            self.fields["note"].required = True
            self.fields["note"].help_text = ""
        elif choice.locked:
            del self.fields["status"], self.fields["progress"]
        else:
            status = cast(forms.ChoiceField, self.fields["status"])
            status.choices = [(s, TaskStatus(s).label) for s in choice.statuses]
            if choice.hint:
                status.help_text = choice.hint
                # A status not offered, posted anyway, is refused with the reason.
                status.error_messages["invalid_choice"] = choice.hint
        if self.is_bound:
            posted = cast(MultiValueDict, self.data)  # request.POST
            for token in posted.getlist("kept_evidence"):
                item = kept_evidence_from_token(token)
                if item is not None:
                    self.kept.append(item)

    @property
    def edits_status(self) -> bool:
        return "status" in self.fields

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for refusal in self.upload_refusals:
            self.add_error("evidence", ValidationError(refusal.message, code=refusal.code))
        cleaned["difficulties"] = (cleaned.get("difficulties") or "").strip()
        if not self.edits_status:
            if self.status_choice is not None and self._posts_status_change():
                # An approved completion: closed to status and progress, notes still welcome.
                assert self.status_choice.hint is not None  # a locked choice always says why
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

    def _check_completion_proof(self, note: str, cleaned: dict[str, Any]) -> None:
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
