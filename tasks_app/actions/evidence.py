"""Putting checked evidence files into storage. Files are stored under their SHA-256,
so the same content uploaded twice (a retry on a weak connection) is stored once."""

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from tasks_app.actions.tasks import EvidenceUpload
from tasks_app.evidence_files import InspectedFile
from tasks_app.models.tasks import evidence_upload_to


def evidence_store(*, upload: UploadedFile, inspected: InspectedFile) -> EvidenceUpload:
    """Write the file's content (if not already there) and describe it for task_change."""
    path = evidence_upload_to(inspected, inspected.name)
    if not default_storage.exists(path):
        upload.seek(0)
        path = default_storage.save(path, upload)
    return EvidenceUpload(
        stored_name=path,
        original_name=inspected.name,
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
    )
