import contextlib
import datetime
import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from tasks_app.models import Membership, Plan, Role, Task, TaskStatus, Unit, UnitKind, User


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The real hierarchy is reference data every test stands on; load it once.
    with django_db_blocker.unblock():
        call_command("load_units", verbosity=0, stdout=io.StringIO())
        if os.environ.get("REDIS_URL"):
            # The real-worker tests commit, so the database is flushed after them; this
            # snapshot of the reference data (units, policy) is what serialized_rollback restores.
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture
def root(db) -> Unit:
    return Unit.objects.get(kind=UnitKind.CENTRAL)


@pytest.fixture
def nghe_an(db) -> Unit:
    return Unit.objects.get(code="40")


@pytest.fixture
def commune(nghe_an) -> Unit:
    return Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code").first()


@pytest.fixture
def plan(nghe_an) -> Plan:
    return Plan.objects.create(
        issuing_unit=nghe_an,
        code="125/KH-UBND",
        title="Kế hoạch thử nghiệm",
        issue_date=datetime.date(2026, 1, 15),
    )


@pytest.fixture
def alice(db) -> User:
    """An account in no unit (no membership): she signs in, but has no role, so the
    officials' pages show her nothing. Tests use her as a plain author, as a user with no
    rights, and to add memberships of their own; for a commune officer, see xa_officer."""
    return User.objects.create_user("alice", password="x", full_name="Nguyễn Thị An")


@pytest.fixture
def staff_admin(db) -> User:
    return User.objects.create_superuser("root", password="x", full_name="Quản trị")


@pytest.fixture
def make_task(plan, commune):
    counter = iter(range(1, 10_000))

    def make(**overrides) -> Task:
        fields = {
            "plan": plan,
            "code": f"T-{next(counter):04d}",
            "title": "Số hóa hồ sơ hộ tịch",
            "lead_unit": commune,
            "responsible_name": "Phạm Văn Bình",
            "approving_authority": "UBND tỉnh Nghệ An",
            "start_date": datetime.date(2026, 1, 1),
            "deadline": datetime.date(2026, 6, 30),
            "expected_product": "Báo cáo kết quả số hóa",
            "status": TaskStatus.IN_PROGRESS,
            "progress": 40,
        }
        fields.update(overrides)
        return Task.objects.create(**fields)

    return make


# --- Personas for the officials' pages -----------------------------------------------------------


def _member(username: str, unit: Unit, role: str) -> User:
    user = User.objects.create_user(username, password="pw-" + username, full_name=username.title())
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def other_commune(commune) -> Unit:
    """Another commune of the same province."""
    return (
        Unit.objects.filter(province=commune.province, kind=UnitKind.COMMUNE).exclude(pk=commune.pk).first()
    )


@pytest.fixture
def far_commune(db) -> Unit:
    """A commune of another province (Quảng Trị)."""
    return Unit.objects.filter(province__code="44", kind=UnitKind.COMMUNE).order_by("code").first()


@pytest.fixture
def xa_officer(commune) -> User:
    """Commune officer of `commune`: edits its tasks."""
    return _member("xa_officer", commune, Role.COMMUNE_OFFICER)


@pytest.fixture
def xa_leader(commune) -> User:
    return _member("xa_leader", commune, Role.COMMUNE_LEADER)


@pytest.fixture
def neighbour_officer(other_commune) -> User:
    """Officer of another commune in the same province."""
    return _member("neighbour", other_commune, Role.COMMUNE_OFFICER)


@pytest.fixture
def tinh_officer(nghe_an) -> User:
    return _member("tinh_officer", nghe_an, Role.PROVINCE_OFFICER)


@pytest.fixture
def tinh_leader(nghe_an) -> User:
    return _member("tinh_leader", nghe_an, Role.PROVINCE_LEADER)


@pytest.fixture
def outsider(far_commune) -> User:
    """Officer of a commune in another province: sees nothing of Nghệ An."""
    return _member("outsider", far_commune, Role.COMMUNE_OFFICER)


@pytest.fixture
def central_viewer(root) -> User:
    return _member("tw_viewer", root, Role.CENTRAL_VIEWER)


@contextlib.contextmanager
def reference_data_kept(django_db_blocker):
    """For tests that commit (live servers, workers, on_commit jobs), each of which ends with
    a flush of the whole database: their serialized_rollback restores a snapshot that
    includes the units only when REDIS_URL is set, so take it here otherwise; afterwards,
    put the reference data (units, greening policy) back for the tests that follow."""
    with django_db_blocker.unblock():
        snapshot = getattr(connection, "_test_serialized_contents", None)
        if (snapshot is None or '"tasks_app.unit"' not in snapshot) and Unit.objects.exists():
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        if not Unit.objects.exists():
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


@pytest.fixture(autouse=True)
def language_of_the_thread_reset():
    """A page read with the English language cookie leaves English active in the thread
    after the response (LocaleMiddleware activates, nothing deactivates): a later test in
    the same worker would then read English where it expects Vietnamese."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
