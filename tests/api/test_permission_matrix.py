"""Who may do what through the API: every route × every method × every persona × objects
in and out of the persona's reach, one test per cell.

The routes come from the URL conf (`api_routes()` walks everything under /api/v1/), and
`ROUTES` below must list each of them with each method it answers: a new endpoint, or a
new method on an old one, fails `test_every_route_in_the_url_conf_is_in_the_matrix` until
its row is written. Methods a route does not answer are tried too (405).

How a cell's outcome is decided (`expected`), in the order the API decides it:
1. a revoked or expired token: 401, whatever the route;
2. a browser session writing without its CSRF token: 403;
3. a public route (the schema, its documentation page): 200 to GET, else 405;
4. no credentials: 401;
5. a feed token on a route that does not serve the feed: 403;
6. a read-only token (a feed token is one) writing: 403;
7. a method the route does not answer: 405;
8. an object the persona may not see: 404, as if it did not exist;
9. a write on an object the persona sees but may not change: 403;
10. otherwise the route's success status; a list (GET without an object in the path) shows
    the object if and only if the persona may see it.

Adding a route is one `Route(...)` row: its pattern as `api_routes()` prints it, the kind
of object it is about (tests/api/world.py makes one in each place), who sees the object in
each place (`seen_by`, usually one of the maps below), and its methods: READ, or
`Allow(201, by={place: personas}, request=...)` for a write, with a builder for a valid
request. For example, an update on a task, which its commune's officer may post:

    Route(
        "tasks/{task_pk}/updates/",
        {"GET": READ, "POST": Allow(201, by={"home": frozenset({"xa_officer"})}, request=an_update)},
        "task",
        BY_UNIT,
        params=lambda task: {"task_pk": task.pk},
    ),
A cell that the rules above get wrong for a good reason goes in `overrides`, with a comment.
"""

import datetime
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tasks_app.actions.tokens import IssuedToken, token_create, token_revoke
from tasks_app.api.concurrency import task_etag
from tasks_app.models import ApiToken, ApiTokenPurpose, Membership, Role, User
from tests.api.world import Objects, Places, make_objects

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SAFE_METHODS = frozenset({"GET"})

# --- Personas ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    name: str
    user: str | None  # whose rights the request carries (a key of USERS); None: nobody's
    credential: str  # token, session, read_only, revoked, expired, feed, none


# The accounts, with the membership that gives each its reach (None: no unit at all).
USERS: dict[str, tuple[str, str] | None] = {
    "alice": None,  # signs in, belongs to no unit
    "xa_officer": ("home", Role.COMMUNE_OFFICER),
    "xa_leader": ("home", Role.COMMUNE_LEADER),
    "outsider": ("far", Role.COMMUNE_OFFICER),  # a commune officer of another province
    "tinh_officer": ("province", Role.PROVINCE_OFFICER),
    "tinh_leader": ("province", Role.PROVINCE_LEADER),
    "central_viewer": ("central", Role.CENTRAL_VIEWER),
    "staff_admin": None,  # a superuser: sees everything through is_superuser
}

PERSONAS = [
    Persona("anonymous", None, "none"),
    *(Persona(name, name, "token") for name in USERS),
    Persona("session", "xa_officer", "session"),  # the browser, without the CSRF token
    Persona("read_only", "xa_officer", "read_only"),
    Persona("revoked", "xa_officer", "revoked"),
    Persona("expired", "xa_officer", "expired"),
    Persona("feed", "tinh_officer", "feed"),  # a feed token on every other endpoint
]

# Who sees what, by the user's reach.
HOME = frozenset({"xa_officer", "xa_leader"})
PROVINCE = frozenset({"tinh_officer", "tinh_leader"})
FAR = frozenset({"outsider"})
NATIONWIDE = frozenset({"central_viewer", "staff_admin"})
WITH_A_UNIT = HOME | PROVINCE | FAR | NATIONWIDE

