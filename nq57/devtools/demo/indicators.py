"""The demo's indicators (docs/indicators.md): each demo province adopts a dozen in its plan,
cascades most to its communes with their own baselines and targets, enters a few itself,
and reports on three the centre adopted in Plan 02. The communes' values of past periods
come with their history (entered, submitted, approved, returned, reopened), so the demo
shows every colour and every state, and the province leader has values to approve.

Like the task seed it fabricates a past, which no user action can, so it writes rows in
bulk here. The flags on each value are the rules' own (rules.flags), never written by
hand, and the figures are computed by refresh_figures at the end.
"""

import datetime
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from tasks_app.clock import LOCAL_TZ
from tasks_app.greening.rules import Rules
from tasks_app.indicators.figures import figure_periods, refresh_figures
from tasks_app.indicators.rules import Line, flags, milestone, ratio_value
from tasks_app.models import (
    DivisionType,
    Indicator,
    IndicatorAssignment,
    IndicatorEvidence,
    IndicatorMilestone,
    IndicatorValue,
    Plan,
    Role,
    TargetChange,
    Unit,
    UnitKind,
    User,
    ValueEvent,
)
from tasks_app.models.indicators import (
    Accumulation,
    Direction,
    IndicatorKind,
    Rollup,
    ValueEventKind,
    ValueState,
    ValueType,
)
from tasks_app.periods import Period, Periodicity, period_containing
from tasks_app.selectors.greening import current_rules

HUNDRED = Decimal(100)
MONTHLY, QUARTERLY, YEARLY = Periodicity.MONTHLY, Periodicity.QUARTERLY, Periodicity.YEARLY


# --- the demo's year ----------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """The line every demo assignment follows: from the baseline at the end of the year
    before to the target at the close of the reporting year running today. Anchored on
    `today`, as the tasks are, so the demo looks current whenever it is built."""

    baseline: datetime.date
    target: datetime.date
    today: datetime.date

    @property
    def year(self) -> int:
        return self.target.year


def demo_frame(today: datetime.date) -> Frame:
    target = period_containing(YEARLY, today).end  # 14/12 of the reporting year
    baseline = datetime.date(target.year - 1, 12, 31)
    if (today - baseline).days < 120:
        # Early in a year there would be no history to show: a two-year line instead.
        baseline = datetime.date(target.year - 2, 12, 31)
    return Frame(baseline=baseline, target=target, today=today)


# --- the catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One demo indicator and how its units' numbers behave."""

    code: str
    name: str
    description: str
    kind: str
    group: int  # the task group of the plan, by number
    unit_of_measure: str
    value_type: str
    accumulation: str
    periodicity: str
    rollup: str
    baseline: tuple[float, float]  # a unit's baseline is drawn in this range (× its size if sized)
    target: float  # the final target (× size if sized)
    direction: str = Direction.HIGHER
    natural: tuple[float | None, float | None] = (None, None)
    evidence: bool = False
    cascade: bool = True  # assigned to the communes; False: entered by the assignee itself
    sized: bool = False  # baseline and target scale with the unit's size (counts)
    ward_target: float | None = None  # a ward's own (higher) target
    target_spread: tuple[float, float] | None = None  # per-unit targets drawn in this range
    target_month_day: tuple[int, int] | None = None  # a deadline other than the year's close
    denominator: tuple[int, int] = (0, 0)  # a ratio's denominator per period (× size)
    step: str = "0.01"  # how a value is written down


