"""Every database constraint refuses the row it exists to refuse, and accepts a good one."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tasks_app.models import (
    CommitteeMember,
    CommitteeRole,
    DivisionType,
    Evidence,
    Membership,
    Plan,
    PlanPhase,
    SteeringCommittee,
    Task,
    TaskGroup,
    TaskStatus,
    TaskUpdate,
    Unit,
    UnitKind,
    UpdateKind,
)


def refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_a_valid_task_is_accepted(make_task):
    task = make_task()
    assert Task.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize("progress", [101, 250])
def test_progress_above_100_is_refused(make_task, progress):
    refused(lambda: make_task(progress=progress))


def test_deadline_before_start_is_refused(make_task):
    refused(lambda: make_task(start_date=datetime.date(2026, 5, 1), deadline=datetime.date(2026, 4, 30)))


def test_deadline_on_start_day_is_accepted(make_task):
    make_task(start_date=datetime.date(2026, 5, 1), deadline=datetime.date(2026, 5, 1))


def test_completed_below_100_is_refused(make_task):
    refused(
        lambda: make_task(status=TaskStatus.COMPLETED, progress=90, completed_on=datetime.date(2026, 5, 1))
    )


def test_completed_without_a_date_is_refused(make_task):
    refused(lambda: make_task(status=TaskStatus.COMPLETED, progress=100, completed_on=None))


def test_completed_at_100_with_a_date_is_accepted(make_task):
    make_task(status=TaskStatus.COMPLETED, progress=100, completed_on=datetime.date(2026, 5, 1))


def test_a_completion_date_on_an_open_task_is_refused(make_task):
    refused(lambda: make_task(status=TaskStatus.IN_PROGRESS, completed_on=datetime.date(2026, 5, 1)))


def test_an_unknown_status_is_refused(make_task):
    refused(lambda: make_task(status="done"))


def test_a_task_without_a_responsible_person_is_refused(make_task):
    refused(lambda: make_task(responsible_name="", responsible_user=None))


def test_a_responsible_account_alone_is_enough(make_task, alice):
    make_task(responsible_name="", responsible_user=alice)


def test_a_task_without_a_product_is_refused(make_task):
    refused(lambda: make_task(expected_product=""))


def test_a_task_without_an_approving_authority_is_refused(make_task):
    refused(lambda: make_task(approving_authority=""))


def test_a_task_code_repeats_only_across_plans(make_task, nghe_an):
    make_task(code="NV-001")
    refused(lambda: make_task(code="NV-001"))
    other = Plan.objects.create(
        issuing_unit=nghe_an, code="999/KH-UBND", title="Khác", issue_date=datetime.date(2026, 2, 1)
    )
    make_task(code="NV-001", plan=other)


def test_a_task_cannot_be_its_own_parent(make_task):
    task = make_task()
    refused(lambda: Task.objects.filter(pk=task.pk).update(parent_id=task.pk))


def test_task_version_starts_positive(make_task):
    refused(lambda: make_task(version=0))


def test_plan_numbers_repeat_only_across_issuers(plan, nghe_an):
    refused(
        lambda: Plan.objects.create(
            issuing_unit=nghe_an,
            code=plan.code,
            title="Trùng",
            issue_date=datetime.date(2026, 1, 1),
        )
    )
    Plan.objects.create(
        issuing_unit=Unit.objects.get(code="44"),
        code=plan.code,
        title="Quảng Trị",
        issue_date=datetime.date(2026, 1, 1),
    )


def test_a_phase_cannot_end_before_it_starts(plan):
    refused(
        lambda: PlanPhase.objects.create(
            plan=plan,
            name="P",
            sort_order=1,
            start_date=datetime.date(2026, 7, 1),
            end_date=datetime.date(2026, 6, 30),
        )
    )


def test_task_group_numbers_are_unique_within_a_plan(plan):
    TaskGroup.objects.create(plan=plan, number=1, name="Thể chế")
    refused(lambda: TaskGroup.objects.create(plan=plan, number=1, name="Hạ tầng"))


def test_there_is_one_central_root(root):
    refused(lambda: Unit.objects.create(code="TW2", name="Trung ương 2", kind=UnitKind.CENTRAL))


def test_a_province_needs_a_parent(db):
    refused(
        lambda: Unit.objects.create(
            code="99", name="Tỉnh mồ côi", kind=UnitKind.PROVINCE, division_type=DivisionType.TINH
        )
    )


def test_a_commune_needs_a_commune_division_type(nghe_an):
    refused(
        lambda: Unit.objects.create(
            code="99999",
            name="Xã sai loại",
            kind=UnitKind.COMMUNE,
            division_type=DivisionType.TINH,
            parent=nghe_an,
        )
    )


def test_a_communes_province_is_its_parent(nghe_an):
    quang_tri = Unit.objects.get(code="44")
    refused(
        lambda: Unit.objects.bulk_create(
            [
                Unit(
                    code="99998",
                    name="Xã lệch",
                    kind=UnitKind.COMMUNE,
                    division_type=DivisionType.XA,
                    parent=nghe_an,
                    province=quang_tri,
                )
            ]
        )
    )


def test_saving_a_unit_derives_its_province(nghe_an, root):
    commune = Unit.objects.create(
        code="99997",
        name="Xã mới",
        kind=UnitKind.COMMUNE,
        division_type=DivisionType.XA,
        parent=nghe_an,
    )
    assert commune.province_id == nghe_an.pk
    province = Unit.objects.create(
        code="98",
        name="Tỉnh mới",
        kind=UnitKind.PROVINCE,
        division_type=DivisionType.TINH,
        parent=root,
    )
    province.refresh_from_db()
    assert province.province_id == province.pk


def test_a_committee_has_one_head(nghe_an):
    committee = SteeringCommittee.objects.create(
        unit=nghe_an, name="BCĐ", decision_number="1-QĐ/TU", decision_date=datetime.date(2025, 2, 1)
    )
    CommitteeMember.objects.create(
        committee=committee, full_name="A", position="Bí thư", role=CommitteeRole.HEAD
    )
    refused(
        lambda: CommitteeMember.objects.create(
            committee=committee, full_name="B", position="Bí thư", role=CommitteeRole.HEAD
        )
    )
    CommitteeMember.objects.create(
        committee=committee, full_name="C", position="Chủ tịch", role=CommitteeRole.DEPUTY
    )


def test_a_membership_is_unique_per_role(alice, commune):
    Membership.objects.create(user=alice, unit=commune, role="commune_officer")
    refused(lambda: Membership.objects.create(user=alice, unit=commune, role="commune_officer"))
    Membership.objects.create(user=alice, unit=commune, role="commune_leader")


def test_an_unknown_role_is_refused(alice, commune):
    refused(lambda: Membership.objects.create(user=alice, unit=commune, role="king"))


def _update(task, version=1, **fields):
    values = {
        "task": task,
        "kind": UpdateKind.PROGRESS,
        "version": version,
        "status_after": task.status,
        "progress_after": task.progress,
    }
    values.update(fields)
    return TaskUpdate.objects.create(**values)


def test_one_update_per_task_version(make_task):
    task = make_task()
    _update(task, version=2)
    refused(lambda: _update(task, version=2))


def test_update_progress_stays_in_range(make_task):
    refused(lambda: _update(make_task(), progress_after=120))


def test_the_database_refuses_to_rewrite_history(make_task):
    update = _update(make_task(), note="Đúng")
    refused(lambda: TaskUpdate.objects.filter(pk=update.pk).update(note="Sửa lịch sử"))
    assert TaskUpdate.objects.get(pk=update.pk).note == "Đúng"


def test_the_model_refuses_to_resave_an_update(make_task):
    update = _update(make_task())
    update.note = "Sửa"
    with pytest.raises(TypeError):
        update.save()


def test_evidence_needs_a_full_sha256(make_task):
    update = _update(make_task())
    refused(
        lambda: Evidence.objects.create(
            update=update,
            file="evidence/x",
            original_name="a.pdf",
            size=10,
            content_type="application/pdf",
            sha256="abc",
        )
    )
    Evidence.objects.create(
        update=update,
        file="evidence/y",
        original_name="a.pdf",
        size=10,
        content_type="application/pdf",
        sha256="a" * 64,
    )


def test_evidence_cannot_be_rewritten(make_task):
    update = _update(make_task())
    evidence = Evidence.objects.create(
        update=update,
        file="evidence/y",
        original_name="a.pdf",
        size=10,
        content_type="application/pdf",
        sha256="b" * 64,
    )
    refused(lambda: Evidence.objects.filter(pk=evidence.pk).update(original_name="khac.pdf"))
