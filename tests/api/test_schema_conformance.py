"""The API against its own OpenAPI schema (schemathesis): every operation the schema
lists, called in-process through the WSGI app with a commune officer's token and with a
province officer's, must never answer 5xx, and must answer only the documented statuses,
content types, headers and bodies; a request that breaks the schema must be refused.

Every operation in the schema is tested: an endpoint added to the API is picked up here
without any change. The commune officer runs every phase (the schema's examples, the
coverage phase's boundary and invalid values, and random fuzzing); the province officer,
whose answers differ only in what they may see, runs the fuzzing. The runs are bounded
and derandomised, so CI sees the same cases every time.

An operation on one object (a path with `{id}`) is also called once on an object the
persona may see, found through the list above it: random ids almost always answer 404,
and the bodies of real objects must match the schema too.
"""

import functools
import re
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig

from tasks_app.models import Evidence
from tests.api.world import Places, make_objects

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1/"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.missing_required_header,
    schemathesis.checks.ignored_auth,
]
# Few examples per operation: the coverage phase already tries each parameter's edges,
# and the whole file must stay well under a minute.
BOUNDED = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _load(*, coverage: bool) -> Any:
    config = SchemathesisConfig.from_dict(
        {
            "seed": 57,
            # A write without If-Match answers 428, with a stale one 412 (docs/api.md): the
            # answers to a missing header and to a request that breaks the schema include them.
            "checks": {
                "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 412, 415, 422, 428, 429]
                },
            },
            "phases": {
                "coverage": {
                    "enabled": coverage,
                    # Every method on every route is in the permission matrix; here a couple
                    # of unexpected ones suffice to check that 405 is documented.
                    "unexpected-methods": ["delete", "post"],
                },
                "stateful": {"enabled": False},
            },
        }
    )
    # The schema the API serves at /api/v1/schema/ (the same generator), read without a request.
    schema = schemathesis.openapi.from_dict(
        SchemaGenerator().get_schema(request=None, public=True), config=config
    )
    schema.app = _keeping_the_test_connection
    return schema


_django_app = get_wsgi_application()


def _keeping_the_test_connection(environ: dict[str, Any], start_response: Any) -> Any:
    """The app, without the signal handler that closes the database connection when a
    request ends: it would close the transaction the test runs in (on PostgreSQL). Django's
    test client does the same, and connects it again after each of its own requests; the
    fixture connects it again after the test."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    return _django_app(environ, start_response)


every_phase = _load(coverage=True)
fuzzing_only = _load(coverage=False)


@pytest.fixture
def as_persona(request, settings, monkeypatch, token_for):
    """`as_persona(user)`: the Authorization header of a fresh read-write token, in a world
    with an object of each kind in each place (tests/api/world.py)."""
    make_objects(Places.load())
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis' WSGI host
    # Hundreds of requests a second with one token: the rate limits have their own tests.
    monkeypatch.setattr("rest_framework.views.APIView.get_throttles", lambda view: [])
    for signal in (request_started, request_finished):  # see _keeping_the_test_connection
        request.addfinalizer(functools.partial(signal.connect, close_old_connections))

    @functools.cache  # one token for all the test's examples (a user may hold only so many)
    def make(user) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(user)}"}

    return make


PATH_PARAMETER = re.compile(r"\{(\w+)\}")
# Where a parameter's ids are found when no list above it holds them: a task's files are
# listed in its history, not at /tasks/{id}/evidence/.
FIND = {
    "evidence_id": lambda values: Evidence.objects.filter(update__task=values["id"]).values_list(
        "pk", flat=True
    )[0],
}


def _visible_path_parameters(path: str, headers: dict[str, str]) -> dict[str, Any] | None:
    """Ids the persona may see for each `{name}` of `path`, each taken from the first row of
    the list above it (`/units/{id}/` from `/units/`); None when a list is empty."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=headers["Authorization"])
    values: dict[str, Any] = {}
    for match in PATH_PARAMETER.finditer(path):
        if match.group(1) in FIND:
            values[match.group(1)] = FIND[match.group(1)](values)
            continue
        above = path[: match.start()].format(**values)
        listed = client.get(above).json()
        rows = listed.get("results", []) if isinstance(listed, dict) else listed
        if not rows:
            return None
        values[match.group(1)] = rows[0]["id"]
    return values


def _check(case, request, headers: dict[str, str]) -> None:
    case.call_and_validate(headers=headers, checks=CHECKS)
    if not PATH_PARAMETER.search(case.path) or getattr(request.node, "_visible_case_done", False):
        return
    request.node._visible_case_done = True
    parameters = _visible_path_parameters(case.path, headers)
    assert parameters is not None, f"{case.operation.label}: the persona sees nothing in the list above it"
    case.operation.Case(path_parameters=parameters).call_and_validate(headers=headers, checks=CHECKS)


@every_phase.parametrize()
@BOUNDED
def test_as_a_commune_officer(case, request, as_persona, xa_officer):
    _check(case, request, as_persona(xa_officer))


@fuzzing_only.parametrize()
@BOUNDED
def test_as_a_province_officer(case, request, as_persona, tinh_officer):
    _check(case, request, as_persona(tinh_officer))


def test_the_schema_tested_here_is_the_one_the_api_serves(api):
    served = api.get(f"{API_PREFIX}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert served == SchemaGenerator().get_schema(request=None, public=True)
