"""The form that creates an API token on the "API tokens" page (docs/api.md)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tasks_app.models import ApiToken, ApiTokenPurpose

# No token lives for ever: a forgotten script's secret stops working on its own.
EXPIRY_DAYS = (30, 90, 180, 365)


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_(
            "What the token is for, so you recognise it later (e.g. “Weekly spreadsheet of the commune”)."
        ),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=ApiTokenPurpose.choices,
        initial=ApiTokenPurpose.SCRIPTS,
        widget=forms.RadioSelect,
        help_text=_(
            "“Daily data feed” is for the provincial and national data-sharing platforms: the token "
            "opens only the daily feed and is always read-only."
        ),
    )
    read_only = forms.BooleanField(
        label=_("Read-only"),
        required=False,
        initial=True,
        help_text=_(
            "A read-only token can read but never change anything. Untick it only for a script that "
            "posts updates."
        ),
    )
    expires_in = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=[
            (days, str(days)) for days in EXPIRY_DAYS
        ],  # labelled in __init__, in the request's language
        initial=90,
        help_text=_("Every token expires. Create a new one before then."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update(autocomplete="off")
        expires_in = self.fields["expires_in"]
        assert isinstance(expires_in, forms.TypedChoiceField)
        expires_in.choices = [(days, gettext("%(days)s days") % {"days": days}) for days in EXPIRY_DAYS]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."), code="required")
        return name

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("purpose") == ApiTokenPurpose.FEED:
            cleaned["read_only"] = True  # the feed only ever reads
        return cleaned

    def expires_at(self) -> datetime.datetime:
        return timezone.now() + datetime.timedelta(days=self.cleaned_data["expires_in"])