# A unit, its board and whatever hangs on it: its own members, its province, the nation.
BY_UNIT = {
    "home": HOME | PROVINCE | NATIONWIDE,
    "neighbour": PROVINCE | NATIONWIDE,
    "province": PROVINCE | NATIONWIDE,
    "far": FAR | NATIONWIDE,
    "central": NATIONWIDE,
}
# A plan (and its phases and groups): the central ones for everyone with a unit, a
# province's for that province's people.
BY_PLAN = {"home": HOME | PROVINCE | NATIONWIDE, "far": FAR | NATIONWIDE, "central": WITH_A_UNIT}
# A steering committee is seen with its unit, and the central one by everyone with a unit.
BY_COMMITTEE = {key: BY_UNIT[key] for key in ("home", "neighbour", "far")} | {"central": WITH_A_UNIT}

# A task is seen with its lead unit (tests/api/world.py has none at the centre).
BY_TASK = {key: BY_UNIT[key] for key in ("home", "neighbour", "far")}
# A weekly report is seen with its unit; a province's, by its province's people only.
BY_REPORT = {"home": HOME | PROVINCE | NATIONWIDE, "province": PROVINCE | NATIONWIDE, "far": NATIONWIDE}
# Who may post an update on a task, as the web form allows.
UPDATE_TASK = {"home": frozenset({"xa_officer"}), "far": frozenset({"outsider"})}
# Who may ask for a unit's report, as the archive page allows.
ASK_FOR_REPORT = {"home": HOME | PROVINCE, "province": PROVINCE | NATIONWIDE, "far": NATIONWIDE}


def an_update(task: Any) -> dict[str, Any]:
    return {
        "data": {"status": "in_progress", "progress": 50, "note": "Đã số hóa thêm 200 hồ sơ"},
        "format": "json",
        "HTTP_IF_MATCH": task_etag(task),
    }


def a_report_request(report: Any) -> dict[str, Any]:
    return {"data": {"unit": report.unit_id, "week": report.period_start.isoformat()}, "format": "json"}


# --- Routes ------------------------------------------------------------------------------