PROVINCE_SPECS = [
    Spec(
        "CT-01",
        "Tỷ lệ hồ sơ thủ tục hành chính được tiếp nhận trực tuyến",
        "Số hồ sơ nộp trực tuyến trên tổng số hồ sơ tiếp nhận trong kỳ, theo Hệ thống thông tin "
        "giải quyết thủ tục hành chính của tỉnh.",
        IndicatorKind.OPERATIONAL,
        4,
        "%",
        ValueType.RATIO,
        Accumulation.PER_PERIOD,
        MONTHLY,
        Rollup.RATIO,
        baseline=(52, 66),
        target=80,
        ward_target=85,
        denominator=(180, 420),
    ),
    Spec(
        "CT-02",
        "Tỷ lệ hồ sơ, kết quả giải quyết thủ tục hành chính được số hóa",
        "Số hồ sơ, kết quả giải quyết còn hiệu lực đã số hóa và cập nhật vào kho dữ liệu, trên "
        "tổng số hồ sơ phải số hóa (lũy kế).",
        IndicatorKind.STRATEGIC,
        3,
        "%",
        ValueType.PERCENTAGE,
        Accumulation.CUMULATIVE,
        MONTHLY,
        Rollup.MEAN,
        baseline=(30, 50),
        target=90,
        natural=(0, 100),
    ),
    Spec(
        "CT-03",
        "Tỷ lệ khai thác, tái sử dụng dữ liệu đã được số hóa",
        "Số hồ sơ trong kỳ có thành phần được lấy lại từ dữ liệu đã số hóa, trên tổng số hồ sơ "
        "có thành phần đã số hóa.",
        IndicatorKind.OPERATIONAL,
        3,
        "%",
        ValueType.PERCENTAGE,
        Accumulation.PER_PERIOD,
        QUARTERLY,
        Rollup.MEAN,
        baseline=(15, 28),
        target=50,
        natural=(0, 90),
    ),
    Spec(
        "CT-04",
        "Số tổ công nghệ số cộng đồng được thành lập và hoạt động",
        "Số tổ công nghệ số cộng đồng tại thôn, tổ dân phố có quyết định thành lập và danh sách "
        "thành viên (lũy kế). Mỗi thôn, tổ dân phố một tổ.",
        IndicatorKind.OPERATIONAL,
        5,
        "tổ",
        ValueType.COUNT,
        Accumulation.CUMULATIVE,
        QUARTERLY,
        Rollup.SUM,
        baseline=(3, 7),
        target=0,  # one per village: target_spread
        natural=(0, 40),
        evidence=True,
        target_spread=(10, 20),
        step="1",
    ),
    Spec(
        "CT-05",
        "Tỷ lệ dịch vụ công trực tuyến mức độ 3, 4 có phát sinh hồ sơ",
        "Số dịch vụ công trực tuyến một phần và toàn trình có ít nhất một hồ sơ trực tuyến trong "
        "kỳ, trên tổng số dịch vụ được cung cấp. Chỉ tiêu: trên 80%.",
        IndicatorKind.STRATEGIC,
        4,
        "%",
        ValueType.PERCENTAGE,
        Accumulation.PER_PERIOD,
        QUARTERLY,
        Rollup.SHARE_MEETING_TARGET,
        baseline=(45, 62),
        target=80,
        natural=(0, 100),
    ),
    Spec(
        "CT-06",
        "Số chứng thư chữ ký số được cấp",
        "Chứng thư chữ ký số cá nhân, chuyên dùng công vụ cấp cho cán bộ, công chức và người dân "
        "trên địa bàn (lũy kế).",
        IndicatorKind.STRATEGIC,
        2,
        "chữ ký số",
        ValueType.COUNT,
        Accumulation.CUMULATIVE,
        MONTHLY,
        Rollup.SUM,
        baseline=(70, 110),
        target=380,
        natural=(0, 5000),
        sized=True,
        step="1",
    ),
    Spec(
        "CT-07",
        "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng",
        "Số hồ sơ công việc tạo lập, xử lý và lưu trữ trên phần mềm quản lý văn bản và điều hành, "
        "trên tổng số hồ sơ công việc trong kỳ. Chỉ tiêu: 100%.",
        IndicatorKind.OPERATIONAL,
        7,
        "%",
        ValueType.RATIO,
        Accumulation.PER_PERIOD,
        QUARTERLY,
        Rollup.RATIO,
        baseline=(68, 82),
        target=100,
        denominator=(180, 480),
    ),
    Spec(
        "CT-08",
        "Thời gian giải quyết hồ sơ thủ tục hành chính bình quân",
        "Số ngày làm việc bình quân từ khi tiếp nhận đến khi trả kết quả, các hồ sơ hoàn thành "
        "trong kỳ. Càng thấp càng tốt.",
        IndicatorKind.OPERATIONAL,
        4,
        "ngày",
        ValueType.AMOUNT,
        Accumulation.PER_PERIOD,
        MONTHLY,
        Rollup.MEAN,
        direction=Direction.LOWER,
        baseline=(8.5, 11.5),
        target=5,
        natural=(0.5, 30),
        step="0.1",
    ),
    # Entered by the province itself.
    Spec(
        "CT-09",
        "Số dịch vụ công trực tuyến toàn trình được cung cấp",
        "Số thủ tục hành chính của tỉnh được cung cấp dịch vụ công trực tuyến toàn trình trên "
        "Cổng dịch vụ công quốc gia (lũy kế).",
        IndicatorKind.STRATEGIC,
        4,
        "dịch vụ",
        ValueType.COUNT,
        Accumulation.CUMULATIVE,
        QUARTERLY,
        Rollup.SUM,
        baseline=(380, 460),
        target=650,
        natural=(0, 2000),
        evidence=True,
        cascade=False,
        step="1",
    ),
    Spec(
        "CT-10",
        "Kết nối nền tảng tích hợp, chia sẻ dữ liệu của tỉnh (LGSP) với Nền tảng chia sẻ, điều "
        "phối dữ liệu quốc gia",
        "Đạt khi các cơ sở dữ liệu dùng chung của tỉnh được kết nối, chia sẻ theo Nghị định "
        "278/2025/NĐ-CP (hạn 31/12).",
        IndicatorKind.STRATEGIC,
        3,
        "có/không",
        ValueType.YES_NO,
        Accumulation.CUMULATIVE,
        QUARTERLY,
        Rollup.SHARE_MEETING_TARGET,
        baseline=(0, 0),
        target=1,
        cascade=False,
        target_month_day=(12, 31),
        step="1",
    ),
    Spec(
        "CT-11",
        "Kinh phí ngân sách địa phương bố trí cho chuyển đổi số",
        "Tổng dự toán chi cho khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số được giao "
        "trong năm (lũy kế).",
        IndicatorKind.STRATEGIC,
        6,
        "tỷ đồng",
        ValueType.AMOUNT,
        Accumulation.CUMULATIVE,
        YEARLY,
        Rollup.SUM,
        baseline=(150, 240),
        target=320,
        natural=(0, 5000),
        cascade=False,
        step="0.1",
    ),
]

# Adopted by the centre in Plan 02, assigned to every demo province, entered by the provinces.
CENTRAL_SPECS = [
    Spec(
        "KH02-CT01",
        "Tỷ lệ thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình",
        "Thủ tục đủ điều kiện theo danh mục của Văn phòng Chính phủ (lũy kế).",
        IndicatorKind.STRATEGIC,
        4,
        "%",
        ValueType.PERCENTAGE,
        Accumulation.CUMULATIVE,
        MONTHLY,
        Rollup.MEAN,
        baseline=(48, 60),
        target=80,
        natural=(0, 100),
        cascade=False,
    ),
    Spec(
        "KH02-CT02",
        "Tỷ lệ cơ sở dữ liệu của tỉnh được kết nối, chia sẻ qua Nền tảng chia sẻ, điều phối dữ liệu quốc gia",
        "Theo Nghị định 278/2025/NĐ-CP: mọi cơ sở dữ liệu dùng chung kết nối trước 31/12.",
        IndicatorKind.STRATEGIC,
        3,
        "%",
        ValueType.PERCENTAGE,
        Accumulation.CUMULATIVE,
        QUARTERLY,
        Rollup.MEAN,
        baseline=(10, 30),
        target=100,
        natural=(0, 100),
        cascade=False,
        target_month_day=(12, 31),
    ),
    Spec(
        "KH02-CT03",
        "Số tài khoản định danh điện tử mức độ 2 được kích hoạt",
        "Tài khoản VNeID mức độ 2 của người dân trên địa bàn đã kích hoạt (lũy kế).",
        IndicatorKind.OPERATIONAL,
        4,
        "tài khoản",
        ValueType.COUNT,
        Accumulation.CUMULATIVE,
        QUARTERLY,
        Rollup.SUM,
        baseline=(900_000, 1_200_000),
        target=1_700_000,
        natural=(0, 5_000_000),
        cascade=False,
        sized=True,
        step="1",
    ),
]
CENTRAL_CODES = [spec.code for spec in CENTRAL_SPECS]

