from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LoginForm(AuthenticationForm):
    """The login form with the attributes phones need to fill it well."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocomplete="username")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form, with the old password checked the way a login is: through
    `authenticate`, so django-axes counts a wrong one as a failed login and refuses even
    the right one once the account is locked. Otherwise someone at an unlocked computer
    could guess the password here without limit."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if checked is None or checked.pk != self.user.pk:
            # Say what a further mistake costs: the same lockout as the login page.
            raise ValidationError(
                _(
                    "Your old password was entered incorrectly. After %(limit)s wrong passwords in a row, "
                    "the account is locked for %(minutes)s minutes."
                )
                % {
                    "limit": settings.AXES_FAILURE_LIMIT,
                    "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
                },
                code="password_incorrect",
            )
        return old_password
