from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    PLAN = "plan", _("Plan")
    DECISION = "decision", _("Decision")
    PROGRAMME = "programme", _("Programme")


class Plan(models.Model):
    """An assigning document (văn bản giao): a resolution, a plan or a province's own plan.

    Resolutions and plans are data, not code: the platform tracks 57, 59, 66, 68 and more
    side by side, and `implements` links a plan to the document it carries out.
    """

    code = models.CharField(_("document number"), max_length=60)
    title = models.CharField(_("title"), max_length=500)
    document_type = models.CharField(
        _("document type"), max_length=16, choices=DocumentType.choices, default=DocumentType.PLAN
    )
    issuing_unit = models.ForeignKey(
        "tasks_app.Unit",
        verbose_name=_("issuing unit"),
        on_delete=models.PROTECT,
        related_name="issued_plans",
    )
    issue_date = models.DateField(_("issue date"))
    implements = models.ForeignKey(
        "self",
        verbose_name=_("implements"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implementing_plans",
    )
    signed_by = models.CharField(_("signed by"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-issue_date", "code"]
        constraints = [
            # Numbers such as "125/KH-UBND" repeat across provinces, not within one issuer.
            models.UniqueConstraint(fields=["issuing_unit", "code"], name="plan_code_per_issuer"),
            models.CheckConstraint(name="plan_code_not_blank", condition=~Q(code="")),
            models.CheckConstraint(name="plan_not_implementing_itself", condition=~Q(implements=F("id"))),
        ]

    def __str__(self) -> str:
        return self.code


def _chains(parent: dict[int, int | None]) -> dict[int, frozenset[int]]:
    """Each id with every id above it through `parent`, itself included. (A loop ends
    where it closes.)"""
    result = {}
    for start in parent:
        chain, current = {start}, parent[start]
        while current is not None and current not in chain:
            chain.add(current)
            current = parent.get(current)
        result[start] = frozenset(chain)
    return result


def plans_implemented_by() -> dict[int, frozenset[int]]:
    """Each plan with the plans it carries out, directly or through others, itself included:
    its tasks count in each of those plans' scopes. Plans are few, so this reads them all
    at once."""
    return _chains(dict(Plan.objects.values_list("pk", "implements_id")))


def plan_scope_ids(plan_id: int) -> frozenset[int]:
    """The plans whose tasks a filter on `plan_id` includes: the plan and every plan that
    implements it, directly or through others."""
    return frozenset(pid for pid, implemented in plans_implemented_by().items() if plan_id in implemented)


class PlanPhase(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("name"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("plan phase")
        verbose_name_plural = _("plan phases")
        ordering = ["plan", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sort_order"], name="phase_order_per_plan"),
            models.CheckConstraint(name="phase_ends_after_start", condition=Q(end_date__gte=F("start_date"))),
        ]

    def __str__(self) -> str:
        return self.name


class TaskGroup(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="task_groups"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=300)
    # A province plan's "2. Xây dựng hạ tầng số" carries out the central plan's group 2:
    # its tasks count in that group's scope too, as a plan's count in the plan it implements.
    implements = models.ForeignKey(
        "self",
        verbose_name=_("implements the group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implementing_groups",
        help_text=_(
            "The task group of the higher plan (the plan this plan implements) that this group carries out."
        ),
    )

    class Meta:
        verbose_name = _("task group")
        verbose_name_plural = _("task groups")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="task_group_number_per_plan"),
            models.CheckConstraint(
                name="task_group_not_implementing_itself", condition=~Q(implements=F("id"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def clean(self) -> None:
        """A group carries out a group of the plan its own plan implements, and no other:
        otherwise its tasks would count in a plan's group but not in the plan."""
        super().clean()
        if self.implements_id is None:
            return
        plan = getattr(self, "plan", None)  # unset while a new plan's inline is checked
        if plan is None:
            return
        message: str | Promise
        if plan.implements_id is None:
            message = _("This group's plan implements no other plan, so the group cannot implement a group.")
        else:
            implements = self.implements
            assert implements is not None  # implements_id is set, checked above
            if implements.plan_id == plan.implements_id:
                return
            message = _(
                "A task group can only implement a group of the plan that its plan implements (%(plan)s)."
            ) % {"plan": plan.implements}
        raise ValidationError({"implements": message}, code="wrong_plan")


def groups_implemented_by() -> dict[int, frozenset[int]]:
    """Each task group with the groups it carries out, directly or through others, itself
    included: its tasks count in each of those groups' scopes. Groups are a few hundred
    (eight per province plan), so this reads them all at once."""
    return _chains(dict(TaskGroup.objects.values_list("pk", "implements_id")))


def group_scope_ids(group_id: int) -> frozenset[int]:
    """The task groups whose tasks a filter on `group_id` includes: the group and every
    group that implements it, directly or through others."""
    return frozenset(gid for gid, implemented in groups_implemented_by().items() if group_id in implemented)
