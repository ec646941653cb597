"""Access control on SQLite and PostgreSQL: nobody reaches another person's data by changing an id,
in a path, a body, a form or a facade call; sessions are never fixed from outside; every state-changing
request needs its CSRF token; repeated wrong passwords lock the handle.

Each table below maps what can name someone's data (a route's path parameter, a body or form field, a
service method's parameter) to how ana makes such a thing and how someone else tries to reach it; a
guard test fails when the app or the services grow one that is in no table, so it cannot be forgotten.

The people: ana owns the data, ben is her linked partner, cy is a stranger on the same install.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

import attunement.services
import attunement.services.accounts as accounts
from attunement import Coach
from attunement.config import Settings
from attunement.domain.consent import Purpose
from attunement.domain.privacy import DataCategory
from attunement.domain.skills import Skill
from attunement.domain.support import StressContext
from attunement.errors import NotFoundError, PermissionDeniedError
from attunement.services import TEST_MASTER_KEY
from attunement.services.accounts import LOCKOUT, MAX_FAILURES
from attunement.services.privacy import PrivacyService
from attunement.services.text import TextService
from attunement.store.tables import Base
from attunement.web.app import create_app
from attunement.web.deps import CSRF_HEADER, SESSION_COOKIE, Services
from tests.conftest import empty_database

if TYPE_CHECKING:
    from httpx2 import Response  # what starlette's TestClient answers with

PASSWORD = "correct horse battery"
TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "attunement" / "web" / "templates"
REPLY = "That sounds so hard. How are you holding up?"


# the install: three people on one database, made once per module and database ----------------------


@dataclass
class Browser:
    """One person's browser: their own cookie jar, and the CSRF token of their session."""

    handle: str
    client: TestClient
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {CSRF_HEADER: self.csrf}

    def form(self, path: str, **fields: str | list[str]) -> Response:
        """Post a page's form, with this session's CSRF token, without following the redirect."""
        return self.client.post(path, data={"csrf_token": self.csrf, **fields}, follow_redirects=False)


@dataclass
class World:
    """The app over one database, with ana, her partner ben, and the stranger cy signed in."""

    app: FastAPI
    settings: Settings
    ana: Browser
    ben: Browser
    cy: Browser
    bearer_secrets: dict[str, str] = field(default_factory=dict)
    """API token id to its secret, for the tokens ana made."""
    _coach: Coach | None = field(default=None, repr=False)

    @property
    def services(self) -> Services:
        found: Services = self.app.state.services
        return found

    @property
    def coach(self) -> Coach:
        if self._coach is None:
            self._coach = Coach(self.settings)
        return self._coach

    def browser(self, who: str) -> Browser:
        found: Browser = getattr(self, who)
        return found

    def fresh(self, prefix: str = "p") -> Browser:
        """A new person with a password, signed in in a browser of their own."""
        return sign_up_and_in(self.app, f"{prefix}-{uuid.uuid4().hex[:10]}")

    def export(self, handle: str) -> dict[str, Any]:
        """Everything stored about ``handle``, less the audit log (reading the export is itself logged)."""
        exported = PrivacyService(self.services.practice).export(handle)
        return {table: rows for table, rows in exported.items() if not table.startswith("audit")}


def sign_up_and_in(app: FastAPI, handle: str) -> Browser:
    client = TestClient(app)
    made = client.post("/api/v1/accounts", json={"handle": handle, "password": PASSWORD})
    assert made.status_code == 201, made.text
    return sign_in(client, handle)