# Public: Nghệ An's target of 50,000 digital signatures.
SIGNATURE_TARGETS = {"40": 50_000}
PROVINCE_SIZE = {"40": 1.3, "44": 0.8, "48": 0.9}

NOTES = [
    "Số liệu lấy từ Hệ thống thông tin giải quyết thủ tục hành chính của tỉnh.",
    "Đã đối chiếu với sổ theo dõi của Trung tâm Phục vụ hành chính công.",
    "Số liệu theo báo cáo của bộ phận một cửa.",
    "",
    "",
]
RETURN_REASONS = [
    "Số liệu chưa khớp với báo cáo của Trung tâm Phục vụ hành chính công, đề nghị rà soát lại.",
    "Mẫu số thấp bất thường so với kỳ trước, đề nghị kiểm tra lại tổng số hồ sơ tiếp nhận.",
    "Chưa đính kèm quyết định thành lập tổ công nghệ số cộng đồng của các thôn mới.",
]
REOPEN_REASON = (
    "Mở lại để xã điều chỉnh: Sở Khoa học và Công nghệ thống nhất lại cách tính hồ sơ số hóa "
    "(chỉ tính hồ sơ còn hiệu lực)."
)
CORRECTION_NOTE = "Đã rà soát, điều chỉnh số liệu theo ý kiến của tỉnh."
DRAFT_NOTE = "Số liệu tạm tính, đang tổng hợp từ bộ phận một cửa."
MILESTONE_REASON = (
    "Giao mốc 6 tháng: đến hết Quý II thành lập được 60% số tổ công nghệ số cộng đồng còn thiếu."
)
TARGET_REASON = "Điều chỉnh chỉ tiêu theo số thôn, tổ dân phố sau khi sáp nhập thôn."
# Values marked for the approver in the leader's queue: the rules flag them, the notes say why.
WENT_DOWN_NOTE = "Rà soát, thu hồi chứng thư của cán bộ nghỉ việc sau sắp xếp, nên số lũy kế giảm."
OUTSIDE_NOTE = "Tồn hồ sơ đất đai từ trước sắp xếp, thời gian giải quyết kéo dài."
JUMP_NOTE = (
    "Hệ thống thông tin giải quyết thủ tục hành chính gián đoạn 9 ngày trong kỳ, người dân "
    "chuyển sang nộp trực tiếp."
)


# --- the seed -------------------------------------------------------------------------------


@dataclass
class IndicatorReport:
    indicators: int = 0
    assignments: int = 0
    values: int = 0
    events: int = 0
    figures: int = 0


@dataclass
class People:
    """Who writes what for one province: its communes' officers, its own officer, its
    leader (who decides on the communes' values) and the centre's administrator."""

    commune_officers: dict[int, User]
    province_officer: User
    province_leader: User
    centre: User


def seed_indicators(
    *,
    province_codes: Sequence[str],
    accounts: dict[str, User],
    demo_commune: Unit | None,
    today: datetime.date,
    log: Callable[[str], None] = print,
) -> IndicatorReport:
    """Indicators for each of `province_codes` that has its plan and no indicators yet.
    Idempotent: a province with indicators is left as it is; a rerun with nothing to add
    reads two lists and writes nothing."""
    report = IndicatorReport()
    have = set(
        Indicator.objects.filter(owner_unit__code__in=province_codes, owner_unit__kind=UnitKind.PROVINCE)
        .values_list("owner_unit__code", flat=True)
        .distinct()
    )
    todo = [code for code in sorted(province_codes) if code not in have]
    if not todo:
        return report
    frame = demo_frame(today)
    rules = current_rules()
    root = Unit.objects.get(kind=UnitKind.CENTRAL)
    new_ids: list[int] = []
    with transaction.atomic():
        central = _ensure_central(root, accounts["admin"], frame, report)
    for code in todo:
        province = Unit.objects.get(code=code, kind=UnitKind.PROVINCE)
        plan = Plan.objects.filter(issuing_unit=province).order_by("pk").first()
        if plan is None:
            continue
        values_before = report.values
        with transaction.atomic():
            ids = _seed_province(province, plan, central, accounts, demo_commune, frame, rules, report)
        new_ids += ids
        log(
            f"  {province.name}: {len(PROVINCE_SPECS)} chỉ tiêu, {len(ids)} lượt giao, "
            f"{report.values - values_before} số liệu"
        )
    if new_ids:
        report.figures = refresh_figures(assignment_ids=new_ids, rules=rules, today=today)
    return report


@dataclass
class Central:
    indicators: dict[str, Indicator]
    national: dict[str, IndicatorAssignment]  # the centre's roll-up of the provinces


def _ensure_central(root: Unit, author: User, frame: Frame, report: IndicatorReport) -> Central:
    plan = Plan.objects.get(issuing_unit=root, code="02-KH/BCĐTW")
    groups = {g.number: g for g in plan.task_groups.all()}
    found = {i.code: i for i in Indicator.objects.filter(owner_unit=root, code__in=CENTRAL_CODES)}
    new = [
        _indicator(spec, root, plan, groups, author, frame)
        for spec in CENTRAL_SPECS
        if spec.code not in found
    ]
    Indicator.objects.bulk_create(new)
    report.indicators += len(new)
    found.update({i.code: i for i in new})
    national = {
        a.indicator.code: a
        for a in IndicatorAssignment.objects.filter(indicator__in=found.values(), unit=root).select_related(
            "indicator"
        )
    }
    for spec in CENTRAL_SPECS:
        if spec.code in national:
            continue
        # The nation's figure is the provinces' roll-up: a mean of shares, a sum of counts.
        low, high = spec.baseline
        sized = len(PROVINCE_SIZE) if spec.sized else 1
        national[spec.code] = IndicatorAssignment.objects.create(
            indicator=found[spec.code],
            unit=root,
            rolls_up=True,
            baseline_value=_round(Decimal(str((low + high) / 2 * sized)), spec),
            baseline_date=frame.baseline,
            target_value=_round(Decimal(str(spec.target * sized)), spec),
            target_date=_target_date(spec, frame),
            created_by=author,
            created_at=_created(frame),
            updated_at=_created(frame),
        )
        report.assignments += 1
    return Central(found, national)


