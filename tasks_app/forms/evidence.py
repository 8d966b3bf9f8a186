"""Evidence files: the field that checks each uploaded file by its content, and the signed
reference that keeps a file already stored across a failed submit."""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from tasks_app.actions.tasks import EvidenceUpload
from tasks_app.evidence_files import inspect_upload
from tasks_app.forms.widgets import MultipleFileInput
from tasks_app.upload_limits import max_files, too_many_files_message

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
