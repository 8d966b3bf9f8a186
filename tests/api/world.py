"""The objects the API tests stand on, one of each kind in each of a few places, so that
a test can ask for "the task of the home commune" or "the plan of the far province".

Places:
    home       a commune of Nghệ An: the commune officer's and the commune leader's own
    neighbour  another commune of Nghệ An: seen by the province, not by the home commune
    province   Nghệ An itself (units only)
    far        a commune of Quảng Trị and that province: foreign to everyone in Nghệ An
    central    the centre: its plan and committee are seen by everyone with a unit

A kind has an object only in the places where one makes sense (no plan is issued by a
commune: the home plan is Nghệ An's). To add a kind (a report, a task's update...), add
it to `make_objects` in the places where it exists. Every task has one update with one
evidence file; reports are ready, with a (tiny) PDF.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.models import Model
from django.utils import timezone

from reports.models import Report, ReportKind, ReportStatus, Week
from tasks_app.models import (
    CommitteeMember,
    CommitteeRole,
    Evidence,
    Plan,
    PlanPhase,
    SteeringCommittee,
    Task,
    TaskGroup,
    TaskStatus,
    TaskUpdate,
    Unit,
    UnitKind,
)
from tests.evidence_samples import PDF


@dataclass(frozen=True)
class Places:
    home: Unit
    neighbour: Unit
    province: Unit
    far: Unit
    far_province: Unit
    central: Unit

    @classmethod
    def load(cls) -> "Places":
        province = Unit.objects.get(code="40")
        communes = Unit.objects.filter(province=province, kind=UnitKind.COMMUNE).order_by("code")
        far_province = Unit.objects.get(code="44")
        return cls(
            home=communes[0],
            neighbour=communes[1],
            province=province,
            far=Unit.objects.filter(province=far_province, kind=UnitKind.COMMUNE).order_by("code").first(),
            far_province=far_province,
            central=Unit.objects.get(kind=UnitKind.CENTRAL),
        )


Objects = dict[str, dict[str, Model]]  # objects[kind][place]


def make_objects(places: Places) -> Objects:
    """One object of each kind in each place where it exists."""
    plans = {
        "home": _plan(places.province, "125/KH-UBND"),
        "far": _plan(places.far_province, "88/KH-UBND"),
        "central": _plan(places.central, "57-NQ/TW"),
    }
    phases = {
        place: PlanPhase.objects.create(
            plan=plan,
            name="Giai đoạn 1",
            sort_order=1,
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
        )
        for place, plan in plans.items()
    }
    groups = {
        place: TaskGroup.objects.create(plan=plan, number=1, name="Hạ tầng số")
        for place, plan in plans.items()
    }
    committees = {
        place: _committee(unit)
        for place, unit in {
            "home": places.home,
            "neighbour": places.neighbour,
            "far": places.far,
            "central": places.central,
        }.items()
    }
    tasks = {
        "home": _task(plans["home"], places.home, "NA-1"),
        "neighbour": _task(plans["home"], places.neighbour, "NA-2"),
        "far": _task(plans["far"], places.far, "QT-1"),
    }
    reports = {
        "home": _report(ReportKind.COMMUNE_SUMMARY, places.home),
        "province": _report(ReportKind.PROVINCE_WEEKLY, places.province),
        "far": _report(ReportKind.PROVINCE_WEEKLY, places.far_province),
    }
    return {
        "unit": {
            "home": places.home,
            "neighbour": places.neighbour,
            "province": places.province,
            "far": places.far,
            "central": places.central,
        },
        "plan": dict(plans),
        "phase": dict(phases),
        "task-group": dict(groups),
        "committee": dict(committees),
        "task": dict(tasks),
        "evidence": {place: _evidence(task) for place, task in tasks.items()},
        "report": dict(reports),
    }


def _plan(unit: Unit, code: str) -> Plan:
    return Plan.objects.create(
        issuing_unit=unit, code=code, title=f"Kế hoạch {code}", issue_date=datetime.date(2026, 1, 15)
    )


def _committee(unit: Unit) -> SteeringCommittee:
    committee = SteeringCommittee.objects.update_or_create(
        unit=unit,
        defaults={
            "name": f"Ban chỉ đạo {unit.name}",
            "decision_number": "12/QĐ",
            "decision_date": datetime.date(2025, 9, 1),
        },
    )[0]
    CommitteeMember.objects.get_or_create(
        committee=committee,
        full_name="Trần Văn Trưởng",
        defaults={"position": "Chủ tịch", "role": CommitteeRole.HEAD},
    )
    return committee


def _task(plan: Plan, unit: Unit, code: str) -> Task:
    return Task.objects.create(
        plan=plan,
        code=code,
        title="Số hóa hồ sơ hộ tịch",
        lead_unit=unit,
        responsible_name="Phạm Văn Bình",
        approving_authority="UBND tỉnh",
        start_date=datetime.date(2026, 1, 1),
        deadline=datetime.date(2026, 6, 30),
        expected_product="Báo cáo kết quả số hóa",
        status=TaskStatus.IN_PROGRESS,
        progress=40,
    )


def _evidence(task: Task) -> Evidence:
    update = TaskUpdate.for_creation(task, author=None, note="Biên bản")
    update.save()
    evidence = Evidence(
        update=update,
        original_name="bien-ban.pdf",
        size=len(PDF),
        content_type="application/pdf",
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    evidence.file.save("bien-ban.pdf", ContentFile(PDF), save=False)
    evidence.save()
    return evidence


def _report(kind: str, unit: Unit) -> Report:
    """A finished weekly report, ready to download (the rendering has its own tests)."""
    week = Week.last_finished()
    report = Report.objects.create(kind=kind, unit=unit, period_start=week.start)
    report.size, report.pages, report.sha256 = len(PDF), 1, hashlib.sha256(PDF).hexdigest()
    report.file.save(f"matrix-{unit.code}.pdf", ContentFile(PDF), save=False)
    report.status, report.generated_at, report.figures_on = ReportStatus.READY, timezone.now(), week.end
    report.save()
    return report