def _created(frame: Frame) -> datetime.datetime:
    """When the plan's indicators were adopted and assigned: early in the year."""
    return _at(frame.baseline + datetime.timedelta(days=12), 9)


def _indicator(spec: Spec, owner: Unit, plan: Plan, groups: dict, author: User, frame: Frame) -> Indicator:
    low, high = spec.natural
    return Indicator(
        owner_unit=owner,
        plan=plan,
        task_group=groups.get(spec.group),
        code=spec.code,
        name=spec.name,
        description=spec.description,
        kind=spec.kind,
        unit_of_measure=spec.unit_of_measure,
        value_type=spec.value_type,
        accumulation=spec.accumulation,
        direction=spec.direction,
        natural_min=None if low is None else Decimal(str(low)),
        natural_max=None if high is None else Decimal(str(high)),
        periodicity=spec.periodicity,
        evidence_required=spec.evidence,
        rollup=spec.rollup,
        created_by=author,
        created_at=_created(frame),
        updated_at=_created(frame),
    )


def _target_date(spec: Spec, frame: Frame) -> datetime.date:
    if spec.target_month_day is None:
        return frame.target
    month, day = spec.target_month_day
    return datetime.date(frame.year, month, day)


def _round(value: Decimal, spec: Spec) -> Decimal:
    return value.quantize(Decimal(spec.step), ROUND_HALF_UP)


# --- one province ---------------------------------------------------------------------------


@dataclass
class Reporter:
    """What the values of one unit depend on."""

    unit: Unit
    size: float
    diligence: float  # 0..1: how promptly and how well the unit reports


@dataclass
class Planned:
    """An assignment to write, with the values to fabricate for it."""

    assignment: IndicatorAssignment
    spec: Spec
    who: Reporter | None  # None: rolled up, no values of its own
    enters: User | None = None
    decides: User | None = None
    set_milestones: dict[datetime.date, Decimal] = field(default_factory=dict)


def _seed_province(
    province: Unit,
    plan: Plan,
    central: Central,
    accounts: dict[str, User],
    demo_commune: Unit | None,
    frame: Frame,
    rules: Rules,
    report: IndicatorReport,
) -> list[int]:
    # The task seed's people and helpers (imported here: the seed imports this module).
    from nq57.devtools.demo import seed as demo

    is_demo = demo_commune is not None and demo_commune.province_id == province.pk
    label = demo._province_label(province)
    communes = list(
        Unit.objects.filter(province=province, kind=UnitKind.COMMUNE, is_active=True)
        .exclude(code__in=demo.UNITS_WITHOUT_LOCAL_WORK)
        .order_by("code")
    )
    people = People(
        commune_officers=demo._commune_officers(communes, accounts, demo_commune),
        province_officer=accounts["tinh.vanphong"]
        if is_demo
        else demo._placeholder_officer(
            f"tinh{province.code}.vanphong", province, Role.PROVINCE_OFFICER, f"Văn phòng Ban Chỉ đạo {label}"
        ),
        province_leader=accounts["tinh.lanhdao"]
        if is_demo
        else demo._placeholder_officer(
            f"tinh{province.code}.lanhdao", province, Role.PROVINCE_LEADER, f"Phó Chủ tịch UBND {label}"
        ),
        centre=accounts["admin"],
    )
    groups = {g.number: g for g in plan.task_groups.all()}
    indicators = [
        _indicator(spec, province, plan, groups, people.province_officer, frame) for spec in PROVINCE_SPECS
    ]
    Indicator.objects.bulk_create(indicators)
    report.indicators += len(indicators)

    rng = random.Random(f"nq57-indicators-{province.code}")
    size = PROVINCE_SIZE.get(province.code, 1.0)
    own = Reporter(province, size, 0.75)
    units = [Reporter(c, _commune_size(c), _diligence(c)) for c in communes]
    parents: list[Planned] = []
    children: list[Planned] = []
    for spec, indicator in zip(PROVINCE_SPECS, indicators, strict=True):
        if not spec.cascade:
            parents.append(
                _planned(spec, indicator, own, frame, rng, people.province_officer, people.centre, people)
            )
            continue
        enters, decides = people.commune_officers, people.province_leader
        kids = [
            _planned(spec, indicator, u, frame, _rng(spec, u), enters[u.unit.pk], decides, people)
            for u in units
        ]
        _scale_sized_targets(spec, province, kids)
        children += kids
        parents.append(_rolled_up(spec, indicator, province, frame, kids, people.province_officer))
    for spec in CENTRAL_SPECS:
        planned = _planned(
            spec,
            central.indicators[spec.code],
            own,
            frame,
            rng,
            people.province_officer,
            people.centre,
            people,
        )
        planned.assignment.parent = central.national[spec.code]
        planned.assignment.created_by = people.centre  # the centre assigned it
        parents.append(planned)
    _set_commune_milestones(children, frame)
    if is_demo:
        _province_milestones(parents, frame)
    IndicatorAssignment.objects.bulk_create([p.assignment for p in parents])
    for kid in children:  # the parents have their ids now
        assert kid.assignment.parent is not None
        kid.assignment.parent_id = kid.assignment.parent.pk
    IndicatorAssignment.objects.bulk_create([p.assignment for p in children], batch_size=2000)
    planned_all = parents + children
    report.assignments += len(planned_all)
    _write_targets(planned_all, people.province_officer)

    demo_pk = demo_commune.pk if demo_commune and is_demo else None
    forced = _forced_stories(children, frame, rules, demo_pk) if is_demo else {}
    writer = ValueWriter(frame, rules)
    for planned in planned_all:
        if planned.who is not None:
            writer.add(
                planned, forced.get(planned.assignment.indicator.code, {}).get(planned.who.unit.pk, {})
            )
    writer.save()
    report.values += writer.value_count
    report.events += writer.event_count
    return [p.assignment.pk for p in planned_all]


