"""The JSON API on SQLite and PostgreSQL: accounts, sessions, CSRF, lockout, tokens, practice, access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from attunement.config import Settings
from attunement.services.accounts import MAX_FAILURES
from attunement.web.deps import CSRF_HEADER, SESSION_COOKIE

PASSWORD = "correct horse battery"


def sign_up_and_in(client: TestClient, handle: str) -> dict[str, str]:
    assert client.post("/api/v1/accounts", json={"handle": handle, "password": PASSWORD}).status_code == 201
    response = client.post("/api/v1/session", json={"handle": handle, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {CSRF_HEADER: response.json()["csrf_token"]}


def test_a_person_signs_up_assesses_practises_and_sees_progress(client: TestClient) -> None:
    csrf = sign_up_and_in(client, "sam")
    assert client.get("/api/v1/me").json()["handle"] == "sam"
    items = client.get("/api/v1/questionnaire").json()["items"]
    result = client.post("/api/v1/assessment", json={"answers": {i["id"]: 3 for i in items}}, headers=csrf)
    assert result.status_code == 200 and len(result.json()["estimates"]) == 12
    suggestion = client.get("/api/v1/practice/next", headers=csrf).json()
    assert suggestion["explanation"] and suggestion["exercise"]["title"]
    done = client.post(
        f"/api/v1/practice/{suggestion['recommendation_id']}/outcome",
        json={"completed": True, "rating": 4, "reflection": "It went well."},
        headers=csrf,
    )
    assert done.status_code == 200 and done.json()["reflection_stored"]
    progress = client.get("/api/v1/progress").json()
    assert progress["completed"] == 1 and len(progress["skills"]) == 12


def test_written_feedback_live_and_kept(client: TestClient) -> None:
    csrf = sign_up_and_in(client, "sam")
    scenario = client.get("/api/v1/written/next", headers=csrf).json()
    live = client.post(
        "/api/v1/written/feedback",
        json={"scenario_id": scenario["id"], "reply": "That sounds so hard. How are you holding up?"},
        headers=csrf,
    ).json()
    assert 1 <= len(live["suggestions"]) <= 3 and "mechanisms" in live
    kept = client.post(
        "/api/v1/written/replies", json={"scenario_id": scenario["id"], "reply": "ok"}, headers=csrf
    )
    assert kept.status_code == 201 and kept.json()["updates"]
    crisis = client.post(
        "/api/v1/written/replies",
        json={"scenario_id": scenario["id"], "reply": "I want to kill myself"},
        headers=csrf,
    ).json()
    assert crisis["paused"] and "988" in crisis["crisis"]["message"]


def test_form_posts_need_the_csrf_token(client: TestClient) -> None:
    sign_up_and_in(client, "sam")
    response = client.get("/api/v1/practice/next")  # a GET needs none
    assert response.status_code == 200
    stolen = client.post(
        f"/api/v1/practice/{response.json()['recommendation_id']}/outcome", json={"completed": True}
    )
    assert stolen.status_code == 403 and "reload the page" in stolen.json()["detail"]
    forged = client.post(
        f"/api/v1/practice/{response.json()['recommendation_id']}/outcome",
        json={"completed": True},
        headers={CSRF_HEADER: "0" * 64},
    )
    assert forged.status_code == 403


def test_sessions_are_new_at_each_sign_in_and_end_on_sign_out(client: TestClient) -> None:
    sign_up_and_in(client, "sam")
    first = client.cookies.get(SESSION_COOKIE)
    csrf = sign_up_and_in_again(client)
    second = client.cookies.get(SESSION_COOKIE)
    assert first and second and first != second  # no session fixation: a fresh token per sign-in
    assert client.delete("/api/v1/session", headers=csrf).status_code == 204
    client.cookies.set(SESSION_COOKIE, second)
    assert client.get("/api/v1/me").status_code == 401  # ended on the server, not only forgotten
    client.cookies.set(SESSION_COOKIE, first)
    assert client.get("/api/v1/me").status_code == 200  # the other session is unaffected


def sign_up_and_in_again(client: TestClient) -> dict[str, str]:
    response = client.post("/api/v1/session", json={"handle": "sam", "password": PASSWORD})
    return {CSRF_HEADER: response.json()["csrf_token"]}


def test_repeated_wrong_passwords_lock_the_handle(client: TestClient) -> None:
    client.post("/api/v1/accounts", json={"handle": "sam", "password": PASSWORD})
    for _ in range(MAX_FAILURES):
        wrong = client.post("/api/v1/session", json={"handle": "sam", "password": "not the password"})
        assert (
            wrong.status_code == 403 and wrong.json()["detail"] == "The handle or the password is not right."
        )
    locked = client.post("/api/v1/session", json={"handle": "sam", "password": PASSWORD})
    assert locked.status_code == 429 and "try again in 15 minutes" in locked.json()["detail"]
    unknown = client.post("/api/v1/session", json={"handle": "nobody", "password": PASSWORD})
    assert unknown.json()["detail"] == "The handle or the password is not right."  # no probing handles


def test_passwords_are_argon2_hashes(client: TestClient) -> None:
    sign_up_and_in(client, "sam")
    with client.app.state.services.practice.db.engine.connect() as connection:  # type: ignore[attr-defined]
        stored = connection.execute(sa.text("select password_hash from accounts")).scalar_one()
    assert stored.startswith("$argon2") and PASSWORD not in stored


def test_api_tokens_are_scoped_and_revocable(client: TestClient) -> None:
    csrf = sign_up_and_in(client, "sam")
    made = client.post("/api/v1/tokens", json={"name": "notebook", "scopes": ["read"]}, headers=csrf).json()
    bearer = {"Authorization": f"Bearer {made['token']}"}
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    denied = client.post("/api/v1/analyze", json={"text": "hello"}, headers=bearer)
    assert denied.status_code == 403 and "'analyze' scope" in denied.json()["detail"]
    csrf = sign_up_and_in_again(client)
    listed = client.get("/api/v1/tokens").json()
    assert listed[0]["id"] == made["id"] and "token" not in listed[0]
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=csrf).status_code == 204
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=bearer).status_code == 403


def test_nobody_reads_or_changes_another_persons_data_by_id(client: TestClient) -> None:
    alice = sign_up_and_in(client, "alice")
    theirs = client.get("/api/v1/practice/next", headers=alice).json()["recommendation_id"]
    made = client.post("/api/v1/tokens", json={"name": "x", "scopes": ["read"]}, headers=alice).json()
    client.cookies.clear()
    bob = sign_up_and_in(client, "bob")
    taken = client.post(f"/api/v1/practice/{theirs}/outcome", json={"completed": True}, headers=bob)
    assert taken.status_code == 404
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=bob).status_code == 404
    assert client.get("/api/v1/me").json()["handle"] == "bob"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "text"),
    [
        ("post", "/api/v1/accounts", {"handle": "x", "password": "short"}, 422, "password"),
        ("post", "/api/v1/accounts", {"handle": "Bad Handle!", "password": PASSWORD}, 400, "handle"),
        ("post", "/api/v1/accounts", {"handle": "x", "password": PASSWORD, "admin": True}, 422, "admin"),
        ("post", "/api/v1/session", {"handle": "x"}, 422, "password"),
        ("get", "/api/v1/me", None, 401, "sign in"),
    ],
)
def test_bad_requests_get_one_sentence(
    client: TestClient, method: str, path: str, body: object, status: int, text: str
) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and text in detail.lower() and detail.endswith(".")


def test_bad_input_after_sign_in(client: TestClient) -> None:
    csrf = sign_up_and_in(client, "sam")
    cases = [
        ("post", "/api/v1/assessment", {"answers": {"nope": 9}}),
        ("post", "/api/v1/practice/unknown/outcome", {"completed": True}),
        ("post", "/api/v1/practice/x/outcome", {"completed": True, "rating": 9}),
        ("get", "/api/v1/practice/next?minutes=0", None),
        ("get", "/api/v1/written/next?skill=juggling", None),
        ("post", "/api/v1/written/feedback", {"reply": "hi"}),
        ("post", "/api/v1/analyze", {"text": "\u0000\u0001\u0002\u0003\u0004"}),
        ("post", "/api/v1/tokens", {"name": "x", "scopes": []}),
    ]
    for method, path, body in cases:
        response = client.request(method.upper(), path, json=body, headers=csrf)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
        assert isinstance(response.json()["detail"], str)


def test_the_openapi_document_lists_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/session", "/api/v1/practice/next", "/api/v1/written/feedback"} <= set(spec["paths"])


def test_demo_people_can_sign_in_with_the_demo_password(settings: Settings) -> None:
    from attunement.cli.commands import DEMO_PASSWORD
    from attunement.services import PracticeService, seed_demo
    from attunement.services.accounts import AccountService

    practice = PracticeService.open(settings)
    person = seed_demo(practice, days=5)
    accounts = AccountService(practice)
    accounts.ensure_password([person.handle, "alex"], DEMO_PASSWORD)
    accounts.ensure_password([person.handle], "another password")  # an existing account is kept
    assert accounts.session_person(accounts.sign_in("alex", DEMO_PASSWORD).token).handle == "alex"
    assert accounts.sign_in(person.handle, DEMO_PASSWORD).token


def test_partners_and_privacy_through_the_api(client: TestClient) -> None:
    other = TestClient(client.app)  # ben's browser
    ana = sign_up_and_in(client, "ana")
    code = client.post("/api/v1/partner/invites", headers=ana).json()["code"]
    put = client.put("/api/v1/support-map/work_study", json={"helps": ["listening"]}, headers=ana)
    assert put.status_code == 200
    ben = sign_up_and_in(other, "ben")
    assert other.post("/api/v1/partner/accept", json={"code": code}, headers=ben).json()["partner"] == "ana"

    made = client.post(
        "/api/v1/checkins", json={"mood": 2, "text": "so tired and sad", "share": "mood"}, headers=ana
    ).json()
    assert made["shared_with_partner"] and made["emotions"]

    [seen] = other.get("/api/v1/partner/checkins").json()
    assert seen["mood"] == 2 and seen["emotions"] is None and seen["text"] is None  # mood only
    [suggestion] = other.get("/api/v1/support/suggestions").json()
    assert suggestion["phrasings"] and suggestion["explanation"]
    rated_by_ben = other.post(f"/api/v1/support/{suggestion['id']}/rating", json={"rating": 5}, headers=ben)
    assert rated_by_ben.status_code == 404  # only the supported person rates
    assert other.get("/api/v1/support-map").json() == {}  # ben's own map, not ana's

    [received] = client.get("/api/v1/support/received").json()
    rated = client.post(f"/api/v1/support/{received['id']}/rating", json={"rating": 5}, headers=ana)
    assert rated.json()["reward"] == 1.0
    beliefs = client.get("/api/v1/privacy/beliefs").json()
    assert beliefs["support"] and beliefs["map_reading"].startswith("fitted to 1 map (")  # ana's, by consent
    assert "How support maps are read here: fitted to 1 map" in client.get("/privacy").text
    exported = client.get("/api/v1/privacy/export").json()
    assert exported["people"][0]["handle"] == "ana" and exported["checkins"][0]["text"] == "so tired and sad"
    assert (
        client.request("DELETE", "/api/v1/account", json={"confirm": "nope"}, headers=ana).status_code == 400
    )
    assert (
        client.request("DELETE", "/api/v1/account", json={"confirm": "ana"}, headers=ana).status_code == 204
    )
    assert client.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/partner").json()["partner"] is None
    assert other.get("/api/v1/partner/checkins").json() == []


def test_each_server_thread_has_a_pooled_database_connection(settings: Settings) -> None:
    import anyio.to_thread

    from attunement.store.db import POOL_SIZE
    from attunement.web.app import create_app

    assert settings.server_threads <= POOL_SIZE  # by default no thread waits for a connection
    for threads in (settings.server_threads, 7):
        configured = settings.model_copy(update={"server_threads": threads})
        with TestClient(create_app(configured)) as client:
            assert client.get("/api/v1/health").status_code == 200
            assert client.portal is not None
            limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
            assert limiter.total_tokens == threads