def sign_in(client: TestClient, handle: str) -> Browser:
    response = client.post("/api/v1/session", json={"handle": handle, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return Browser(handle, client, response.json()["csrf_token"])


@pytest.fixture(scope="module", autouse=True)
def quick_passwords() -> Iterator[None]:
    """Argon2 with small costs: these tests are about who may do what, not about hashing strength."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    text_service: TextService,
    quick_passwords: None,
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp(f"access-{request.param}")
    with empty_database(request.param, folder) as url:
        settings = Settings(data_dir=folder / "data", database_url=url, master_key=TEST_MASTER_KEY, seed=11)
        app = create_app(settings)
        app.state.services._text = text_service  # the models, loaded once for the whole run
        ana, ben, cy = (sign_up_and_in(app, handle) for handle in ("ana", "ben", "cy"))
        code = ana.client.post("/api/v1/partner/invites", headers=ana.headers).json()["code"]
        assert ben.client.post("/api/v1/partner/accept", json={"code": code}, headers=ben.headers).is_success
        built = World(app, settings, ana, ben, cy)
        yield built
        if built._coach is not None:
            built._coach._service.db.engine.dispose()
        app.state.services.practice.db.engine.dispose()


def all_routes(app: FastAPI) -> list[Any]:
    """Every route the app answers, with the prefixes of included routers applied."""
    from fastapi import routing

    walk = getattr(routing, "iter_route_contexts", None)  # FastAPI >= 0.165 includes routers lazily
    return list(walk(app.routes)) if walk else list(app.routes)


def route_keys(app: FastAPI, *, with_path_parameters: bool = False) -> set[tuple[str, str]]:
    """(method, path) of every route, or of those with a path parameter; a mount is ('MOUNT', prefix)."""
    keys = set()
    for route in all_routes(app):
        if with_path_parameters and not route.param_convertors:
            continue
        methods = getattr(route, "methods", None)
        if not methods:
            keys.add(("MOUNT", route.path))
        keys |= {(m, route.path) for m in methods or () if m != "HEAD"}
    return keys


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app, for looking at its routes only."""
    folder = tmp_path_factory.mktemp("routes")
    app: FastAPI = create_app(Settings(data_dir=folder, database_url="sqlite://", master_key=TEST_MASTER_KEY))
    return app


# ana's things, and how she sees that they are untouched --------------------------------------------


def _make_recommendation(w: World) -> str:
    found: str = w.ana.client.get("/api/v1/practice/next").json()["recommendation_id"]
    return found


def _recommendation_untouched(w: World, recommendation_id: str) -> None:
    assert not [
        r for r in w.export("ana")["practice_attempts"] if r["recommendation_id"] == recommendation_id
    ]
    done = w.ana.client.post(
        f"/api/v1/practice/{recommendation_id}/outcome", json={"completed": True}, headers=w.ana.headers
    )
    assert done.status_code == 200, done.text  # still open, and still hers


def _make_token(w: World) -> str:
    made = w.ana.client.post(
        "/api/v1/tokens", json={"name": "notebook", "scopes": ["read"]}, headers=w.ana.headers
    )
    token_id: str = made.json()["id"]
    w.bearer_secrets[token_id] = made.json()["token"]
    return token_id


def _token_untouched(w: World, token_id: str) -> None:
    [listed] = [t for t in w.ana.client.get("/api/v1/tokens").json() if t["id"] == token_id]
    assert listed["revoked"] is False
    secret = w.bearer_secrets[token_id]
    bearer = TestClient(w.app).get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert bearer.status_code == 200 and bearer.json()["handle"] == "ana"


def _received(w: World) -> set[str]:
    return {r["id"] for r in w.ana.client.get("/api/v1/support/received").json()}


def _make_suggestion(w: World) -> str:
    before = _received(w)
    made = w.ana.client.post("/api/v1/checkins", json={"mood": 3, "share": "mood"}, headers=w.ana.headers)
    assert made.status_code == 201 and made.json()["shared_with_partner"], made.text
    [suggestion_id] = _received(w) - before
    return suggestion_id


def _suggestion_untouched(w: World, suggestion_id: str) -> None:
    assert suggestion_id in _received(w)
    rated = w.ana.client.post(
        f"/api/v1/support/{suggestion_id}/rating", json={"rating": 4}, headers=w.ana.headers
    )
    assert rated.status_code == 200 and rated.json()["reward"] == 0.75, rated.text


def _scenario(w: World) -> str:
    found: str = w.ana.client.get("/api/v1/written/next").json()["id"]
    return found


def _make_written_attempt(w: World) -> str:
    made = w.ana.client.post(
        "/api/v1/written/replies", json={"scenario_id": _scenario(w), "reply": REPLY}, headers=w.ana.headers
    )
    assert made.status_code == 201, made.text
    attempt_id: str = made.json()["attempt_id"]
    return attempt_id


def _written_attempt_untouched(w: World, attempt_id: str) -> None:
    [row] = [r for r in w.export("ana")["written_attempts"] if r["id"] == attempt_id]
    assert row["reply"] == REPLY
    again = w.ana.client.post(
        "/api/v1/written/replies",
        json={"scenario_id": row["scenario_id"], "reply": REPLY, "previous_attempt_id": attempt_id},
        headers=w.ana.headers,
    )
    assert again.status_code == 201 and again.json()["changes"] is not None, again.text


@dataclass(frozen=True)
class Resource:
    """Something of ana's that an id names: how she makes one, and how she sees it is untouched."""

    make: Callable[[World], str]
    untouched: Callable[[World, str], None]


RESOURCES = {
    "recommendation": Resource(_make_recommendation, _recommendation_untouched),
    "token": Resource(_make_token, _token_untouched),
    "suggestion": Resource(_make_suggestion, _suggestion_untouched),
    "written_attempt": Resource(_make_written_attempt, _written_attempt_untouched),
}


# routes with a path parameter --------------------------------------------------------------------

Attack = Callable[[World, Browser, str], "Response"]


@dataclass(frozen=True)
class IdAttack:
    """Someone other than ana sends one of ana's ids; ``attackers`` are the people who try."""

    resource: str
    send: Attack
    attackers: tuple[str, ...] = ("cy", "ben")


PATH_ROUTES: dict[tuple[str, str], IdAttack] = {
    ("POST", "/api/v1/practice/{recommendation_id}/outcome"): IdAttack(
        "recommendation",
        lambda w, b, i: b.client.post(
            f"/api/v1/practice/{i}/outcome",
            json={"completed": True, "rating": 1, "reflection": "not mine"},
            headers=b.headers,
        ),
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): IdAttack(
        "token", lambda w, b, i: b.client.delete(f"/api/v1/tokens/{i}", headers=b.headers)
    ),
    ("POST", "/api/v1/support/{suggestion_id}/rating"): IdAttack(
        "suggestion",
        lambda w, b, i: b.client.post(f"/api/v1/support/{i}/rating", json={"rating": 1}, headers=b.headers),
    ),
    ("POST", "/practice/{recommendation_id}"): IdAttack(
        "recommendation", lambda w, b, i: b.form(f"/practice/{i}", completed="yes", rating="1")
    ),
    ("POST", "/partner/rate/{suggestion_id}"): IdAttack(
        "suggestion", lambda w, b, i: b.form(f"/partner/rate/{i}", rating="1")
    ),
}
"""Every route whose path names something owned by a person."""

EXEMPT_PATH_ROUTES = {
    ("PUT", "/api/v1/support-map/{context}"): "names a kind of stress; the map written is the caller's own",
    (
        "PUT",
        "/api/v1/privacy/beliefs/skills/{skill}",
    ): "names a skill; the estimate is the caller's",
    ("PUT", "/api/v1/privacy/consents/{purpose}"): "names a purpose; the consent changed is the caller's own",
    ("DELETE", "/api/v1/privacy/data/{category}"): "names a kind of data; what goes is the caller's own",
    ("MOUNT", "/static"): "stylesheets and scripts, the same for everyone",
}


BODY_IDS: dict[tuple[str, str, str], IdAttack] = {
    ("POST", "/api/v1/written/replies", "previous_attempt_id"): IdAttack(
        "written_attempt",
        lambda w, b, i: b.client.post(
            "/api/v1/written/replies",
            json={"scenario_id": _scenario(w), "reply": REPLY, "previous_attempt_id": i},
            headers=b.headers,
        ),
    ),
    ("POST", "/api/v1/written/replies", "recommendation_id"): IdAttack(
        "recommendation",
        lambda w, b, i: b.client.post(
            "/api/v1/written/replies",
            json={"scenario_id": _scenario(w), "reply": REPLY, "recommendation_id": i},
            headers=b.headers,
        ),
    ),
    ("POST", "/write", "previous_attempt_id"): IdAttack(
        "written_attempt",
        lambda w, b, i: b.form("/write", scenario_id=_scenario(w), reply=REPLY, previous_attempt_id=i),
    ),
    ("POST", "/write", "recommendation_id"): IdAttack(
        "recommendation",
        lambda w, b, i: b.form("/write", scenario_id=_scenario(w), reply=REPLY, recommendation_id=i),
    ),
}
"""Every JSON body field and page form field that names something owned by a person."""

EXEMPT_BODY_IDS = {
    ("POST", "/api/v1/written/replies", "scenario_id"): "a scenario is shared content, the same for everyone",
    (
        "POST",
        "/api/v1/written/feedback",
        "scenario_id",
    ): "a scenario is shared content, the same for everyone",
    ("POST", "/write", "scenario_id"): "a scenario is shared content, the same for everyone",
}

QUERY_PARAMETERS = {
    "minutes": "a number of minutes",
    "skill": "a skill's name",
    "saved": "shows a notice",
    "assessed": "shows a notice",
    "scenario": "a scenario is shared content, the same for everyone",
    "code": "an invite code the caller was just shown, printed back on their own page",
    "recommendation": "only copied into the /write form; checked when it is posted (see BODY_IDS)",
    "previous": "only copied into the /write form; checked when it is posted (see BODY_IDS)",
    "deleted": "a kind of data, named in a notice",
    "n": "a count, shown in a notice",
    "format": "json or report: how the caller's own export is written",
}
"""Every query parameter of every route, and why none of them reads someone's data by id."""


def _json_body_fields(app: FastAPI) -> set[tuple[str, str, str]]:
    """(method, path, field) of every field of every JSON request body, from the OpenAPI document."""
    spec = app.openapi()
    schemas = spec.get("components", {}).get("schemas", {})
    found = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                schema = media["schema"]
                if "$ref" in schema:
                    schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
                found |= {(method.upper(), path, name) for name in schema.get("properties", {})}
    return found


def _form_id_fields() -> set[tuple[str, str, str]]:
    """(POST, action, field) of every input named ``*_id`` in a form of a page template."""
    found = set()
    for template in TEMPLATES.glob("*.html"):
        for action, body in re.findall(
            r'<form[^>]*action="([^"{]*)[^"]*"[^>]*>(.*?)</form>', template.read_text(), re.S
        ):
            found |= {("POST", action.rstrip("/"), name) for name in re.findall(r'name="(\w+_id)"', body)}
    return found


def test_every_route_with_a_path_parameter_is_in_a_table(bare_app: FastAPI) -> None:
    with_parameters = {(m, p) for m, p in route_keys(bare_app, with_path_parameters=True)}
    assert with_parameters, "the app has no route with a path parameter: the enumeration is broken"
    missing = with_parameters - set(PATH_ROUTES) - set(EXEMPT_PATH_ROUTES)
    assert not missing, f"add these routes to PATH_ROUTES (or EXEMPT_PATH_ROUTES, with a reason): {missing}"
    stale = (set(PATH_ROUTES) | set(EXEMPT_PATH_ROUTES)) - with_parameters
    assert not stale, f"these routes are gone; drop them from the tables: {stale}"
    assert set(PATH_ROUTES).isdisjoint(EXEMPT_PATH_ROUTES)


def test_every_id_in_a_body_or_form_is_in_a_table(bare_app: FastAPI) -> None:
    ids = {key for key in _json_body_fields(bare_app) if key[2].endswith("_id")} | _form_id_fields()
    assert ("POST", "/write", "previous_attempt_id") in ids  # the template scan sees the forms
    missing = ids - set(BODY_IDS) - set(EXEMPT_BODY_IDS)
    assert not missing, f"add these fields to BODY_IDS (or EXEMPT_BODY_IDS, with a reason): {missing}"
    assert not (set(BODY_IDS) | set(EXEMPT_BODY_IDS)) - ids, "a field in the tables is gone"


def test_every_query_parameter_is_accounted_for(bare_app: FastAPI) -> None:
    names = {
        p.name
        for r in all_routes(bare_app)
        if getattr(r, "dependant", None)
        for p in r.dependant.query_params
    }
    assert names, "no query parameter found: the enumeration is broken"
    assert names == set(QUERY_PARAMETERS), f"new or gone query parameters: {names ^ set(QUERY_PARAMETERS)}"


def _same_but_for_the_id(one: Response, one_id: str, other: Response, other_id: str) -> None:
    """The two answers are the same once the ids are blanked: nothing tells a real id from a made-up one."""
    assert one.status_code == other.status_code
    assert one.text.replace(one_id, "<id>") == other.text.replace(other_id, "<id>")


def _attack(w: World, attack: IdAttack, label: str) -> None:
    resource = RESOURCES[attack.resource]
    for who in attack.attackers:
        attacker = w.browser(who)
        theirs = resource.make(w)
        before_ana, before_attacker = w.export("ana"), w.export(attacker.handle)
        made_up = uuid.uuid4().hex
        answer = attack.send(w, attacker, theirs)
        _same_but_for_the_id(answer, theirs, attack.send(w, attacker, made_up), made_up)
        if "/api/" in answer.url.path:
            assert answer.status_code in (403, 404), (label, who, answer.status_code, answer.text)
            detail = answer.json()["detail"]
            assert isinstance(detail, str) and detail.endswith(".") and "\n" not in detail, detail
        else:  # a page answers with its error page, never a redirect to a saved state
            assert 400 <= answer.status_code < 500, (label, who, answer.status_code, answer.text)
            assert "<html" in answer.text.lower() and "Traceback" not in answer.text
        assert w.export("ana") == before_ana, (label, who, "changed ana's data")
        assert w.export(attacker.handle) == before_attacker, (label, who, "kept something for the attacker")
        resource.untouched(w, theirs)


@pytest.mark.parametrize("route", sorted(PATH_ROUTES), ids=" ".join)
def test_nobody_reaches_anothers_data_by_a_path_id(world: World, route: tuple[str, str]) -> None:
    _attack(world, PATH_ROUTES[route], " ".join(route))


@pytest.mark.parametrize("body_field", sorted(BODY_IDS), ids=" ".join)
def test_nobody_reaches_anothers_data_by_a_body_id(world: World, body_field: tuple[str, str, str]) -> None:
    _attack(world, BODY_IDS[body_field], " ".join(body_field))


def test_the_write_page_leaks_nothing_of_an_id_in_its_query(world: World) -> None:
    theirs = _make_written_attempt(world)
    page = world.cy.client.get(f"/write?previous={theirs}")
    assert page.status_code == 200
    assert REPLY not in page.text  # the id is only carried into the form, whose post is refused


def _owned_by(w: World, handle: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``handle``'s export that are theirs (a table's ``owner`` column names them), not those
    that only mention them (a suggestion to their partner mentions the supporter too)."""
    person_id = w.services.practice.person(handle).id
    owners = {t.name: t.info.get("owner", "person_id") for t in Base.metadata.sorted_tables}
    return {
        table: [r for r in rows if r.get("id" if table == "people" else owners[table]) == person_id]
        for table, rows in w.export(handle).items()
    }


KIND_REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    *(("DELETE", f"/api/v1/privacy/data/{c.value}", None) for c in DataCategory if c.deletable),
    *(("PUT", f"/api/v1/privacy/consents/{p.value}", {"granted": g}) for p in Purpose for g in (False, True)),
    *(("PUT", f"/api/v1/privacy/beliefs/skills/{s.value}", {"level": 1.5}) for s in Skill),
    *(("PUT", f"/api/v1/support-map/{c.value}", {"helps": ["space"], "words": "x"}) for c in StressContext),
]


@pytest.mark.parametrize("who", ["cy", "ben"])
def test_routes_naming_a_kind_act_on_the_callers_own_data_only(world: World, who: str) -> None:
    _make_suggestion(world)  # ana has a check-in, a suggestion to ben, and a reply kept
    _make_written_attempt(world)
    world.ana.client.put(
        "/api/v1/support-map/family", json={"helps": ["listening"]}, headers=world.ana.headers
    )
    before = _owned_by(world, "ana")
    attacker = world.browser(who)
    for method, path, body in KIND_REQUESTS:
        done = attacker.client.request(method, path, json=body, headers=attacker.headers)
        assert done.is_success, (path, done.status_code, done.text)
    assert _owned_by(world, "ana") == before
    assert world.ana.client.get("/api/v1/support-map").json()["family"]["helps"] == ["listening"]


def test_consent_and_deletion_need_a_session_not_a_token(world: World) -> None:
    person = world.fresh("owner")
    made = person.client.post(
        "/api/v1/tokens",
        json={"name": "all", "scopes": ["read", "practice", "analyze"]},
        headers=person.headers,
    ).json()
    bearer = TestClient(world.app)
    headers = {"Authorization": f"Bearer {made['token']}"}
    for method, path, body in [
        ("DELETE", "/api/v1/account", {"confirm": person.handle}),
        ("DELETE", "/api/v1/privacy/data/checkins", None),
        ("PUT", "/api/v1/privacy/consents/personalization", {"granted": False}),
    ]:
        refused = bearer.request(method, path, json=body, headers=headers)
        assert refused.status_code == 403 and "not an API token" in refused.json()["detail"], path
    assert bearer.get("/api/v1/me", headers=headers).json()["consents"]["personalization"] is True


# the facade and the services --------------------------------------------------------------------

ServiceAttack = Callable[[World, str, str], object]

FACADE: dict[tuple[str, str], tuple[str, ServiceAttack]] = {
    ("AccountService.revoke_token", "token_id"): (
        "token",
        lambda w, handle, i: w.services.accounts.revoke_token(handle, i),
    ),
    ("PracticeService.record_attempt", "recommendation_id"): (
        "recommendation",
        lambda w, handle, i: w.services.practice.record_attempt(i, completed=True, rating=1, handle=handle),
    ),
    ("PartnerService.rate", "suggestion_id"): (
        "suggestion",
        lambda w, handle, i: w.services.partners.rate(handle, i, 1),
    ),
    ("WrittenPracticeService.submit", "previous_attempt_id"): (
        "written_attempt",
        lambda w, handle, i: w.services.written.submit(handle, _scenario(w), REPLY, previous_attempt_id=i),
    ),
    ("WrittenPracticeService.submit", "recommendation_id"): (
        "recommendation",
        lambda w, handle, i: w.services.written.submit(handle, _scenario(w), REPLY, recommendation_id=i),
    ),
    ("Coach.rate_support", "suggestion_id"): (
        "suggestion",
        lambda w, handle, i: w.coach.rate_support(handle, i, 1),
    ),
    ("Coach.write_reply", "previous_attempt_id"): (
        "written_attempt",
        lambda w, handle, i: w.coach.write_reply(handle, _scenario(w), REPLY, previous_attempt_id=i),
    ),
    ("Coach.write_reply", "recommendation_id"): (
        "recommendation",
        lambda w, handle, i: w.coach.write_reply(handle, _scenario(w), REPLY, recommendation_id=i),
    ),
}
"""Every public method of the facade and the services that takes a person's id together with a handle."""

SHARED_CONTENT = "a scenario is shared content, the same for everyone"
EXEMPT_FACADE = {
    ("Coach.record", "recommendation_id"): "takes no handle: the facade acts for the people of its own "
    "local database, as Coach.people() does; the web app calls PracticeService.record_attempt(handle=)",
    ("Coach.write_reply", "scenario_id"): SHARED_CONTENT,
    ("WrittenPracticeService.submit", "scenario_id"): SHARED_CONTENT,
    ("FeedbackService.scenario", "scenario_id"): SHARED_CONTENT,
    ("pair_key", "pair_id"): "builds a key string from two ids; reads and writes nothing",
    ("pair_key", "supported_id"): "builds a key string from two ids; reads and writes nothing",
}


def _public_callables() -> dict[str, Callable[..., Any]]:
    """The facade's methods, and every public method and function of the services' modules."""
    found: dict[str, Callable[..., Any]] = {}
    modules = [
        importlib.import_module(f"attunement.services.{m.name}")
        for m in pkgutil.iter_modules(attunement.services.__path__)
    ]
    owners: list[Any] = [Coach]
    for module in modules:
        for name, member in vars(module).items():
            if name.startswith("_") or getattr(member, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(member):
                owners.append(member)
            elif inspect.isfunction(member):
                found[name] = member
    for owner in owners:
        for name, member in inspect.getmembers(owner, inspect.isfunction):
            if not name.startswith("_"):
                found[f"{owner.__name__}.{name}"] = member
    return found


def _id_parameters() -> set[tuple[str, str]]:
    """(callable, parameter) for every parameter named ``*_id``, leaving out building blocks that take an
    open database session: whoever holds one holds the whole database, so there is no one to refuse."""
    found = set()
    for name, member in _public_callables().items():
        parameters = inspect.signature(member).parameters
        if "session" in parameters:
            continue
        found |= {(name, p) for p in parameters if p.endswith("_id")}
    return found


def test_every_facade_method_taking_an_id_is_in_a_table() -> None:
    ids = _id_parameters()
    assert ("PartnerService.rate", "suggestion_id") in ids  # the introspection sees the services
    missing = ids - set(FACADE) - set(EXEMPT_FACADE)
    assert not missing, f"add these to FACADE (or EXEMPT_FACADE, with a reason): {missing}"
    assert not (set(FACADE) | set(EXEMPT_FACADE)) - ids, "a method in the tables is gone"


@pytest.mark.parametrize("method", sorted(FACADE), ids=lambda key: f"{key[0]}({key[1]})")
def test_no_facade_method_takes_anothers_id(world: World, method: tuple[str, str]) -> None:
    kind, call = FACADE[method]
    resource = RESOURCES[kind]
    for attacker in ("cy", "ben"):
        theirs = resource.make(world)
        before = world.export("ana")
        with pytest.raises(NotFoundError) as refused:
            call(world, attacker, theirs)
        made_up = uuid.uuid4().hex
        with pytest.raises(NotFoundError) as unknown:
            call(world, attacker, made_up)
        assert str(refused.value).replace(theirs, "<id>") == str(unknown.value).replace(made_up, "<id>")
        assert str(refused.value).endswith(".") and "\n" not in str(refused.value)
        assert world.export("ana") == before
        resource.untouched(world, theirs)


# sessions: never fixed from outside, new at each sign-in, ended at sign-out --------------------------


def _page_sign_in(client: TestClient, handle: str) -> Response:
    return client.post("/signin", data={"handle": handle, "password": PASSWORD}, follow_redirects=False)


def _api_sign_in(client: TestClient, handle: str) -> Response:
    return client.post("/api/v1/session", json={"handle": handle, "password": PASSWORD})


SIGN_INS = {"api": _api_sign_in, "page": _page_sign_in}


def _planted(w: World, kind: str) -> str:
    if kind == "made-up":
        return "attacker-chosen-" + uuid.uuid4().hex
    ended = sign_in(TestClient(w.app), "ben")  # ben's session on a shared computer, then signed out
    token = ended.client.cookies.get(SESSION_COOKIE)
    assert token and ended.client.delete("/api/v1/session", headers=ended.headers).status_code == 204
    return token


@pytest.mark.parametrize("how", sorted(SIGN_INS))
@pytest.mark.parametrize("kind", ["made-up", "ended"])
def test_a_session_cookie_planted_before_sign_in_is_never_adopted(world: World, kind: str, how: str) -> None:
    planted = _planted(world, kind)
    victim = TestClient(world.app)
    victim.cookies.set(SESSION_COOKIE, planted)
    assert victim.get("/api/v1/me").status_code == 401
    assert victim.get("/practice", follow_redirects=False).headers["location"] == "/signin"
    signed = SIGN_INS[how](victim, "cy")
    assert signed.status_code in (200, 303), signed.text
    issued = signed.cookies.get(SESSION_COOKIE)
    assert issued and issued != planted  # the server chose the token, not whoever planted one
    assert victim.get("/api/v1/me").json()["handle"] == "cy"
    attacker = TestClient(world.app)
    attacker.cookies.set(SESSION_COOKIE, planted)
    assert attacker.get("/api/v1/me").status_code == 401  # the planted token opened nothing


@pytest.mark.parametrize("how", sorted(SIGN_INS))
def test_every_sign_in_issues_a_new_secure_cookie(world: World, how: str) -> None:
    client = TestClient(world.app)
    tokens = []
    for _ in range(3):
        response = SIGN_INS[how](client, "cy")
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        token = response.cookies.get(SESSION_COOKIE)
        assert token and token not in response.text  # never in a body a script could read
        tokens.append(token)
    assert len(set(tokens)) == 3


def test_signing_up_on_the_page_issues_its_own_session(world: World) -> None:
    client = TestClient(world.app)
    planted = "attacker-chosen-" + uuid.uuid4().hex
    client.cookies.set(SESSION_COOKIE, planted)
    handle = f"new-{uuid.uuid4().hex[:8]}"
    made = client.post("/signup", data={"handle": handle, "password": PASSWORD}, follow_redirects=False)
    assert made.status_code == 303 and made.cookies.get(SESSION_COOKIE) not in (None, planted)
    assert client.get("/api/v1/me").json()["handle"] == handle


def _sign_out_api(b: Browser) -> Response:
    return b.client.delete("/api/v1/session", headers=b.headers)


def _sign_out_page(b: Browser) -> Response:
    return b.form("/signout")


@pytest.mark.parametrize("sign_out", [_sign_out_api, _sign_out_page], ids=["api", "page"])
def test_the_old_token_is_dead_after_sign_out(world: World, sign_out: Callable[[Browser], Response]) -> None:
    browser = sign_in(TestClient(world.app), "cy")
    token = browser.client.cookies.get(SESSION_COOKIE)
    assert token
    ended = sign_out(browser)
    assert ended.status_code in (204, 303) and SESSION_COOKIE in ended.headers.get("set-cookie", "")
    replay = TestClient(world.app)
    replay.cookies.set(SESSION_COOKIE, token)
    assert replay.get("/api/v1/me").status_code == 401
    assert replay.get("/privacy/export", follow_redirects=False).headers["location"] == "/signin"
    stale = replay.post("/api/v1/checkins", json={"mood": 3}, headers=browser.headers)
    assert stale.status_code == 401  # the CSRF token of an ended session opens nothing either
    assert world.cy.client.get("/api/v1/me").json()["handle"] == "cy"  # cy's other session lives on


def test_signing_out_needs_the_csrf_token(world: World) -> None:
    browser = sign_in(TestClient(world.app), "cy")
    assert browser.client.delete("/api/v1/session").status_code == 403
    assert browser.client.post("/signout", data={}, follow_redirects=False).status_code == 403
    assert browser.client.get("/api/v1/me").status_code == 200  # a forged sign-out ends nothing


def test_an_expired_session_is_refused(world: World) -> None:
    two_weeks_ago = datetime.now(UTC) - accounts.SESSION_LIFETIME - timedelta(minutes=1)
    old = world.services.accounts.sign_in("cy", PASSWORD, at=two_weeks_ago)
    client = TestClient(world.app)
    client.cookies.set(SESSION_COOKIE, old.token)
    assert client.get("/api/v1/me").status_code == 401
    assert (
        client.post("/api/v1/checkins", json={"mood": 3}, headers={CSRF_HEADER: old.csrf}).status_code == 401
    )


# CSRF: every state-changing request needs the token of its own session --------------------------

Prepared = tuple[str, dict[str, Any] | None]
Prepare = Callable[[World, Browser], Prepared]


def _link_with_someone(w: World, b: Browser) -> None:
    other = w.services.practice.create_person(f"q-{uuid.uuid4().hex[:10]}")
    w.services.partners.accept(b.handle, w.services.partners.invite(other.handle).code)


def _linked(path: str, body: dict[str, Any] | None) -> Prepare:
    """A request made after linking the person with someone (unlinking needs a link)."""

    def prepare(w: World, b: Browser) -> Prepared:
        _link_with_someone(w, b)
        return path, body

    return prepare


def _invite_from_someone(w: World) -> str:
    other = w.services.practice.create_person(f"q-{uuid.uuid4().hex[:10]}")
    code: str = w.services.partners.invite(other.handle).code
    return code


def _support_to_rate(w: World, b: Browser) -> str:
    _link_with_someone(w, b)
    w.services.partners.checkin(b.handle, 3, share="mood")
    [(suggestion_id, _, _)] = w.services.partners.support_to_rate(b.handle)
    found: str = suggestion_id
    return found


def _open_recommendation(w: World, b: Browser) -> str:
    found: str = b.client.get("/api/v1/practice/next").json()["recommendation_id"]
    return found


def _own_token(w: World, b: Browser) -> str:
    token_id: str = w.services.accounts.create_token(b.handle, "t", ["read"]).id
    return token_id


def _answers(w: World) -> dict[str, int]:
    return {item.id: 3 for item in w.services.practice.questionnaire.items}


WRITES: dict[tuple[str, str], Prepare] = {
    ("DELETE", "/api/v1/session"): lambda w, b: ("/api/v1/session", None),
    ("POST", "/api/v1/tokens"): lambda w, b: ("/api/v1/tokens", {"name": "n", "scopes": ["read"]}),
    ("DELETE", "/api/v1/tokens/{token_id}"): lambda w, b: (f"/api/v1/tokens/{_own_token(w, b)}", None),
    ("POST", "/api/v1/assessment"): lambda w, b: ("/api/v1/assessment", {"answers": _answers(w)}),
    ("POST", "/api/v1/practice/{recommendation_id}/outcome"): lambda w, b: (
        f"/api/v1/practice/{_open_recommendation(w, b)}/outcome",
        {"completed": True},
    ),
    ("POST", "/api/v1/analyze"): lambda w, b: ("/api/v1/analyze", {"text": "I finally finished it."}),
    ("POST", "/api/v1/written/feedback"): lambda w, b: (
        "/api/v1/written/feedback",
        {"message": "I lost my job today.", "reply": REPLY},
    ),
    ("POST", "/api/v1/written/replies"): lambda w, b: (
        "/api/v1/written/replies",
        {"scenario_id": _scenario(w), "reply": REPLY},
    ),
    ("POST", "/api/v1/partner/invites"): lambda w, b: ("/api/v1/partner/invites", None),
    ("DELETE", "/api/v1/partner/invites"): lambda w, b: ("/api/v1/partner/invites", None),
    ("POST", "/api/v1/partner/accept"): lambda w, b: (
        "/api/v1/partner/accept",
        {"code": _invite_from_someone(w)},
    ),
    ("DELETE", "/api/v1/partner"): _linked("/api/v1/partner", None),
    ("PUT", "/api/v1/support-map/{context}"): lambda w, b: (
        "/api/v1/support-map/family",
        {"helps": ["listening"]},
    ),
    ("POST", "/api/v1/checkins"): lambda w, b: ("/api/v1/checkins", {"mood": 3}),
    ("POST", "/api/v1/support/{suggestion_id}/rating"): lambda w, b: (
        f"/api/v1/support/{_support_to_rate(w, b)}/rating",
        {"rating": 4},
    ),
    ("DELETE", "/api/v1/account"): lambda w, b: ("/api/v1/account", {"confirm": b.handle}),
    ("POST", "/signout"): lambda w, b: ("/signout", {}),
    ("POST", "/assess"): lambda w, b: ("/assess", {k: str(v) for k, v in _answers(w).items()}),
    ("POST", "/practice/{recommendation_id}"): lambda w, b: (
        f"/practice/{_open_recommendation(w, b)}",
        {"completed": "yes", "rating": "4"},
    ),
    ("POST", "/write"): lambda w, b: ("/write", {"scenario_id": _scenario(w), "reply": REPLY}),
    ("POST", "/privacy/consent"): lambda w, b: ("/privacy/consent", {"consent": ["personalization"]}),
    ("POST", "/privacy/delete"): lambda w, b: ("/privacy/delete", {"confirm": b.handle}),
    ("POST", "/privacy/correct"): lambda w, b: (
        "/privacy/correct",
        {"skill": "active_listening", "level": "2"},
    ),
    ("POST", "/privacy/delete-category"): lambda w, b: (
        "/privacy/delete-category",
        {"category": "checkins", "confirm": "yes"},
    ),
    ("PUT", "/api/v1/privacy/beliefs/skills/{skill}"): lambda w, b: (
        "/api/v1/privacy/beliefs/skills/active_listening",
        {"level": 2.0},
    ),
    ("PUT", "/api/v1/privacy/consents/{purpose}"): lambda w, b: (
        "/api/v1/privacy/consents/share_patterns",
        {"granted": True},
    ),
    ("DELETE", "/api/v1/privacy/data/{category}"): lambda w, b: ("/api/v1/privacy/data/checkins", None),
    ("POST", "/partner/invite"): lambda w, b: ("/partner/invite", {}),
    ("POST", "/partner/accept"): lambda w, b: ("/partner/accept", {"code": _invite_from_someone(w)}),
    ("POST", "/partner/unlink"): _linked("/partner/unlink", {}),
    ("POST", "/partner/checkin"): lambda w, b: ("/partner/checkin", {"mood": "3"}),
    ("POST", "/partner/map"): lambda w, b: ("/partner/map", {"context": "family", "helps": ["listening"]}),
    ("POST", "/partner/rate/{suggestion_id}"): lambda w, b: (
        f"/partner/rate/{_support_to_rate(w, b)}",
        {"rating": "4"},
    ),
}
"""Every state-changing route, and a request that succeeds with the right CSRF token."""

EXEMPT_WRITES = {
    ("POST", "/api/v1/accounts"): "no session exists yet, so there is no token to check",
    ("POST", "/api/v1/session"): "no session exists yet; SameSite=Strict and a new session at each sign-in "
    "keep a forged sign-in from mattering",
    ("POST", "/signup"): "no session exists yet, so there is no token to check",
    ("POST", "/signin"): "no session exists yet; SameSite=Strict and a new session at each sign-in "
    "keep a forged sign-in from mattering",
}


def test_every_state_changing_route_is_in_the_csrf_table(bare_app: FastAPI) -> None:
    writes = {(m, p) for m, p in route_keys(bare_app) if m in {"POST", "PUT", "PATCH", "DELETE"}}
    missing = writes - set(WRITES) - set(EXEMPT_WRITES)
    assert not missing, f"add these routes to WRITES (or EXEMPT_WRITES, with a reason): {missing}"
    assert not (set(WRITES) | set(EXEMPT_WRITES)) - writes, "a route in the CSRF tables is gone"


def _send(b: Browser, method: str, path: str, body: dict[str, Any] | None, csrf: str | None) -> Response:
    if path.startswith("/api/"):
        headers = {CSRF_HEADER: csrf} if csrf is not None else {}
        return b.client.request(method, path, json=body, headers=headers)
    form = dict(body or {})
    if csrf is not None:
        form["csrf_token"] = csrf
    return b.client.request(method, path, data=form, follow_redirects=False)


# The token is an HMAC of the session, checked before any query: one database is enough here.
@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
@pytest.mark.parametrize("route", sorted(WRITES), ids=" ".join)
def test_state_changing_requests_need_their_own_sessions_csrf_token(
    world: World, route: tuple[str, str]
) -> None:
    person = world.fresh("csrf")
    path, body = WRITES[route](world, person)
    before = world.export(person.handle)
    for csrf in (None, "", "0" * 64, person.csrf[:-1] + "x", world.cy.csrf):  # none, empty, forged, another's
        refused = _send(person, route[0], path, body, csrf)
        assert refused.status_code == 403, (route, csrf, refused.status_code, refused.text)
        assert "reload the page" in refused.text
    assert world.export(person.handle) == before  # nothing was done
    done = _send(person, route[0], path, body, person.csrf)
    assert done.status_code < 400, (route, done.status_code, done.text)  # the same request, with the token


def test_every_page_form_that_posts_carries_the_csrf_token() -> None:
    forms = []
    for template in TEMPLATES.glob("*.html"):
        forms += re.findall(r'(<form[^>]*method="post"[^>]*>.*?</form>)', template.read_text(), re.S)
    assert len(forms) >= 10
    for form in forms:
        action = re.search(r'action="([^"]*)"', form)
        assert action, form
        if action.group(1) not in ("/signin", "/signup"):
            assert 'name="csrf_token" value="{{ csrf }}"' in form, action.group(1)


# brute force: five wrong passwords lock the handle -------------------------------------------------


def _wrong_api(client: TestClient, handle: str) -> Response:
    return client.post("/api/v1/session", json={"handle": handle, "password": "not the password"})


def _wrong_page(client: TestClient, handle: str) -> Response:
    return client.post("/signin", data={"handle": handle, "password": "not the password"})


@pytest.mark.parametrize("wrong", [_wrong_api, _wrong_page], ids=["api", "page"])
def test_five_wrong_passwords_lock_the_handle_for_the_right_one_too(
    world: World, wrong: Callable[[TestClient, str], Response]
) -> None:
    owner = world.fresh("lock")
    bystander = world.fresh("near")
    for attempt in range(MAX_FAILURES):
        guesser = TestClient(world.app)  # a new client each time: the count is per handle
        handle = owner.handle.upper() if attempt % 2 else f"  {owner.handle} "  # the same handle, typed
        assert wrong(guesser, handle).status_code in (400, 403)
    for client in (TestClient(world.app), owner.client):
        locked = _api_sign_in(client, owner.handle)
        assert locked.status_code == 429 and "try again in 15 minutes" in locked.json()["detail"]
        page = _page_sign_in(client, owner.handle)
        assert page.status_code == 429 and "Too many failed sign-ins" in page.text
        assert SESSION_COOKIE not in page.headers.get("set-cookie", "")
    assert owner.client.get("/api/v1/me").json()["handle"] == owner.handle  # a lock signs nobody out
    assert (
        _api_sign_in(TestClient(world.app), bystander.handle).status_code == 200
    )  # other handles unaffected


def test_an_unknown_handle_locks_the_same_way(world: World) -> None:
    real, unknown = world.fresh("real"), f"nobody-{uuid.uuid4().hex[:8]}"
    answers = {}
    for handle in (real.handle, unknown):
        for _ in range(MAX_FAILURES):
            _wrong_api(TestClient(world.app), handle)
        answers[handle] = _api_sign_in(TestClient(world.app), handle)
    assert answers[real.handle].status_code == answers[unknown].status_code == 429
    assert answers[real.handle].json() == answers[unknown].json()  # no telling which handles exist


def test_the_lock_lifts_after_the_window_and_a_success_resets_the_count(world: World) -> None:
    service = world.services.accounts
    person = world.fresh("window")
    start = datetime.now(UTC) - LOCKOUT - timedelta(minutes=1)
    for _ in range(MAX_FAILURES):
        with pytest.raises(PermissionDeniedError):
            service.sign_in(person.handle, "not the password", at=start)
    assert service.sign_in(person.handle, PASSWORD).token  # the window has passed
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(PermissionDeniedError):
            service.sign_in(person.handle, "not the password")
    assert service.sign_in(person.handle, PASSWORD).token  # four is not five
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(PermissionDeniedError):
            service.sign_in(person.handle, "not the password")
    assert service.sign_in(person.handle, PASSWORD).token  # the success above started the count afresh
