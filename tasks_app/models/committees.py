from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SteeringCommittee(models.Model):
    """A unit's Ban chỉ đạo, established by a decision."""

    unit = models.OneToOneField(
        "tasks_app.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="steering_committee",
    )
    name = models.CharField(_("name"), max_length=300)
    decision_number = models.CharField(_("establishing decision number"), max_length=60)
    decision_date = models.DateField(_("establishing decision date"))

    class Meta:
        verbose_name = _("steering committee")
        verbose_name_plural = _("steering committees")
        ordering = ["unit__kind", "unit__code"]

    def __str__(self) -> str:
        return self.name


class CommitteeRole(models.TextChoices):
    HEAD = "head", _("Head")
    DEPUTY = "deputy", _("Deputy head")
    STANDING_OFFICE = "standing_office", _("Standing office")
    MEMBER = "member", _("Member")


class CommitteeMember(models.Model):
    committee = models.ForeignKey(
        SteeringCommittee,
        verbose_name=_("steering committee"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    full_name = models.CharField(_("full name"), max_length=120)
    position = models.CharField(_("position"), max_length=200)
    role = models.CharField(_("committee role"), max_length=20, choices=CommitteeRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="committee_seats",
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee"], condition=Q(role="head"), name="committee_single_head"
            ),
            models.CheckConstraint(name="member_name_not_blank", condition=~Q(full_name="")),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"