def _rng(spec: Spec, who: Reporter) -> random.Random:
    # One stream per commune and indicator: a commune's numbers do not change when
    # another indicator is added to the catalogue.
    return random.Random(f"nq57-ind-{spec.code}-{who.unit.code}")


def _commune_size(commune: Unit) -> float:
    rng = random.Random(f"nq57-size-{commune.code}")
    base = {DivisionType.PHUONG.value: 1.6, DivisionType.DAC_KHU.value: 0.6}.get(commune.division_type, 1.0)
    return base * rng.uniform(0.7, 1.3)


def _diligence(commune: Unit) -> float:
    # The same draw as the commune's tasks (seed._seed_province): a commune that keeps its
    # tasks on time reports its indicators well too.
    return random.Random(f"nq57-commune-{commune.code}").betavariate(2.2, 1.6)


def _planned(
    spec: Spec,
    indicator: Indicator,
    who: Reporter,
    frame: Frame,
    rng: random.Random,
    enters: User,
    decides: User,
    people: People,
) -> Planned:
    low, high = spec.baseline
    scale = who.size if spec.sized else 1.0
    baseline = Decimal(str(rng.uniform(low, high) * scale))
    if spec.value_type == ValueType.YES_NO:
        baseline = Decimal(0)
    target = Decimal(str(spec.target * scale))
    if spec.target_spread:
        target = Decimal(rng.randint(int(spec.target_spread[0]), int(spec.target_spread[1])))
    elif spec.ward_target and who.unit.division_type == DivisionType.PHUONG:
        target = Decimal(str(spec.ward_target))
    elif spec.ward_target and who.unit.division_type == DivisionType.DAC_KHU:
        target = Decimal(str(spec.target - 10))  # an island zone: fewer people online
    assignment = IndicatorAssignment(
        indicator=indicator,
        unit=who.unit,
        baseline_value=_round(baseline, spec),
        baseline_date=frame.baseline,
        target_value=_round(target, spec),
        target_date=_target_date(spec, frame),
        created_by=people.province_officer,  # the province assigns to its communes and itself
        created_at=_created(frame),
        updated_at=_created(frame),
    )
    return Planned(assignment, spec, who, enters=enters, decides=decides)


def _scale_sized_targets(spec: Spec, province: Unit, kids: list[Planned]) -> None:
    """A province's public target (Nghệ An: 50,000 signatures) shared among its communes by
    their size, and its baseline (about a quarter of it) likewise."""
    total = SIGNATURE_TARGETS.get(province.code) if spec.code == "CT-06" else None
    if not total or not kids:
        return
    weights = [Decimal(str(k.who.size)) if k.who else Decimal(1) for k in kids]
    whole = sum(weights, Decimal(0))
    for kid, weight in zip(kids, weights, strict=True):
        share = weight / whole
        kid.assignment.target_value = _round(Decimal(total) * share, spec)
        kid.assignment.baseline_value = _round(Decimal(total) * Decimal("0.24") * share, spec)
    kids[-1].assignment.target_value += Decimal(total) - sum(
        (k.assignment.target_value for k in kids), Decimal(0)
    )


def _rolled_up(
    spec: Spec, indicator: Indicator, province: Unit, frame: Frame, kids: list[Planned], author: User
) -> Planned:
    """The province's own figure of a cascaded indicator, computed from its communes': its
    line starts where theirs do, and for a share of communes meeting their target, from none
    at the baseline to all of them."""
    baselines = [k.assignment.baseline_value for k in kids]
    targets = [k.assignment.target_value for k in kids]
    if spec.rollup == Rollup.SUM:
        baseline, target = sum(baselines, Decimal(0)), sum(targets, Decimal(0))
    elif spec.rollup == Rollup.SHARE_MEETING_TARGET:
        baseline, target = Decimal(0), HUNDRED
    else:
        baseline, target = sum(baselines, Decimal(0)) / len(kids), Decimal(str(spec.target))
    assignment = IndicatorAssignment(
        indicator=indicator,
        unit=province,
        rolls_up=True,
        baseline_value=_round(baseline, spec) if spec.rollup != Rollup.SHARE_MEETING_TARGET else baseline,
        baseline_date=frame.baseline,
        target_value=target,
        target_date=_target_date(spec, frame),
        created_by=author,
        created_at=_created(frame),
        updated_at=_created(frame),
    )
    planned = Planned(assignment, spec, None)
    for kid in kids:
        kid.assignment.parent = assignment
    return planned


def _set_commune_milestones(children: list[Planned], frame: Frame) -> None:
    """The community teams are set for mid-year, ahead of the straight line: by the second
    quarter's close, 60% of the way from the baseline to one team per village."""
    close = datetime.date(frame.year, 6, 14)
    if not frame.baseline < close < frame.target:
        return
    for kid in children:
        if kid.spec.code != "CT-04":
            continue
        a = kid.assignment
        way = (a.target_value - a.baseline_value) * Decimal("0.6")
        kid.set_milestones[close] = (a.baseline_value + way).quantize(Decimal(1), ROUND_HALF_UP)


def _province_milestones(parents: list[Planned], frame: Frame) -> None:
    """The demo province sets its online-share milestones by quarter-end month, ahead of the
    straight line in the second half (the province's campaign)."""
    for planned in parents:
        if planned.spec.code != "CT-01":
            continue
        line = _line(planned)
        for month in (6, 9):
            close = datetime.date(frame.year, month, 14)
            if close <= frame.baseline or close >= frame.target:
                continue
            period = period_containing(MONTHLY, close)
            straight = milestone(line, close, period_start=period.start)
            if straight is not None:
                planned.set_milestones[close] = straight + Decimal(2)


def _line(planned: Planned) -> Line:
    a = planned.assignment
    return Line(
        value_type=planned.spec.value_type,
        baseline_value=a.baseline_value,
        baseline_date=a.baseline_date,
        target_value=a.target_value,
        target_date=a.target_date,
    )


