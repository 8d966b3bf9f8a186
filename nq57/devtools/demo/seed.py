"""Build the demo: Plan 02, provinces' action plans, tasks cascaded to communes with
histories, steering committees, and one account per role.

It fabricates a past (updates dated months ago), which no user action can do, so it
writes in bulk here rather than through tasks_app.actions. It is idempotent: a province
whose plan exists is left as it is, and accounts are found, not duplicated.
"""

import datetime
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from nq57.devtools.demo import catalogue as cat
from nq57.devtools.demo.indicators import IndicatorReport, seed_indicators
from nq57.devtools.demo.timeline import Life, Step, build_life, pick_scenario, round5
from tasks_app.actions.greening import greening_recompute
from tasks_app.actions.units import default_source_path, read_unit_source, units_load
from tasks_app.models import (
    CommitteeMember,
    CommitteeRole,
    DivisionType,
    DocumentType,
    Evidence,
    GreeningSnapshot,
    Membership,
    Plan,
    PlanPhase,
    Role,
    SteeringCommittee,
    Task,
    TaskGroup,
    TaskStatus,
    TaskUpdate,
    Unit,
    UnitKind,
    UpdateKind,
    User,
)
from tasks_app.models.greening import ALL_SCOPE
from tasks_app.passwords import DEMO_PASSWORD  # demo data only; the real app has no default password

# Nghệ An, Quảng Trị and Đà Nẵng: a large, a middle and a city province.
DEMO_PROVINCE_CODES = ("40", "44", "48")
# Public figures for two provinces' own plans (Nghệ An: 102 tasks; Quảng Trị: 80).
PROVINCE_TASK_COUNTS = {"40": 102, "44": 80}
DEMO_COMMUNE_PROVINCE = "40"
HISTORY_WEEKS = 12
LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)


@dataclass
class SeedReport:
    provinces_created: list[str] = field(default_factory=list)
    provinces_skipped: list[str] = field(default_factory=list)
    tasks: int = 0
    updates: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, unit
    snapshot_dates: int = 0
    indicators: IndicatorReport = field(default_factory=IndicatorReport)


# The special zones of the Paracel and Spratly islands (Hoàng Sa, Trường Sa) are units of
# the hierarchy, but the demo does not invent local work, difficulties or reports for them.
UNITS_WITHOUT_LOCAL_WORK = ("20333", "22736")


def seed_demo(*, scale: str, today: datetime.date, log: Callable[[str], None] = print) -> SeedReport:
    report = SeedReport()
    if not Unit.objects.filter(kind=UnitKind.COMMUNE).exists():
        log("Loading provinces and communes first…")
        units_load(records=read_unit_source(default_source_path()))
    root = Unit.objects.get(kind=UnitKind.CENTRAL)
    codes = (
        list(Unit.objects.filter(kind=UnitKind.PROVINCE).values_list("code", flat=True))
        if scale == "national"
        else list(DEMO_PROVINCE_CODES)
    )
    with transaction.atomic():
        demo_commune = _demo_commune()
        accounts = _ensure_accounts(root, demo_commune, report)
        central = _ensure_central(root, accounts["tw.theodoi"], today)
    for code in sorted(codes):
        province = Unit.objects.get(code=code, kind=UnitKind.PROVINCE)
        if Plan.objects.filter(issuing_unit=province).exists():
            report.provinces_skipped.append(province.name)
            continue
        with transaction.atomic():
            tasks, updates = _seed_province(province, central, accounts, demo_commune, today)
        report.provinces_created.append(province.name)
        report.tasks += tasks
        report.updates += updates
        log(f"  {province.name}: {tasks} nhiệm vụ, {updates} lượt cập nhật")
    # Indicators for the demo provinces only, at either scale: they show every colour and
    # state; a national set would only make the seed slower.
    report.indicators = seed_indicators(
        province_codes=[code for code in DEMO_PROVINCE_CODES if code in codes],
        accounts=accounts,
        demo_commune=demo_commune,
        today=today,
        log=log,
    )
    report.snapshot_dates = _greening_history(
        root,
        today,
        log,
        weeks=HISTORY_WEEKS if scale == "demo" else 0,
        tasks_added=central.created or bool(report.provinces_created),
    )
    return report


