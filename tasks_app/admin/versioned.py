"""Admin forms for rows edited under optimistic locking (a task, the greening policy): the
version the editor loaded travels with the form, and a save after someone else's change is
refused with who changed it and when, rather than silently overwriting it."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks_app.models import User


def changed_by_message(template: str, *, author: User | None, at: datetime.datetime | None) -> str:
    """`template` (with %(who)s and %(when)s) filled with the last change's author and time."""
    who = str(author) if author else _("the system")
    when = timezone.localtime(at).strftime("%d/%m/%Y %H:%M") if at else ""
    return template % {"who": who, "when": when}


class VersionedAdminForm(forms.ModelForm):
    """Subclasses give the note's label and help text, the row's current version, and the
    message for a stale save."""

    change_note_label: Any = _("Note on this change")
    change_note_help: Any = ""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_note"].label = self.change_note_label
        self.fields["change_note"].help_text = self.change_note_help
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def current_version(self) -> int | None:
        raise NotImplementedError

    def stale_message(self) -> str:
        raise NotImplementedError

    def check_version(self, cleaned: dict[str, Any]) -> None:
        if cleaned.get("loaded_version") != self.current_version():
            raise forms.ValidationError(self.stale_message())