def _no_request(obj: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Allow:
    """What a method does for those who may use it.

    status   the answer when it succeeds (200, 201, 204)
    by       None: everyone who sees the object (a read); else, for each place, the
             personas allowed (a write); the others who see the object get `refused`
    refused  403, or what the route answers instead (say 400 when the place is in the body)
    request  the keyword arguments of a valid request for the object (data=, format=,
             HTTP_IF_MATCH=...), for a write that needs a body or headers
    """

    status: int = 200
    by: Mapping[str | None, frozenset[str]] | None = None
    refused: int = 403
    request: Callable[[Any], dict[str, Any]] = _no_request


READ = Allow()


@dataclass(frozen=True)
class Route:
    pattern: str  # as api_routes() spells it: "units/{pk}/"
    methods: Mapping[str, Allow]
    kind: str | None = None  # the objects it is about (tests/api/world.py); None for none
    seen_by: Mapping[str, frozenset[str]] = field(default_factory=dict)  # place -> personas
    public: bool = False  # answers without credentials
    feed: bool = False  # opens to feed tokens
    # For a list: the query that narrows it to one object (else its first page is read).
    narrow: Callable[[Any], dict[str, Any]] | None = None
    # For a list: the key of a row's id.
    row_id: str = "id"
    # For an object route: the URL's parameters for one object.
    params: Callable[[Any], dict[str, Any]] = lambda obj: {"pk": obj.pk}
    # (method, persona, place) -> status, where the rules are knowingly not followed.
    overrides: Mapping[tuple[str, str, str | None], int] = field(default_factory=dict)

    @property
    def on_one_object(self) -> bool:
        return "{" in self.pattern

    @property
    def places(self) -> list[str | None]:
        return list(self.seen_by) or [None]


ROUTES = [
    Route("units/", {"GET": READ}, "unit", BY_UNIT, narrow=lambda unit: {"code": unit.code}),
    Route("units/{pk}/", {"GET": READ}, "unit", BY_UNIT),
    Route(
        "plans/", {"GET": READ}, "plan", BY_PLAN, narrow=lambda plan: {"issuing_unit": plan.issuing_unit_id}
    ),
    Route("plans/{pk}/", {"GET": READ}, "plan", BY_PLAN),
    Route("phases/", {"GET": READ}, "phase", BY_PLAN, narrow=lambda phase: {"plan": phase.plan_id}),
    Route("phases/{pk}/", {"GET": READ}, "phase", BY_PLAN),
    Route("task-groups/", {"GET": READ}, "task-group", BY_PLAN, narrow=lambda group: {"plan": group.plan_id}),
    Route("task-groups/{pk}/", {"GET": READ}, "task-group", BY_PLAN),
    Route("committees/", {"GET": READ}, "committee", BY_COMMITTEE),
    Route("committees/{pk}/", {"GET": READ}, "committee", BY_COMMITTEE),
    Route("tasks/", {"GET": READ}, "task", BY_TASK, narrow=lambda task: {"unit": task.lead_unit_id}),
    Route("tasks/{pk}/", {"GET": READ}, "task", BY_TASK),
    Route(
        "tasks/{pk}/updates/",
        {"GET": READ, "POST": Allow(201, by=UPDATE_TASK, request=an_update)},
        "task",
        BY_TASK,
    ),
    Route(
        "tasks/{pk}/evidence/{evidence_id}/",
        {"GET": READ},
        "evidence",
        BY_TASK,
        params=lambda evidence: {"pk": evidence.update.task_id, "evidence_id": evidence.pk},
    ),
    Route("units/{pk}/greening/", {"GET": READ}, "unit", BY_UNIT),
    Route("units/{pk}/greening/history/", {"GET": READ}, "unit", BY_UNIT),
    Route("units/{pk}/greening/why/", {"GET": READ}, "unit", BY_UNIT),
    Route("units/{pk}/greening/ranking/", {"GET": READ}, "unit", BY_UNIT),
    Route("units/{pk}/indicators/", {"GET": READ}, "unit", BY_UNIT),
    Route(
        "feed/daily/",
        {"GET": READ},
        "unit",
        BY_UNIT,
        feed=True,
        narrow=lambda unit: {"page_size": 5000},
        row_id="unit_id",
    ),
    Route(
        "reports/",
        {"GET": READ, "POST": Allow(200, by=ASK_FOR_REPORT, refused=400, request=a_report_request)},
        "report",
        BY_REPORT,
        narrow=lambda report: {"unit": report.unit_id},
    ),
    Route("reports/{pk}/", {"GET": READ}, "report", BY_REPORT),
    Route("reports/{pk}/pdf/", {"GET": READ}, "report", BY_REPORT),
    Route("reports/{pk}/xlsx/", {"GET": READ}, "report", BY_REPORT),
    Route("schema/", {"GET": READ}, public=True),
    Route("docs/", {"GET": READ}, public=True),
]

# --- The URL conf ------------------------------------------------------------------------

_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _readable(pattern: Any) -> str:
    """A route's pattern as "units/{pk}/", from a path() or a router's regex."""
    text = str(pattern)
    if not text.startswith("^"):
        return _CONVERTER.sub(r"{\1}", text)
    text = text.removeprefix("^").removesuffix("$").removesuffix("\\Z")
    out, index = [], 0
    while index < len(text):
        group = _NAMED_GROUP.match(text, index)
        if group:  # "(?P<pk>[^/.]+)" -> "{pk}": skip to the group's closing parenthesis
            depth, index = 1, group.end()
            while depth:
                if text[index] == "\\":
                    index += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[index], 0)
                index += 1
            out.append("{" + group.group(1) + "}")
        elif text[index] == "\\":  # an escaped character stands for itself
            out.append(text[index + 1])
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _methods(callback: Any) -> frozenset[str] | None:
    """The methods a view answers, besides HEAD and OPTIONS; None when it cannot be told."""
    actions = getattr(callback, "actions", None)  # a viewset's route
    if actions:  # (DRF adds "head" to it at the first request)
        return frozenset(method.upper() for method in actions) & set(METHODS)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return None
    return frozenset(method.upper() for method in METHODS if hasattr(view_class, method.lower()))