def _greening_history(
    root: Unit, today: datetime.date, log: Callable[[str], None], *, weeks: int, tasks_added: bool
) -> int:
    """Snapshots for today and each of the `weeks` weeks before, so dashboards have a trend.
    The nightly job adds every day from here on; `greening_recompute --from` fills gaps.

    When this run added no task, the dates that already have figures are skipped: they
    were computed from the same tasks, and recomputing a stored date only to find
    nothing to change costs seconds per date (most of a rerun's time, before)."""
    same_weekday = {today - datetime.timedelta(weeks=n) for n in range(weeks + 1)}
    # And every Sunday, the day a weekly report's figures are read on.
    last_sunday = today - datetime.timedelta(days=today.isoweekday() % 7)
    sundays = {last_sunday - datetime.timedelta(weeks=n) for n in range(weeks + 1)} if weeks else set()
    dates = sorted(same_weekday | sundays)
    if not tasks_added:
        stored = set(
            GreeningSnapshot.objects.filter(unit=root, scope=ALL_SCOPE, on_date__in=dates).values_list(
                "on_date", flat=True
            )
        )
        dates = [day for day in dates if day not in stored]
    if not dates:
        log("Số liệu xanh hóa đã có cho mọi ngày cần thiết.")
        return 0
    log(f"Tính xanh hóa cho {len(dates)} ngày ({dates[0]:%d/%m/%Y} → {dates[-1]:%d/%m/%Y})…")
    for day in dates:
        greening_recompute(on=day)
    return len(dates)


# --- accounts -----------------------------------------------------------------------


def _demo_commune() -> Unit:
    # A deterministic, ordinary commune (not a ward) of the demo province.
    commune = (
        Unit.objects.filter(province__code=DEMO_COMMUNE_PROVINCE, division_type=DivisionType.XA)
        .order_by("code")
        .first()
    )
    assert commune is not None, "the units are loaded first (manage.py load_units)"
    return commune


def _ensure_accounts(root: Unit, commune: Unit, report: SeedReport) -> dict[str, User]:
    province = Unit.objects.get(code=DEMO_COMMUNE_PROVINCE)
    specs = [
        ("admin", "Quản trị hệ thống", "Quản trị viên", Role.SYSTEM_ADMIN, root),
        (
            "tw.theodoi",
            "Trần Minh Đức",
            "Chuyên viên Văn phòng Trung ương Đảng",
            Role.CENTRAL_VIEWER,
            root,
        ),
        (
            "tinh.lanhdao",
            "Nguyễn Văn Hùng",
            "Phó Chủ tịch UBND tỉnh",
            Role.PROVINCE_LEADER,
            province,
        ),
        (
            "tinh.vanphong",
            "Lê Thị Thu Hà",
            "Chuyên viên Sở Khoa học và Công nghệ",
            Role.PROVINCE_OFFICER,
            province,
        ),
        ("xa.lanhdao", "Phạm Quang Sơn", "Chủ tịch UBND xã", Role.COMMUNE_LEADER, commune),
        (
            "xa.canbo",
            "Hoàng Thị Lan",
            "Công chức Văn phòng - Thống kê",
            Role.COMMUNE_OFFICER,
            commune,
        ),
    ]
    accounts = {}
    for username, full_name, position, role, unit in specs:
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "position": position}
        )
        # Write only what differs, so a rerun writes nothing. An existing account keeps
        # the password it has (`manage.py changepassword` resets one); hashing is slow.
        changed = []
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            changed.append("password")
        is_admin = role == Role.SYSTEM_ADMIN
        if (user.is_staff, user.is_superuser) != (is_admin, is_admin):
            user.is_staff = user.is_superuser = is_admin
            changed += ["is_staff", "is_superuser"]
        if changed:
            user.save(update_fields=changed)
        Membership.objects.get_or_create(user=user, unit=unit, role=role)
        accounts[username] = user
        report.accounts.append((username, str(Role(role).label), unit.name))
    return accounts


# --- the centre: Resolution 57, Plan 02 and its tasks -----------------------------------


@dataclass
class Central:
    plan: Plan
    groups: dict[int, TaskGroup]
    cascading_tasks: list[Task]
    created: bool  # this run wrote Plan 02 and its tasks


