"""Loading the official administrative units (34 provinces, 3,321 communes since 1 Jul 2025)."""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from tasks_app.models import DivisionType, Unit, UnitKind
from tasks_app.text import nfc

CENTRAL_UNITS_PATH = Path(__file__).resolve().parent.parent / "data" / "central_units.json"

# vietnam-provinces names division types in Vietnamese; map them to ours.
SOURCE_DIVISION_TYPES = {
    "tỉnh": DivisionType.TINH,
    "thành phố trung ương": DivisionType.THANH_PHO,
    "xã": DivisionType.XA,
    "phường": DivisionType.PHUONG,
    "đặc khu": DivisionType.DAC_KHU,
}
PROVINCE_CODE_WIDTH = 2
COMMUNE_CODE_WIDTH = 5


class UnitSourceError(Exception):
    """The source data cannot be read or is not the shape we expect; nothing was written."""


@dataclass(frozen=True)
class UnitRecord:
    code: str
    name: str
    codename: str
    kind: str
    division_type: str
    parent_code: str | None


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    counts: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


def default_source_path() -> Path:
    import vietnam_provinces

    return Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)


def read_unit_source(path: Path) -> list[UnitRecord]:
    """Read and validate the nested provinces/wards JSON of vietnam-provinces.

    Everything is checked before anything is written, so a broken file changes nothing.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        central = json.loads(CENTRAL_UNITS_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UnitSourceError(
            _("The unit data file was not found: %(path)s") % {"path": exc.filename}
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnitSourceError(
            _("The unit data file cannot be read (%(path)s): %(error)s") % {"path": path, "error": exc}
        ) from exc

    if not isinstance(raw, list) or not raw:
        raise UnitSourceError(_("The unit data file holds no list of provinces."))

    root = central["root"]
    records = [UnitRecord(root["code"], nfc(root["name"]), root["codename"], UnitKind.CENTRAL, "", None)]
    records += [
        UnitRecord(a["code"], nfc(a["name"]), a["codename"], UnitKind.MINISTRY, "", root["code"])
        for a in central["agencies"]
    ]
    for index, province in enumerate(raw):
        province_code = _source_code(province, PROVINCE_CODE_WIDTH, f"#{index + 1}")
        records.append(_source_record(province, province_code, UnitKind.PROVINCE, root["code"]))
        wards = province.get("wards")
        if not isinstance(wards, list) or not wards:
            raise UnitSourceError(_("Province %(code)s has no list of communes.") % {"code": province_code})
        for ward in wards:
            ward_code = _source_code(ward, COMMUNE_CODE_WIDTH, province_code)
            records.append(_source_record(ward, ward_code, UnitKind.COMMUNE, province_code))

    duplicates = [code for code, n in Counter(r.code for r in records).items() if n > 1]
    if duplicates:
        raise UnitSourceError(
            _("The unit data repeats codes: %(codes)s") % {"codes": ", ".join(sorted(duplicates)[:10])}
        )
    return records


def _source_code(item: object, width: int, where: str) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("code"), int) or item["code"] <= 0:
        raise UnitSourceError(_("A unit in %(where)s has no valid numeric code.") % {"where": where})
    return str(item["code"]).zfill(width)


def _source_record(item: dict, code: str, kind: str, parent_code: str) -> UnitRecord:
    name = item.get("name")
    division = SOURCE_DIVISION_TYPES.get(item.get("division_type", ""))
    if not isinstance(name, str) or not name.strip():
        raise UnitSourceError(_("Unit %(code)s has no name.") % {"code": code})
    expected = (
        (DivisionType.TINH, DivisionType.THANH_PHO)
        if kind == UnitKind.PROVINCE
        else (DivisionType.XA, DivisionType.PHUONG, DivisionType.DAC_KHU)
    )
    if division is None or division not in expected:
        raise UnitSourceError(
            _("Unit %(code)s has an unknown division type: %(type)r")
            % {"code": code, "type": item.get("division_type")}
        )
    return UnitRecord(code, nfc(name.strip()), item.get("codename") or "", kind, division, parent_code)


_COMPARED_FIELDS = (
    "name",
    "codename",
    "kind",
    "division_type",
    "parent_id",
    "province_id",
    "is_active",
)


@transaction.atomic
def units_load(*, records: list[UnitRecord]) -> LoadResult:
    """Create or correct every unit in `records`, level by level; idempotent.

    Units that the source no longer lists are deactivated, not deleted: tasks and
    history still point at them.
    """
    result = LoadResult()
    existing = {u.code: u for u in Unit.objects.select_for_update()}
    by_level = [
        [r for r in records if r.kind == UnitKind.CENTRAL],
        [r for r in records if r.kind in (UnitKind.MINISTRY, UnitKind.PROVINCE)],
        [r for r in records if r.kind == UnitKind.COMMUNE],
    ]
    for level in by_level:
        to_create, to_update = [], []
        for record in level:
            parent = existing.get(record.parent_code) if record.parent_code else None
            province_id = None
            if record.kind == UnitKind.COMMUNE:
                assert parent is not None, record.code  # its province, loaded a level earlier
                province_id = parent.pk
            wanted = {
                "name": record.name,
                "codename": record.codename,
                "kind": record.kind,
                "division_type": record.division_type,
                "parent_id": parent.pk if parent else None,
                "province_id": province_id,
                "is_active": True,
            }
            unit = existing.get(record.code)
            if unit is None:
                to_create.append(Unit(code=record.code, **wanted))
                continue
            if record.kind == UnitKind.PROVINCE:
                wanted["province_id"] = unit.pk
            if any(getattr(unit, f) != v for f, v in wanted.items()):
                for name, value in wanted.items():
                    setattr(unit, name, value)
                to_update.append(unit)
        # bulk_create skips save(), so the province was filled in above (the search and
        # sort columns are filled by Unit's queryset).
        created = Unit.objects.bulk_create(to_create, batch_size=1000)
        if not all(u.pk for u in created):  # SQLite < 3.35 would not return ids
            created = list(Unit.objects.filter(code__in=[u.code for u in to_create]))
        new_provinces = [u for u in created if u.kind == UnitKind.PROVINCE]
        for unit in new_provinces:
            unit.province_id = unit.pk
        Unit.objects.bulk_update(new_provinces, ["province"])
        Unit.objects.bulk_update(to_update, _COMPARED_FIELDS, batch_size=1000)
        existing.update({u.code: u for u in created})
        result.created += len(created)
        result.updated += len(to_update)

    listed = {r.code for r in records}
    result.deactivated = Unit.objects.filter(is_active=True).exclude(code__in=listed).update(is_active=False)
    active = Unit.objects.filter(is_active=True)
    by_type = active.values("kind", "division_type").annotate(n=Count("id")).order_by()
    result.counts = Counter({f"{row['kind']}:{row['division_type']}": row["n"] for row in by_type})
    return result