def api_routes() -> dict[str, frozenset[str] | None]:
    """Every route under /api/v1/ in the URL conf, with the methods it answers."""
    found: dict[str, frozenset[str] | None] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            text = prefix + _readable(entry.pattern)
            if isinstance(entry, URLResolver):
                if API_PREFIX.startswith(text) or text.startswith(API_PREFIX):
                    walk(entry.url_patterns, text)
            elif isinstance(entry, URLPattern) and text.startswith(API_PREFIX):
                found[text.removeprefix(API_PREFIX)] = _methods(entry.callback)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_route_in_the_url_conf_is_in_the_matrix():
    routes = api_routes()
    assert "units/{pk}/" in routes, f"the URL conf walk found nothing sensible: {sorted(routes)}"
    listed = {route.pattern: route for route in ROUTES}
    missing = sorted(set(routes) - set(listed))
    assert not missing, f"routes with no row in the permission matrix (ROUTES): {missing}"
    gone = sorted(set(listed) - set(routes))
    assert not gone, f"rows in the permission matrix for routes the URL conf no longer has: {gone}"
    for pattern, methods in routes.items():
        if methods is None:
            continue  # a plain Django view: its row is trusted
        declared = set(listed[pattern].methods)
        assert declared == methods, (
            f"{pattern}: the URL conf answers {sorted(methods)}, the matrix lists {sorted(declared)}"
        )


def test_the_matrix_has_no_duplicate_rows_and_known_places():
    patterns = [route.pattern for route in ROUTES]
    assert len(patterns) == len(set(patterns))
    known_users = set(USERS)
    for route in ROUTES:
        for place, personas in route.seen_by.items():
            assert personas <= known_users, (route.pattern, place)
        for rule in route.methods.values():
            if rule.by is not None:
                assert set(rule.by) <= set(route.places), route.pattern


# --- The outcome of a cell ---------------------------------------------------------------


def expected(route: Route, method: str, persona: Persona, place: str | None) -> int:
    """The status the API must answer (the rules in the module's docstring)."""
    override = route.overrides.get((method, persona.name, place))
    if override is not None:
        return override
    unsafe = method not in SAFE_METHODS
    if persona.credential in ("revoked", "expired"):
        return 401
    if persona.credential == "session" and unsafe:
        return 403
    if route.public:
        return 405 if method not in route.methods else route.methods[method].status
    if persona.credential == "none":
        return 401
    if persona.credential == "feed" and not route.feed:
        return 403
    if persona.credential in ("read_only", "feed") and unsafe:  # a feed token is read-only
        return 403
    rule = route.methods.get(method)
    if rule is None:
        return 405
    if route.on_one_object and place is not None and not _sees(route, persona, place):
        return 404
    if rule.by is not None and persona.user not in rule.by.get(place, frozenset()):
        return rule.refused
    return rule.status


def _sees(route: Route, persona: Persona, place: str) -> bool:
    return persona.user in route.seen_by[place]


def _cells() -> list[Any]:
    cells = []
    for route in ROUTES:
        for method in METHODS:
            # Methods the route does not answer are refused before any object is looked up.
            places = route.places if method in route.methods else route.places[:1]
            for persona in PERSONAS:
                for place in places:
                    if place is None:
                        where = ""
                    else:
                        reach = "own" if persona.user and _sees(route, persona, place) else "foreign"
                        where = f" {place}({reach})"
                    cell_id = f"{method} {route.pattern} {persona.name}{where}"
                    cells.append(pytest.param(route, method, persona, place, id=cell_id))
    return cells


# --- The world the cells run in ----------------------------------------------------------