def _ensure_central(root: Unit, author: User, today: datetime.date) -> Central:
    resolution, _ = _ensure_document(root, cat.RESOLUTION_57, DocumentType.RESOLUTION)
    plan, created = _ensure_document(root, cat.PLAN_02, DocumentType.PLAN, implements=resolution)
    if created:
        for order, (name, start, end) in enumerate(cat.PLAN_02["phases"], start=1):
            PlanPhase.objects.create(plan=plan, name=name, sort_order=order, start_date=start, end_date=end)
        for number, name in enumerate(cat.PLAN_02_GROUPS, start=1):
            TaskGroup.objects.create(plan=plan, number=number, name=name)
        _create_central_tasks(plan, author)
        _ensure_committee(
            root,
            "Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
            "229-QĐ/TW",
            datetime.date(2025, 1, 10),
            [
                # Public: the head, deputies and standing member named in 2025 press reports.
                ("Tô Lâm", "Tổng Bí thư", CommitteeRole.HEAD),
                ("Trần Cẩm Tú", "Thường trực Ban Bí thư", CommitteeRole.DEPUTY),
                ("Nguyễn Duy Ngọc", "Chủ nhiệm Ủy ban Kiểm tra Trung ương", CommitteeRole.DEPUTY),
                (
                    "Phạm Gia Túc",
                    "Phó Chánh Văn phòng Trung ương Đảng",
                    CommitteeRole.STANDING_OFFICE,
                ),
                ("Nguyễn Chí Dũng", "Phó Thủ tướng Chính phủ", CommitteeRole.MEMBER),
            ],
        )
    groups = {g.number: g for g in plan.task_groups.all()}
    cascading = list(
        plan.tasks.filter(lead_unit__code="TW-VPTW", code__in=_cascading_codes()).order_by("code")
    )
    return Central(plan, groups, cascading, created)


def _ensure_document(
    root: Unit, spec: cat.Document, document_type: str, implements: Plan | None = None
) -> tuple[Plan, bool]:
    return Plan.objects.get_or_create(
        issuing_unit=root,
        code=spec["code"],
        defaults={
            "title": spec["title"],
            "document_type": document_type,
            "issue_date": spec["issue_date"],
            "signed_by": spec["signed_by"],
            "implements": implements,
        },
    )


def _cascading_codes() -> list[str]:
    return [f"KH02-{i:02d}" for i, t in enumerate(cat.CENTRAL_TASKS, start=1) if t[4]]


def _create_central_tasks(plan: Plan, author: User) -> None:
    rng = random.Random("nq57-central")
    units = {u.code: u for u in Unit.objects.filter(kind__in=[UnitKind.CENTRAL, UnitKind.MINISTRY])}
    groups = {g.number: g for g in plan.task_groups.all()}
    phases = list(plan.phases.order_by("sort_order"))
    tasks, lives = [], []
    for i, (group, lead, title, product, cascades) in enumerate(cat.CENTRAL_TASKS, start=1):
        phase = phases[0] if i % 5 == 0 else phases[1]
        start, deadline = phase.start_date, phase.end_date
        # Ministries mostly delivered; the tasks every province carries out are still open.
        if cascades:
            status, progress, done = TaskStatus.IN_PROGRESS, round5(rng.randint(70, 90)), None
        elif i % 4 == 0:
            status, progress, done = (
                TaskStatus.COMPLETED,
                100,
                deadline + datetime.timedelta(days=rng.randint(5, 40)),
            )
        else:
            status, progress, done = (
                TaskStatus.COMPLETED,
                100,
                deadline - datetime.timedelta(days=rng.randint(0, 20)),
            )
        life = Life("central", start, deadline, status, progress, done, start - datetime.timedelta(days=1))
        life.steps = [Step(start + datetime.timedelta(days=2), TaskStatus.IN_PROGRESS, 10, cat.START_NOTE)]
        if done:
            life.steps.append(Step(done, status, 100, rng.choice(cat.COMPLETION_NOTES)))
        else:
            life.steps.append(
                Step(
                    datetime.date(2025, 12, 20),
                    status,
                    progress,
                    "Tổng hợp tiến độ từ 34 tỉnh, thành phố.",
                )
            )
        tasks.append(
            Task(
                plan=plan,
                code=f"KH02-{i:02d}",
                title=title,
                task_group=groups[group],
                phase=phase,
                lead_unit=units[lead],
                responsible_name="Lãnh đạo " + units[lead].name,
                responsible_position="Người đứng đầu cơ quan chủ trì",
                approving_authority="Ban Chỉ đạo Trung ương",
                expected_product=product,
                is_key=cascades,
            )
        )
        lives.append(life)
    _write_tasks(tasks, lives, {id(t): author for t in tasks})


