from typing import TypeVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tasks_app.models.derived import DerivedFieldsQuerySet, FoldedTextField, save_derived
from tasks_app.text import fold, unit_sort_key


class UnitKind(models.TextChoices):
    CENTRAL = "central", _("Central")
    MINISTRY = "ministry", _("Ministry or central agency")
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class DivisionType(models.TextChoices):
    """Official division types since 1 July 2025, as the statistics office names them."""

    TINH = "tinh", _("Province (tỉnh)")
    THANH_PHO = "thanh_pho", _("Centrally-run city (thành phố)")
    XA = "xa", _("Commune (xã)")
    PHUONG = "phuong", _("Ward (phường)")
    DAC_KHU = "dac_khu", _("Special zone (đặc khu)")
    NONE = "", _("Not a territorial unit")


PROVINCE_DIVISION_TYPES = (DivisionType.TINH, DivisionType.THANH_PHO)
COMMUNE_DIVISION_TYPES = (DivisionType.XA, DivisionType.PHUONG, DivisionType.DAC_KHU)


_U = TypeVar("_U", bound="Unit")  # generic, so that annotate() keeps what it adds


class UnitQuerySet(DerivedFieldsQuerySet[_U]):
    sources = frozenset({"name", "division_type"})
    derived = ("search_name", "sort_key")

    @staticmethod
    def derive(unit: "Unit") -> None:
        unit.search_name = fold(unit.name)
        unit.sort_key = unit_sort_key(unit.name, unit.division_type)


class Unit(models.Model):
    """A body that owns tasks: the centre, a ministry, a province or a commune.

    `province` is denormalised (a commune's parent, a province itself) so that
    province-wide filters and roll-ups are one indexed equality, not a join up the tree.
    """

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    codename = models.SlugField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    division_type = models.CharField(
        _("division type"), max_length=16, choices=DivisionType.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    province = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a commune its province; for a province itself."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Derived from the name (see tasks_app.text): what unit searches compare, and the
    # Vietnamese order every list of units follows.
    search_name = FoldedTextField(_("name, folded for search"), editable=False, default="")
    sort_key = models.CharField(_("sort key"), max_length=800, editable=False, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        # Vietnamese order of the names (Đ after D, "Thành phố Hà Nội" under H); the code
        # tells apart communes of the same name in different provinces.
        ordering = ["sort_key", "code"]
        indexes = [
            models.Index(fields=["parent", "kind"], name="unit_parent_kind_idx"),
            models.Index(fields=["province", "kind"], name="unit_province_kind_idx"),
            models.Index(fields=["kind", "division_type"], name="unit_kind_division_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="central"), name="unit_single_central_root"
            ),
            models.CheckConstraint(
                name="unit_only_root_has_no_parent",
                condition=(Q(kind="central") & Q(parent__isnull=True))
                | (~Q(kind="central") & Q(parent__isnull=False)),
            ),
            models.CheckConstraint(
                name="unit_division_type_matches_kind",
                condition=(
                    Q(kind="province", division_type__in=PROVINCE_DIVISION_TYPES)
                    | Q(kind="commune", division_type__in=COMMUNE_DIVISION_TYPES)
                    | Q(kind__in=["central", "ministry"], division_type="")
                ),
            ),
            # A commune's province is its parent; a province is its own province. (A new
            # province row is briefly NULL here, until its id exists to point at.)
            models.CheckConstraint(
                name="unit_province_is_consistent",
                condition=(Q(kind="commune") & Q(province=F("parent")))
                | (Q(kind="province") & (Q(province__isnull=True) | Q(province=F("id"))))
                | (Q(kind__in=["central", "ministry"]) & Q(province__isnull=True)),
            ),
            models.CheckConstraint(name="unit_code_not_blank", condition=~Q(code="")),
            models.CheckConstraint(name="unit_name_not_blank", condition=~Q(name="")),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        save_derived(self, UnitQuerySet, kwargs)
        if self.kind == UnitKind.COMMUNE:
            self.province_id = self.parent_id
        elif self.kind == UnitKind.PROVINCE:
            self.province_id = self.pk
        else:
            self.province_id = None
        super().save(*args, **kwargs)
        if self.kind == UnitKind.PROVINCE and self.province_id is None:
            self.province_id = self.pk
            super().save(update_fields=["province"])

    @property
    def is_commune(self) -> bool:
        return self.kind == UnitKind.COMMUNE

    @property
    def is_province(self) -> bool:
        return self.kind == UnitKind.PROVINCE
