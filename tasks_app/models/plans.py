from django.db import models
from django.db.models import F, Q
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


def plans_implemented_by() -> dict[int, frozenset[int]]:
    """Each plan with the plans it carries out, directly or through others, itself included:
    its tasks count in each of those plans' scopes. (A loop of `implements` ends where it
    closes.) Plans are few, so this reads them all at once."""
    parent = dict(Plan.objects.values_list("pk", "implements_id"))
    result = {}
    for plan_id in parent:
        chain, current = {plan_id}, parent[plan_id]
        while current is not None and current not in chain:
            chain.add(current)
            current = parent.get(current)
        result[plan_id] = frozenset(chain)
    return result


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

    class Meta:
        verbose_name = _("task group")
        verbose_name_plural = _("task groups")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="task_group_number_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"