# --- a province ---------------------------------------------------------------------------


def _province_label(province: Unit) -> str:
    return province.name if province.division_type == DivisionType.THANH_PHO else f"tỉnh {province.name}"


def _seed_province(
    province: Unit,
    central: Central,
    accounts: dict[str, User],
    demo_commune: Unit | None,
    today: datetime.date,
) -> tuple[int, int]:
    rng = random.Random(f"nq57-province-{province.code}")
    year = today.year
    label = _province_label(province)
    plan = Plan.objects.create(
        issuing_unit=province,
        code=f"{rng.randint(100, 480)}/KH-UBND",
        title=(
            "Kế hoạch thực hiện Nghị quyết số 57-NQ/TW và Kế hoạch số 02-KH/BCĐTW "
            f"trên địa bàn {label} năm {year}"
        ),
        document_type=DocumentType.PLAN,
        issue_date=datetime.date(year, 1, rng.randint(10, 28)),
        signed_by=_person(rng),
        implements=central.plan,
    )
    phases = [
        PlanPhase.objects.create(
            plan=plan,
            name=f"6 tháng đầu năm {year}",
            sort_order=1,
            start_date=datetime.date(year, 1, 1),
            end_date=datetime.date(year, 6, 30),
        ),
        PlanPhase.objects.create(
            plan=plan,
            name=f"6 tháng cuối năm {year}",
            sort_order=2,
            start_date=datetime.date(year, 7, 1),
            end_date=datetime.date(year, 12, 31),
        ),
    ]
    # Each group carries out the central plan's group of the same number (TaskGroup.implements).
    groups = {
        number: TaskGroup.objects.create(
            plan=plan, number=number, name=name, implements=central.groups[number]
        )
        for number, name in enumerate(cat.PLAN_02_GROUPS, start=1)
    }
    officer = (
        accounts["tinh.vanphong"]
        if province.code == DEMO_COMMUNE_PROVINCE
        else _placeholder_officer(
            f"tinh{province.code}.vanphong",
            province,
            Role.PROVINCE_OFFICER,
            f"Văn phòng Ban Chỉ đạo {label}",
        )
    )
    leader_name = _person(rng)
    _ensure_committee(
        province,
        f"Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số {label}",
        f"{rng.randint(100, 900)}-QĐ/TU",
        datetime.date(2025, rng.randint(1, 3), rng.randint(1, 28)),
        [
            (
                _person(rng),
                "Bí thư Tỉnh ủy" if province.division_type == DivisionType.TINH else "Bí thư Thành ủy",
                CommitteeRole.HEAD,
            ),
            (leader_name, "Chủ tịch UBND", CommitteeRole.DEPUTY),
            (_person(rng), "Giám đốc Sở Khoa học và Công nghệ", CommitteeRole.STANDING_OFFICE),
            (_person(rng), "Giám đốc Sở Nội vụ", CommitteeRole.MEMBER),
            (_person(rng), "Giám đốc Sở Tài chính", CommitteeRole.MEMBER),
            (_person(rng), "Giám đốc Công an tỉnh", CommitteeRole.MEMBER),
        ],
        linked_user=accounts["tinh.lanhdao"] if province.code == DEMO_COMMUNE_PROVINCE else None,
    )
    ministries = list(Unit.objects.filter(kind=UnitKind.MINISTRY).order_by("code"))
    tasks: list[Task] = []
    lives: list[Life] = []
    authors: dict[int, User] = {}
    coordinators: dict[int, list[Unit]] = {}

    def add(task: Task, life: Life, author: User, coordinating: Sequence[Unit] = ()) -> Task:
        task.start_date, task.deadline = life.start, life.deadline
        task.phase = (
            phases[0]
            if life.deadline <= phases[0].end_date
            else (phases[1] if life.deadline.year == year else None)
        )
        tasks.append(task)
        lives.append(life)
        authors[id(task)] = author
        if coordinating:
            coordinators[id(task)] = list(coordinating)
        return task

    def province_task(
        number: int, group: int, title: str, product: str, parent: Task | None = None, is_key=False
    ):
        life = build_life(rng, pick_scenario(rng, 0.6), today)
        return add(
            Task(
                plan=plan,
                code=f"NV-{number:03d}",
                title=title,
                task_group=groups[group],
                parent=parent,
                lead_unit=province,
                responsible_name=leader_name,
                responsible_position="Chủ tịch UBND",
                approving_authority=f"Ban Chỉ đạo {label}",
                expected_product=product,
                is_key=is_key,
            ),
            life,
            officer,
            rng.sample(ministries, rng.randint(0, 2)),
        )

    number = 0
    for central_task in central.cascading_tasks:
        number += 1
        assert central_task.task_group is not None  # every central task is in a group of Plan 02
        province_task(
            number,
            central_task.task_group.number,
            central_task.title,
            central_task.expected_product,
            parent=central_task,
            is_key=True,
        )
    cascade_parents = []
    for group, title, product in cat.COMMUNE_TASKS:
        number += 1
        cascade_parents.append(
            (
                province_task(
                    number,
                    group,
                    f"Chỉ đạo, đôn đốc 100% xã, phường thực hiện: {title[0].lower()}{title[1:]}",
                    product,
                ),
                group,
                title,
                product,
            )
        )
    total = PROVINCE_TASK_COUNTS.get(province.code, rng.randint(60, 120))
    used = set()
    while number < total:
        group = rng.randint(1, 8)
        template, product = rng.choice(cat.PROVINCE_TEMPLATES[group])
        title = template.format(x=rng.choice(cat.SUBJECTS))
        if title in used:
            continue
        used.add(title)
        number += 1
        province_task(number, group, title[0].upper() + title[1:], product, is_key=rng.random() < 0.15)

    communes = list(
        Unit.objects.filter(province=province, kind=UnitKind.COMMUNE)
        .exclude(code__in=UNITS_WITHOUT_LOCAL_WORK)
        .order_by("code")
    )
    commune_officers = _commune_officers(communes, accounts, demo_commune)
    for commune in communes:
        crng = random.Random(f"nq57-commune-{commune.code}")
        diligence = crng.betavariate(2.2, 1.6)
        chair = _person(crng)
        for parent, group, title, product in cascade_parents:
            life = build_life(crng, pick_scenario(crng, diligence), today)
            add(
                Task(
                    plan=plan,
                    code=f"{parent.code}/{commune.code}",
                    title=title,
                    task_group=groups[group],
                    parent=parent,
                    lead_unit=commune,
                    responsible_name=chair,
                    responsible_position=f"Chủ tịch UBND {commune.name}",
                    approving_authority=f"UBND {label}",
                    expected_product=product,
                    is_key=parent.is_key,
                ),
                life,
                commune_officers[commune.pk],
            )
    _commune_committees(communes, accounts, demo_commune)
    _withdraw_a_copy(tasks, lives, today)
    return _write_tasks(tasks, lives, authors, coordinators)


