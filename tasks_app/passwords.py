"""Password rules beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS): common
Vietnamese passwords, and the public demo password outside the demo. Django's forms
(password change and reset, the admin's user forms, `createsuperuser`, `changepassword`)
all run these validators; only code that calls `set_password` directly (the demo seed)
does not."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

VIETNAMESE_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords-vi.txt"
# The demo's accounts share it (nq57/devtools/demo/seed.py). It lives here, not in the demo,
# because production, where the demo is not installed, must know it to refuse it.
DEMO_PASSWORD = "demo-nq57"


def _read_list(path: Path) -> set[str]:
    with open(path, encoding="utf-8") as lines:
        return {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}


class CommonPasswordIncludingVietnameseValidator(CommonPasswordValidator):
    """Django's list of 20,000 common passwords plus common Vietnamese ones (matkhau123,
    anhyeuem, names with 123...). Django's list stays Django's (updated with Django), ours
    is a plain file beside it; a password in either is refused with Django's message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passwords = self.passwords | _read_list(VIETNAMESE_PASSWORDS)


class DemoPasswordValidator:
    """The demo password is printed in the README and on the demo's console: anyone can
    read it. Outside the demo (settings.DEMO_MODE off) no account may have it, nor a
    password built around it."""

    def validate(self, password: str, user=None) -> None:
        if not settings.DEMO_MODE and DEMO_PASSWORD in password.strip().lower():
            raise ValidationError(
                _("This is the public demo password. Choose one that only you know."),
                code="password_is_demo",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be the public demo password.")