@dataclass
class World:
    objects: Objects
    clients: dict[str, APIClient]


def _token(user: User, *, read_only: bool, purpose: str) -> IssuedToken:
    expires_at = timezone.now() + datetime.timedelta(days=1)
    return token_create(user=user, name="matrix", purpose=purpose, read_only=read_only, expires_at=expires_at)


def _build_world() -> World:
    places = Places.load()
    users: dict[str, User] = {}
    for name, membership in USERS.items():
        username = f"matrix_{name}"
        if name == "staff_admin":
            users[name] = User.objects.create_superuser(username, password="x", full_name=name)
            continue
        users[name] = User.objects.create_user(username, password="x", full_name=name)
        if membership is not None:
            place, role = membership
            Membership.objects.create(user=users[name], unit=getattr(places, place), role=role)

    clients: dict[str, APIClient] = {}
    for persona in PERSONAS:
        client = APIClient(enforce_csrf_checks=True)
        user = users.get(persona.user or "")
        if persona.credential == "session":
            client.force_login(user)
        elif persona.credential != "none":
            assert user is not None
            issued = _token(
                user,
                read_only=persona.credential == "read_only",
                purpose=ApiTokenPurpose.FEED if persona.credential == "feed" else ApiTokenPurpose.SCRIPTS,
            )
            if persona.credential == "revoked":
                token_revoke(token=issued.token)
            elif persona.credential == "expired":
                expired = timezone.now() - datetime.timedelta(seconds=1)
                ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=expired)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        clients[persona.name] = client
    return World(objects=make_objects(places), clients=clients)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, inside a transaction that is rolled back at its end;
    each cell's own transaction (pytest-django's) nests in it, so a write by one cell is
    gone before the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built = _build_world()
    # The rate limits count hundreds of requests a second here; they have their own tests.
    # The schema is the same for every persona: generated once, it saves seconds.
    generate = SchemaGenerator.get_schema
    schema = functools.cache(lambda: generate(SchemaGenerator(), request=None, public=True))
    with (
        mock.patch.object(APIView, "get_throttles", return_value=[]),
        mock.patch.object(SchemaGenerator, "get_schema", lambda self, **kwargs: schema()),
    ):
        yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


# --- The cells ---------------------------------------------------------------------------


def test_every_place_a_route_names_has_its_object(world):
    for route in ROUTES:
        if route.kind is not None:
            missing = set(route.seen_by) - set(world.objects.get(route.kind, {}))
            assert not missing, f"{route.pattern}: tests/api/world.py makes no {route.kind} in {missing}"


@pytest.mark.parametrize(("route", "method", "persona", "place"), _cells())
def test_cell(world, route, method, persona, place):
    obj = world.objects[route.kind][place] if route.kind and place else None
    url = "/" + API_PREFIX + route.pattern
    if route.on_one_object:
        url = url.format(**route.params(obj))
    rule = route.methods.get(method)
    kwargs: dict[str, Any] = rule.request(obj) if rule else {}
    if obj is not None and not route.on_one_object and method == "GET" and route.narrow:
        kwargs["data"] = route.narrow(obj)

    response = getattr(world.clients[persona.name], method.lower())(url, **kwargs)

    want = expected(route, method, persona, place)
    assert response.status_code == want, (
        f"{method} {url} as {persona.name}: {response.status_code}, expected {want}\n"
        f"{response.content[:500].decode(errors='replace')}"
    )
    if want >= 400 and response["Content-Type"] == "application/json":
        # (The schema and its page answer their errors in their own formats, YAML and HTML.)
        body = response.json()
        assert body["type"] in ("client_error", "validation_error") and body["errors"], body
    elif obj is not None and method == "GET" and not route.on_one_object:
        listed = response.json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        shown = obj.pk in {row[route.row_id] for row in rows}
        assert shown == _sees(route, persona, place), (
            f"{url} as {persona.name}: the {place} {route.kind} is {'' if shown else 'not '}listed"
        )