def _withdraw_a_copy(tasks: list[Task], lives: list[Life], today: datetime.date) -> None:
    """One commune's open copy taken back by the province, as an office does when it
    assigned a task by mistake, so the demo shows a withdrawal and its reason."""
    for task, life in reversed(list(zip(tasks, lives, strict=True))):
        if task.lead_unit.kind == UnitKind.COMMUNE and life.status not in (TaskStatus.COMPLETED,):
            day = max(today - datetime.timedelta(days=3), life.steps[-1].day if life.steps else life.created)
            life.steps.append(
                Step(day, TaskStatus.WITHDRAWN, life.progress, cat.WITHDRAWAL_REASON, by_assigner=True)
            )
            life.status = TaskStatus.WITHDRAWN
            return


def _person(rng: random.Random) -> str:
    return f"{rng.choice(cat.SURNAMES)} {rng.choice(cat.MIDDLE_NAMES)} {rng.choice(cat.GIVEN_NAMES)}"


def _placeholder_officer(username: str, unit: Unit, role: str, position: str) -> User:
    # Stands for a real official who has not logged in yet: no usable password.
    user, created = User.objects.get_or_create(
        username=username, defaults={"position": position, "full_name": position}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return user


def _commune_officers(
    communes: list[Unit], accounts: dict[str, User], demo_commune: Unit | None
) -> dict[int, User]:
    usernames = {f"xa{c.code}": c for c in communes}
    existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
    new_users = []
    for username, commune in usernames.items():
        if username not in existing:
            user = User(
                username=username,
                full_name=f"Cán bộ {commune.name}",
                position="Công chức Văn phòng - Thống kê",
            )
            user.set_unusable_password()
            new_users.append(user)
    User.objects.bulk_create(new_users, batch_size=1000)
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    Membership.objects.bulk_create(
        [
            Membership(user=users[name], unit=commune, role=Role.COMMUNE_OFFICER)
            for name, commune in usernames.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    officers = {commune.pk: users[name] for name, commune in usernames.items()}
    if demo_commune and demo_commune.pk in officers:
        officers[demo_commune.pk] = accounts["xa.canbo"]
    return officers


def _commune_committees(communes: list[Unit], accounts: dict[str, User], demo_commune: Unit | None) -> None:
    have = set(SteeringCommittee.objects.filter(unit__in=communes).values_list("unit_id", flat=True))
    committees = [
        SteeringCommittee(
            unit=c,
            name=f"Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số {c.name}",
            decision_number=f"{random.Random(c.code).randint(10, 250)}-QĐ/ĐU",
            decision_date=datetime.date(2025, 7, random.Random(c.code).randint(2, 31)),
        )
        for c in communes
        if c.pk not in have
    ]
    SteeringCommittee.objects.bulk_create(committees, batch_size=1000)
    saved = SteeringCommittee.objects.filter(unit__in=[c.unit for c in committees]).select_related("unit")
    members = []
    for committee in saved:
        rng = random.Random(f"nq57-committee-{committee.unit.code}")
        is_demo = demo_commune is not None and committee.unit_id == demo_commune.pk
        for order, (position, role) in enumerate(
            [
                ("Bí thư Đảng ủy", CommitteeRole.HEAD),
                ("Chủ tịch UBND", CommitteeRole.DEPUTY),
                ("Văn phòng HĐND và UBND", CommitteeRole.STANDING_OFFICE),
                ("Trưởng Công an", CommitteeRole.MEMBER),
                ("Công chức Văn hóa - Xã hội", CommitteeRole.MEMBER),
            ]
        ):
            user = accounts["xa.lanhdao"] if is_demo and role == CommitteeRole.DEPUTY else None
            name = user.full_name if user else _person(rng)
            members.append(
                CommitteeMember(
                    committee=committee,
                    full_name=name,
                    position=position,
                    role=role,
                    user=user,
                    sort_order=order,
                )
            )
    CommitteeMember.objects.bulk_create(members, batch_size=2000)


def _ensure_committee(unit, name, number, date, members, linked_user: User | None = None) -> None:
    committee, created = SteeringCommittee.objects.get_or_create(
        unit=unit, defaults={"name": name, "decision_number": number, "decision_date": date}
    )
    if not created:
        return
    CommitteeMember.objects.bulk_create(
        CommitteeMember(
            committee=committee,
            full_name=full_name,
            position=position,
            role=role,
            sort_order=order,
            user=linked_user if linked_user and role == CommitteeRole.DEPUTY else None,
        )
        for order, (full_name, position, role) in enumerate(members)
    )


# --- writing tasks and their histories -------------------------------------------------------


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(rng.randint(7, 17), rng.randint(0, 59)), LOCAL_TZ)


def _write_tasks(
    tasks: list[Task],
    lives: list[Life],
    authors: dict[int, User],
    coordinators: dict[int, list[Unit]] | None = None,
) -> tuple[int, int]:
    rng = random.Random(len(tasks))
    # Every recorded change is by the task's author: it is the unit's own update when the
    # author is a member of the lead unit (see Task.last_own_update_at).
    member_of = set(
        Membership.objects.filter(user__in={a.pk for a in authors.values()}).values_list("user_id", "unit_id")
    )
    for task, life in zip(tasks, lives, strict=True):
        task.status, task.progress, task.completed_on = (
            life.status,
            life.progress,
            life.completed_on,
        )
        task.start_date, task.deadline = life.start, life.deadline
        task.version = 1 + len(life.steps)
        task.created_at = _at(life.created, rng)
        task.updated_at = _at(life.steps[-1].day, rng) if life.steps else task.created_at
        reporter = authors[id(task)]
        # A copy cascaded in this batch was assigned by its parent's author (the province's
        # office); its unit's own officer reports on it.
        task.created_by = authors.get(id(task.parent), reporter) if task.parent is not None else reporter
        own_steps = [step for step in life.steps if not step.by_assigner]
        if (reporter.pk, task.lead_unit.pk) not in member_of:
            task.last_own_update_at = None
        elif own_steps and own_steps == life.steps:
            task.last_own_update_at = task.updated_at
        elif own_steps:
            task.last_own_update_at = _at(own_steps[-1].day, rng)
        else:  # only its creation: the unit's own when the unit created it
            task.last_own_update_at = task.created_at if task.created_by is reporter else None
    # Parents first: a child in the same batch needs its parent's id.
    created_ids: set[int] = set()
    pending = list(tasks)
    while pending:
        ready = [t for t in pending if t.parent is None or t.parent.pk is not None]
        for t in ready:
            if t.parent is not None:
                t.parent_id = t.parent.pk
        Task.objects.bulk_create(ready, batch_size=1000)
        created_ids.update(id(t) for t in ready)
        pending = [t for t in pending if id(t) not in created_ids]

    through = Task.coordinating_units.through
    through.objects.bulk_create(
        [through(task_id=t.pk, unit_id=u.pk) for t in tasks for u in (coordinators or {}).get(id(t), [])],
        batch_size=2000,
    )
    updates = []
    evidence_for = []
    for task, life in zip(tasks, lives, strict=True):
        author = authors[id(task)]
        updates.append(
            # Built with its final state, the task's history still starts at "not started".
            TaskUpdate.for_creation(
                task,
                author=task.created_by,
                note="Giao nhiệm vụ.",
                status_after=TaskStatus.NOT_STARTED,
                progress_after=0,
            )
        )
        status: str = TaskStatus.NOT_STARTED
        progress = 0
        for version, step in enumerate(life.steps, start=2):
            when = task.updated_at if version == task.version else _at(step.day, rng)
            step_author: User | None = author
            if step.by_assigner:
                assert task.parent is not None  # only a copy is withdrawn by whoever assigned it
                step_author = task.parent.created_by
            update = TaskUpdate(
                task=task,
                author=step_author,
                created_at=when,
                kind=UpdateKind.WITHDRAWN if step.status == TaskStatus.WITHDRAWN else UpdateKind.PROGRESS,
                version=version,
                status_before=status,
                status_after=step.status,
                progress_before=progress,
                progress_after=step.progress,
                note=step.note,
                difficulties=step.difficulties,
            )
            updates.append(update)
            if step.status == TaskStatus.COMPLETED and author.has_usable_password():
                evidence_for.append(update)
            status, progress = step.status, step.progress
    TaskUpdate.objects.bulk_create(updates, batch_size=2000)
    _attach_evidence(evidence_for)
    return len(tasks), len(updates)


def _attach_evidence(updates: list[TaskUpdate]) -> None:
    rows = []
    for update in updates:
        text = f"Bao cao ket qua nhiem vu {update.task.code}"
        content = _tiny_pdf(text)
        digest = hashlib.sha256(content).hexdigest()
        evidence = Evidence(
            update=update,
            original_name=f"bao-cao-ket-qua-{update.task.code.replace('/', '-')}.pdf",
            size=len(content),
            content_type="application/pdf",
            sha256=digest,
        )
        path = f"evidence/{digest[:2]}/{digest}"
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(content))
        evidence.file.name = path
        rows.append(evidence)
    Evidence.objects.bulk_create(rows)


def _tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF with one line of ASCII text: enough to be real evidence."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