def _write_targets(planned: list[Planned], province_officer: User) -> None:
    """Set milestones, and a changed target for a few communes, each with its history row
    (TargetChange), as the target pages record them."""
    milestones, changes = [], []
    for index, p in enumerate(planned):
        a = p.assignment
        if p.set_milestones:
            for close, value in sorted(p.set_milestones.items()):
                milestones.append(IndicatorMilestone(assignment=a, period_end=close, value=value))
            a.version += 1
            changes.append(
                TargetChange(
                    assignment=a,
                    author=province_officer,
                    created_at=_at(a.baseline_date + datetime.timedelta(days=20), 9),
                    version=a.version,
                    changes={
                        f"milestone {close.isoformat()}": [None, str(v)]
                        for close, v in p.set_milestones.items()
                    },
                    reason=MILESTONE_REASON
                    if p.spec.code == "CT-04"
                    else "Mốc theo chương trình cao điểm của tỉnh.",
                )
            )
        if p.spec.code == "CT-04" and p.who is not None and index % 23 == 5:
            # The village count changed after villages merged: the target follows, recorded.
            before = a.target_value
            a.target_value = before - Decimal(2) if before > 8 else before + Decimal(1)
            a.version += 1
            changes.append(
                TargetChange(
                    assignment=a,
                    author=province_officer,
                    created_at=_at(a.baseline_date + datetime.timedelta(days=75), 14),
                    version=a.version,
                    changes={"target_value": [str(before), str(a.target_value)]},
                    reason=TARGET_REASON,
                )
            )
    if changes:
        changed = {c.assignment.pk: c.assignment for c in changes}
        IndicatorAssignment.objects.bulk_update(
            list(changed.values()), ["target_value", "version"], batch_size=1000
        )
    IndicatorMilestone.objects.bulk_create(milestones, batch_size=2000)
    TargetChange.objects.bulk_create(changes, batch_size=2000)


# --- values and their history ------------------------------------------------------------------

# What happens to a value: its final state, and whether it was returned once on the way.
APPROVED, APPROVED_AFTER_RETURN, SUBMITTED, RETURNED, DRAFT, MISSING, REOPENED = (
    "approved",
    "approved_after_return",
    "submitted",
    "returned",
    "draft",
    "missing",
    "reopened",
)
# Injected on purpose where the demo needs them (in the demo province's latest period).
WENT_DOWN, OUTSIDE, JUMP = "went_down", "outside", "jump"


def _forced_stories(
    children: list[Planned], frame: Frame, rules: Rules, demo_commune_pk: int | None
) -> dict[str, dict[int, dict[datetime.date, str]]]:
    """A few values the demo must show in the leader's queue and the officer's list, placed
    on chosen communes: {indicator code: {unit id: {period close: story}}}."""
    periods = _monthly_periods(frame, rules)
    if len(periods) < 3:
        return {}
    latest, before, earlier = periods[-1], periods[-2], periods[-3]
    units = sorted(
        {k.who.unit.pk for k in children if k.who is not None and k.who.unit.pk != demo_commune_pk}
    )
    pick = units[2::7]
    stories: dict[str, dict[int, dict[datetime.date, str]]] = {}

    def put(code: str, unit: int, close: datetime.date, story: str) -> None:
        stories.setdefault(code, {}).setdefault(unit, {})[close] = story

    # Flagged values in the leader's queue, each after an approved value it is compared with.
    for code, story, unit in (
        ("CT-06", WENT_DOWN, pick[0]),
        ("CT-08", OUTSIDE, pick[1]),
        ("CT-01", JUMP, pick[2]),
    ):
        put(code, unit, before.end, APPROVED)
        put(code, unit, latest.end, story)
    for unit in pick[3:6]:
        put("CT-08", unit, latest.end, RETURNED)
        put("CT-01", unit, latest.end, SUBMITTED)
    if demo_commune_pk is not None:
        # The officer's commune: one value reopened for correction, the latest submitted,
        # and the period running today started as a draft, the rest left to enter.
        running = period_containing(MONTHLY, frame.today)
        put("CT-02", demo_commune_pk, earlier.end, REOPENED)
        put("CT-02", demo_commune_pk, latest.end, SUBMITTED)
        put("CT-01", demo_commune_pk, before.end, APPROVED_AFTER_RETURN)
        put("CT-01", demo_commune_pk, latest.end, SUBMITTED)
        put("CT-08", demo_commune_pk, latest.end, SUBMITTED)
        put("CT-01", demo_commune_pk, running.end, DRAFT)
        put("CT-02", demo_commune_pk, running.end, MISSING)
        put("CT-06", demo_commune_pk, running.end, MISSING)
    return stories


def _monthly_periods(frame: Frame, rules: Rules) -> list[Period]:
    """The monthly periods whose due date has passed."""
    return [
        p
        for p in figure_periods(MONTHLY, frame.baseline, frame.today)
        if p.due_date(rules.indicator_due_working_days) < frame.today
    ]


