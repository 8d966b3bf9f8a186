from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from tasks_app.access import UserScope


class User(AbstractUser):
    # Vietnamese names do not split cleanly into first and last: keep the whole name.
    full_name = models.CharField(_("full name"), max_length=120, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    # Not a column: what the user may see, cached on the object by tasks_app.access.user_scope.
    _nq57_scope: "UserScope"

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # the stubs omit AbstractUser.Meta
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()


class Role(models.TextChoices):
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    COMMUNE_LEADER = "commune_leader", _("Commune leader")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    PROVINCE_LEADER = "province_leader", _("Province leader")
    CENTRAL_VIEWER = "central_viewer", _("Central viewer")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


# Which kind of unit each role is held in; checked when a membership is saved.
ROLE_UNIT_KINDS: dict[str, tuple[str, ...]] = {
    Role.COMMUNE_OFFICER: ("commune",),
    Role.COMMUNE_LEADER: ("commune",),
    Role.PROVINCE_OFFICER: ("province",),
    Role.PROVINCE_LEADER: ("province",),
    Role.CENTRAL_VIEWER: ("central", "ministry"),
    Role.SYSTEM_ADMIN: ("central",),
}


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        "tasks_app.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
            models.CheckConstraint(name="membership_role_valid", condition=models.Q(role__in=Role.values)),
        ]
        indexes = [models.Index(fields=["unit", "role"], name="membership_unit_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        allowed = ROLE_UNIT_KINDS.get(self.role, ())
        if self.unit_id and self.unit.kind not in allowed:
            raise ValidationError(
                {
                    "unit": _("The role “%(role)s” cannot be held in a unit of this kind.")
                    % {"role": self.get_role_display()}
                }
            )