class ValueWriter:
    """Fabricates an assignment's values period by period, with the events that led to
    each, and writes them all at once."""

    def __init__(self, frame: Frame, rules: Rules):
        self.frame, self.rules = frame, rules
        self.values: list[IndicatorValue] = []
        self.events: list[list[Event]] = []
        self.evidence_for: list[tuple[int, int, str]] = []  # (value index, event index, text)
        self.value_count = self.event_count = 0

    def add(self, planned: Planned, forced: dict[datetime.date, str]) -> None:
        assert planned.who is not None and planned.enters is not None and planned.decides is not None
        spec, a = planned.spec, planned.assignment
        rng = random.Random(f"nq57-values-{spec.code}-{planned.who.unit.code}")
        diligence = planned.who.diligence
        # How far along its line the unit gets: the diligent ahead, the others behind.
        pace = 0.45 + 0.8 * diligence + rng.gauss(0, 0.12)
        line = _line(planned)
        periods = figure_periods(spec.periodicity, a.baseline_date, self.frame.today)
        due_passed = [
            p for p in periods if p.due_date(self.rules.indicator_due_working_days) < self.frame.today
        ]
        latest = due_passed[-1].end if due_passed else None
        previous: Decimal | None = None
        level = a.baseline_value  # the running cumulative level
        for period in periods:
            story = forced.get(period.end) or self._story(period, latest, diligence, rng)
            if spec.value_type == ValueType.YES_NO:
                done = spec.code == "CT-10" and planned.who.unit.code == "48" and period.end == latest
                number: Decimal = Decimal(1 if done else 0)
            else:
                expected = milestone(
                    line, period.end, period_start=period.start, set_milestones=planned.set_milestones
                )
                assert expected is not None
                step = pace + rng.gauss(0, 0.07)
                number = a.baseline_value + (expected - a.baseline_value) * Decimal(str(step))
                if spec.accumulation == Accumulation.CUMULATIVE:
                    number = max(number, level)
                number = self._bounded(number, spec)
                if story == WENT_DOWN and previous is not None:
                    number = previous - Decimal(max(3, int(previous) // 20))
                elif story == OUTSIDE and spec.natural[1] is not None:
                    number = _round(Decimal(str(spec.natural[1])) + Decimal("5.5"), spec)
                elif story == JUMP and previous is not None:
                    number = (previous * Decimal("0.45")).quantize(Decimal(1))
                number = _round(number, spec)
            if story == MISSING:
                previous = None  # the rules compare with the period just before, if it has a value
                continue
            if spec.accumulation == Accumulation.CUMULATIVE and story != WENT_DOWN:
                level = max(level, number)
            numerator = denominator = None
            if spec.value_type == ValueType.RATIO:
                low, high = spec.denominator
                denominator = Decimal(max(1, round(rng.randint(low, high) * planned.who.size)))
                numerator = min(
                    denominator, (denominator * number / HUNDRED).quantize(Decimal(1), ROUND_HALF_UP)
                )
                number = ratio_value(numerator, denominator)
            self._write(planned, period, story, number, numerator, denominator, previous, rng)
            previous = number

    def _story(
        self, period: Period, latest: datetime.date | None, diligence: float, rng: random.Random
    ) -> str:
        today = self.frame.today
        if period.start <= today <= period.end:  # running: a few started a draft
            return DRAFT if rng.random() < 0.1 else MISSING
        due = period.due_date(self.rules.indicator_due_working_days)
        roll = rng.random()
        if due >= today:  # closed, not yet due
            return SUBMITTED if roll < 0.4 * diligence + 0.1 else (DRAFT if roll < 0.65 else MISSING)
        lazy = 1 - diligence
        if period.end == latest:
            for story, chance in (
                (MISSING, 0.22 * lazy + 0.02),
                (DRAFT, 0.03),
                (RETURNED, 0.03),
                (SUBMITTED, 0.12),
            ):
                if roll < chance:
                    return story
                roll -= chance
            return APPROVED
        # Older periods are settled: the province approves within a period, so nothing from
        # months ago still waits in its queue.
        for story, chance in (
            (MISSING, 0.1 * lazy + 0.005),
            (APPROVED_AFTER_RETURN, 0.04),
        ):
            if roll < chance:
                return story
            roll -= chance
        return APPROVED

    def _bounded(self, number: Decimal, spec: Spec) -> Decimal:
        if spec.value_type in (ValueType.RATIO, ValueType.PERCENTAGE):
            number = min(number, HUNDRED)
        low, high = spec.natural
        if low is not None:
            number = max(number, Decimal(str(low)))
        if high is not None:
            number = min(number, Decimal(str(high)))
        return max(number, Decimal(0))

    def _write(
        self,
        planned: Planned,
        period: Period,
        story: str,
        number: Decimal,
        numerator: Decimal | None,
        denominator: Decimal | None,
        previous: Decimal | None,
        rng: random.Random,
    ) -> None:
        spec, a = planned.spec, planned.assignment
        enters, decides = planned.enters, planned.decides
        assert enters is not None and decides is not None
        indicator = a.indicator
        found = flags(
            value=number,
            accumulation=spec.accumulation,
            natural_min=indicator.natural_min,
            natural_max=indicator.natural_max,
            previous=previous,
            rules=self.rules,
        )
        note = {WENT_DOWN: WENT_DOWN_NOTE, OUTSIDE: OUTSIDE_NOTE, JUMP: JUMP_NOTE}.get(story)
        if note is None:
            note = DRAFT_NOTE if story == DRAFT else rng.choice(NOTES)
        if (
            previous is not None
            and spec.accumulation == Accumulation.CUMULATIVE
            and number < previous
            and not note
        ):
            note = WENT_DOWN_NOTE  # a cumulative total that went down says why (rules.needs_note)
        # When it happened: entered after the close (during the period for a running one).
        today = self.frame.today
        clock = Clock(today)
        if period.end >= today:
            day = max(period.start, today - datetime.timedelta(days=rng.randint(0, 4)))
        else:
            day = min(today, period.end + datetime.timedelta(days=rng.randint(0, 3)))
        entered = clock.at(day, rng)
        value = IndicatorValue(
            assignment=a,
            period_start=period.start,
            period_end=period.end,
            value=number,
            numerator=numerator,
            denominator=denominator,
            note=note,
            flags=found,
            created_at=entered,
            updated_at=entered,
            updated_by=enters,
        )
        shown = _changes(numerator, denominator, number)
        events = [self._event(enters, entered, ValueEventKind.CREATED, "", ValueState.DRAFT, shown, note)]
        state: str = ValueState.DRAFT
        evidence_at: list[int] = []

        def step(kind: str, after: str, who: User, days: int, reason: str = "", changes: dict | None = None):
            nonlocal state
            when = clock.after(events[-1].created_at, days, rng)
            events.append(self._event(who, when, kind, state, after, changes or {}, reason))
            if after == ValueState.SUBMITTED:
                value.submitted_at = when
                evidence_at.append(len(events) - 1)
            if kind in (ValueEventKind.APPROVED, ValueEventKind.RETURNED):
                value.decided_at, value.decided_by = when, who
            if kind == ValueEventKind.EDITED:
                value.updated_at = when
            state = after

        if story in (
            SUBMITTED,
            APPROVED,
            APPROVED_AFTER_RETURN,
            RETURNED,
            REOPENED,
            WENT_DOWN,
            OUTSIDE,
            JUMP,
        ):
            step(ValueEventKind.SUBMITTED, ValueState.SUBMITTED, enters, rng.randint(0, 1))
        if story in (APPROVED_AFTER_RETURN, RETURNED):
            reason = rng.choice(RETURN_REASONS)
            step(ValueEventKind.RETURNED, ValueState.RETURNED, decides, rng.randint(1, 4), reason)
            value.return_reason = reason
        if story == APPROVED_AFTER_RETURN:
            # The unit corrected its figure and submitted again: the history shows both.
            if numerator is not None and denominator is not None:
                first = max(Decimal(0), numerator - max(Decimal(1), (numerator / 10).quantize(Decimal(1))))
                events[0].changes = _changes(first, denominator, number)
                corrected = {"numerator": [str(first), str(numerator)]}
            else:
                first = _round(number * Decimal("0.9"), spec)
                events[0].changes = _changes(None, None, first)
                corrected = {"value": [str(first), str(number)]}
            step(
                ValueEventKind.EDITED, ValueState.DRAFT, enters, rng.randint(0, 2), CORRECTION_NOTE, corrected
            )
            value.return_reason = ""
            step(ValueEventKind.SUBMITTED, ValueState.SUBMITTED, enters, 0)
        if story in (APPROVED, APPROVED_AFTER_RETURN, REOPENED):
            step(ValueEventKind.APPROVED, ValueState.APPROVED, decides, rng.randint(1, 6))
        if story == REOPENED:
            step(ValueEventKind.REOPENED, ValueState.DRAFT, decides, rng.randint(5, 20), REOPEN_REASON)
        value.state = state
        value.version = len(events)
        value.updated_at = max(value.updated_at, events[-1].created_at)
        self.values.append(value)
        self.events.append(events)
        if indicator.evidence_required:
            for index in evidence_at:
                self.evidence_for.append(
                    (len(self.values) - 1, index, f"{indicator.code} {period.end.isoformat()}")
                )

    def _event(
        self,
        author: User,
        when: datetime.datetime,
        kind: str,
        before: str,
        after: str,
        changes: dict,
        reason: str,
    ) -> "Event":
        return Event(author.pk, when, kind, before, after, changes, reason)

    def save(self) -> None:
        IndicatorValue.objects.bulk_create(self.values, batch_size=2000)
        rows = [
            (value.pk, version, event)
            for value, events in zip(self.values, self.events, strict=True)
            for version, event in enumerate(events, start=1)
        ]
        _insert_events(rows)
        self._attach_evidence()
        self.value_count, self.event_count = len(self.values), len(rows)

    def _attach_evidence(self) -> None:
        from nq57.devtools.demo.seed import _tiny_pdf

        stored: dict[str, tuple[str, int]] = {}
        rows = []
        wanted = {(self.values[v].pk, e + 1) for v, e, _text in self.evidence_for}
        event_ids = _event_ids(wanted)
        for value_index, event_index, text in self.evidence_for:
            if text not in stored:
                content = _tiny_pdf(f"Bao cao chi tieu {text}")
                digest = hashlib.sha256(content).hexdigest()
                path = f"evidence/{digest[:2]}/{digest}"
                if not default_storage.exists(path):
                    default_storage.save(path, ContentFile(content))
                stored[text] = (digest, len(content))
            digest, size = stored[text]
            code = text.split(" ")[0]
            evidence = IndicatorEvidence(
                event_id=event_ids[(self.values[value_index].pk, event_index + 1)],
                original_name=f"quyet-dinh-{code.lower()}-{text.split(' ')[1]}.pdf",
                size=size,
                content_type="application/pdf",
                sha256=digest,
            )
            evidence.file.name = f"evidence/{digest[:2]}/{digest}"
            rows.append(evidence)
        IndicatorEvidence.objects.bulk_create(rows, batch_size=2000)


@dataclass
class Event:
    """A ValueEvent before it is written: tens of thousands are written with one INSERT per
    batch, which takes a third of the time bulk_create takes to build and adapt models."""

    author_id: int
    created_at: datetime.datetime
    kind: str
    state_before: str
    state_after: str
    changes: dict
    reason: str


EVENT_COLUMNS = (
    "value_id",
    "version",
    "author_id",
    "created_at",
    "kind",
    "state_before",
    "state_after",
    "changes",
    "reason",
)


def _insert_events(rows: list[tuple[int, int, Event]]) -> None:
    """INSERT the events, many rows a statement, adapted as Django adapts them."""
    ops = connection.ops
    table = ValueEvent._meta.db_table
    columns = ", ".join(ops.quote_name(c) for c in EVENT_COLUMNS)
    per_statement = max(1, min(500, (connection.features.max_query_params or 5000) // len(EVENT_COLUMNS)))
    placeholder = "(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            params: list = []
            for value_id, version, e in batch:
                params += [
                    value_id,
                    version,
                    e.author_id,
                    ops.adapt_datetimefield_value(e.created_at),
                    e.kind,
                    e.state_before,
                    e.state_after,
                    ops.adapt_json_value(e.changes, None),
                    e.reason,
                ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(batch))}", params
            )


def _event_ids(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The ids of the events (value id, version) just written."""
    found: dict[tuple[int, int], int] = {}
    value_ids = sorted({value_id for value_id, _version in wanted})
    for start in range(0, len(value_ids), 500):
        rows = ValueEvent.objects.filter(value_id__in=value_ids[start : start + 500]).values_list(
            "value_id", "version", "pk"
        )
        found.update({(v, n): pk for v, n, pk in rows if (v, n) in wanted})
    return found


def _changes(numerator: Decimal | None, denominator: Decimal | None, number: Decimal) -> dict:
    if numerator is not None and denominator is not None:
        return {"numerator": [None, str(numerator)], "denominator": [None, str(denominator)]}
    return {"value": [None, str(number)]}


class Clock:
    """Times of a value's history, in order, never after the reference day."""

    def __init__(self, today: datetime.date):
        self.today = today

    def at(self, day: datetime.date, rng: random.Random) -> datetime.datetime:
        return _at(min(day, self.today), rng.randint(7, 11), rng.randint(0, 59))

    def after(self, moment: datetime.datetime, days: int, rng: random.Random) -> datetime.datetime:
        day = moment.astimezone(LOCAL_TZ).date() + datetime.timedelta(days=days)
        if day > self.today:
            day = self.today
        later = _at(day, rng.randint(8, 16), rng.randint(0, 59))
        if later <= moment:
            later = moment + datetime.timedelta(minutes=rng.randint(5, 50))
        return later


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), LOCAL_TZ)
