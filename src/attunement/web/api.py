"""The JSON API, version 1: accounts, tokens, assessment, practice, written practice, progress, analysis.

Request bodies are pydantic models with bounds, so malformed input is a 422
with one sentence; everything else goes through the services, whose errors the
app turns into one sentence with a fitting status (see :mod:`attunement.web.app`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from attunement.domain.assessment import SkillEstimate
from attunement.domain.consent import ONBOARDING, Purpose
from attunement.domain.exercises import Exercise
from attunement.errors import NotFoundError
from attunement.services.views import PersonView
from attunement.web.deps import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Analyst,
    Practiser,
    Reader,
    ServicesDep,
    set_session_cookie,
)

router = APIRouter()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUp(_Body):
    handle: str = Field(min_length=1, max_length=64, examples=["sam"])
    password: str = Field(min_length=10, max_length=200)
    display_name: str | None = Field(default=None, max_length=100)
    consents: list[Purpose] = Field(default_factory=lambda: list(ONBOARDING))


class SignIn(_Body):
    handle: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenRequest(_Body):
    name: str = Field(min_length=1, max_length=60)
    scopes: list[Literal["read", "practice", "analyze"]] = Field(min_length=1)


class Answers(_Body):
    answers: dict[str, int]
    goals: list[str] = Field(default_factory=list, max_length=10)


class Outcome(_Body):
    completed: bool
    rating: int | None = Field(default=None, ge=1, le=5)
    reflection: str | None = Field(default=None, max_length=10_000)


class TextRequest(_Body):
    text: str = Field(min_length=1, max_length=20_000)
    reply_to: str | None = Field(default=None, min_length=1, max_length=20_000)


class FeedbackRequest(_Body):
    reply: str = Field(min_length=1, max_length=5_000)
    scenario_id: str | None = Field(default=None, max_length=80)
    message: str | None = Field(default=None, min_length=1, max_length=5_000)


class ReplyRequest(_Body):
    scenario_id: str = Field(max_length=80)
    reply: str = Field(min_length=1, max_length=5_000)
    previous_attempt_id: str | None = Field(default=None, max_length=32)
    recommendation_id: str | None = Field(default=None, max_length=32)


def _person(person: PersonView) -> dict[str, Any]:
    return {
        "handle": person.handle,
        "display_name": person.display_name,
        "minutes_per_day": person.minutes_per_day,
        "liked_modalities": [m.value for m in person.liked_modalities],
        "goals": list(person.goals),
        "consents": person.consents,
        "created_at": person.created_at.isoformat(),
    }


def _estimate(e: SkillEstimate) -> dict[str, Any]:
    return {"skill": e.skill.value, "label": e.skill.label, "mean": round(e.mean, 3), "sd": round(e.sd, 3)}


def _exercise(e: Exercise) -> dict[str, Any]:
    return {
        "id": e.id,
        "title": e.title,
        "skills": [s.value for s in e.skills],
        "modality": e.modality.value,
        "minutes": e.minutes,
        "difficulty": e.difficulty,
        "instructions": e.instructions,
        "follow_up": e.follow_up,
    }


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


# accounts --------------------------------------------------------------------


@router.post("/accounts", status_code=201)
def sign_up(body: SignUp, services: ServicesDep) -> dict[str, Any]:
    """Create an account; the consents listed are granted, the others not."""
    person = services.accounts.sign_up(
        body.handle, body.password, display_name=body.display_name, consents=body.consents
    )
    return _person(person)


@router.post("/session")
def sign_in(body: SignIn, request: Request, response: Response, services: ServicesDep) -> dict[str, Any]:
    """Sign in: sets a secure, HTTP-only session cookie and returns the CSRF token for form posts."""
    session = services.accounts.sign_in(body.handle, body.password)
    set_session_cookie(request, response, session.token)
    return {"handle": body.handle.strip().lower(), "csrf_token": session.csrf, "csrf_header": CSRF_HEADER}


@router.delete("/session", status_code=204)
def sign_out(request: Request, caller: Reader, services: ServicesDep) -> Response:
    """Sign out: the session ends on the server, not only in this browser."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.accounts.sign_out(token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me")
def me(caller: Reader, services: ServicesDep) -> dict[str, Any]:
    """Who is signed in, with their preferences and consents."""
    return _person(services.practice.person(caller.handle))


# API tokens ------------------------------------------------------------------


@router.post("/tokens", status_code=201)
def create_token(body: TokenRequest, caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """A new API token with the given scopes; its secret is shown this once."""
    if caller.via_token:
        raise NotFoundError("API tokens are made from a signed-in session, not with another token.")
    token = services.accounts.create_token(caller.handle, body.name, body.scopes)
    return {"id": token.id, "name": token.name, "scopes": list(token.scopes), "token": token.secret}


@router.get("/tokens")
def list_tokens(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """Your API tokens (never their secrets)."""
    return [
        {
            "id": t.id,
            "name": t.name,
            "scopes": list(t.scopes),
            "created_at": t.created_at.isoformat(),
            "revoked": t.revoked,
        }
        for t in services.accounts.tokens(caller.handle)
    ]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, caller: Practiser, services: ServicesDep) -> Response:
    """Revoke one of your tokens; it stops working at once."""
    services.accounts.revoke_token(caller.handle, token_id)
    return Response(status_code=204)


# assessment and practice --------------------------------------------------------


@router.get("/questionnaire")
def questionnaire(caller: Reader, services: ServicesDep) -> dict[str, Any]:
    """The assessment's statements (1-5 agreement) and the goals one can choose."""
    q = services.practice.questionnaire
    return {
        "items": [{"id": i.id, "text": i.text, "skill": i.skill.value} for i in q.items],
        "goals": [{"id": g.id, "text": g.text} for g in q.goals],
    }


@router.post("/assessment")
def assess(body: Answers, caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """Score the questionnaire into per-skill estimates with uncertainty (and the change on a retake)."""
    result = services.practice.record_assessment(caller.handle, body.answers, body.goals)
    return {
        "estimates": [_estimate(e) for e in result.estimates.values()],
        "change": {s.value: result.change(s) for s in result.estimates} if result.previous else None,
        "goals": list(result.goals),
    }


@router.get("/practice/next")
def next_exercise(caller: Practiser, services: ServicesDep, minutes: int | None = None) -> dict[str, Any]:
    """Today's exercise, chosen for you, with the reasons (logged with its propensity)."""
    suggestion = services.practice.next_exercise(caller.handle, minutes=minutes)
    return {
        "recommendation_id": suggestion.recommendation_id,
        "exercise": _exercise(suggestion.exercise),
        "explanation": suggestion.explanation,
        "reasons": list(suggestion.reasons),
    }


@router.post("/practice/{recommendation_id}/outcome")
def outcome(
    recommendation_id: str, body: Outcome, caller: Practiser, services: ServicesDep
) -> dict[str, Any]:
    """Report what you did with a suggestion: done or not, a 1-5 rating, a reflection.

    A reflection that reads as a crisis is not kept; the answer carries crisis resources instead.
    """
    screen = services.text.screen(body.reflection) if body.reflection else None
    flagged = screen is not None and screen.flagged
    result = services.practice.record_attempt(
        recommendation_id,
        completed=body.completed,
        rating=body.rating,
        reflection=None if flagged else body.reflection,
        handle=caller.handle,
    )
    answer: dict[str, Any] = {
        "reward": result.reward,
        "reflection_stored": result.reflection_stored,
        "skill_change": result.skill_change,
    }
    if screen is not None and screen.flagged:
        answer["crisis"] = {"level": screen.level.value, "message": screen.message()}
    return answer


@router.get("/progress")
def progress(caller: Reader, services: ServicesDep) -> dict[str, Any]:
    """Per-skill estimates with uncertainty, their change, practice counts and the 8-week trend."""
    report = services.practice.progress(caller.handle)
    return {
        "skills": [
            {
                **_estimate(row.estimate),
                "change": round(row.change, 3),
                "practised_30d": row.practised_30d,
                "written_30d": row.written_30d,
                "mean_score": row.mean_score,
                "weekly_counts": list(row.weekly_counts),
                "weekly_estimates": [round(v, 3) for v in row.weekly_estimates],
            }
            for row in report.skills
        ],
        "completed": report.completed,
        "suggested": report.suggested,
        "written": report.written,
    }


# text and written practice ------------------------------------------------------


@router.post("/analyze")
def analyze(body: TextRequest, caller: Analyst, services: ServicesDep) -> dict[str, Any]:
    """Every text model at once: emotions, empathy and strategy of a reply, next strategy, crisis screen."""
    return services.text.analyze(body.text, body.reply_to).to_dict()


@router.get("/written/next")
def next_scenario(caller: Practiser, services: ServicesDep, skill: str | None = None) -> dict[str, Any]:
    """A written-practice scenario for your growth area (or ``skill``), and why."""
    choice = services.written.next_scenario(caller.handle, skill=skill)
    s = choice.scenario
    return {
        "id": s.id,
        "title": s.title,
        "sender": s.sender,
        "message": s.message,
        "context": s.context,
        "skills": [k.value for k in s.skills],
        "difficulty": s.difficulty,
        "reason": choice.reason,
    }


@router.post("/written/feedback")
def live_feedback(body: FeedbackRequest, caller: Analyst, services: ServicesDep) -> dict[str, Any]:
    """Feedback on a reply as it is typed: nothing is stored. Give a scenario id or a message."""
    if body.scenario_id:
        scenario = services.written.scenario(body.scenario_id)
        message, emotions, name = scenario.message, scenario.emotions, scenario.name
    elif body.message:
        message, emotions, name = body.message, (), "this person"
    else:
        raise NotFoundError("Give the scenario id or the message the reply answers.")
    feedback, screen = services.written.read(message, body.reply, emotions=emotions, name=name)
    if feedback is None:
        return {"crisis": {"level": screen.level.value, "message": screen.message()}}
    return feedback.to_dict()


@router.post("/written/replies", status_code=201)
def submit_reply(body: ReplyRequest, caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """Score and keep a reply to a scenario: feedback, skill updates, and what changed from a first try."""
    result = services.written.submit(
        caller.handle,
        body.scenario_id,
        body.reply,
        recommendation_id=body.recommendation_id,
        previous_attempt_id=body.previous_attempt_id,
    )
    if result.feedback is None:
        crisis = {"level": result.crisis.level.value, "message": result.crisis.message()}
        return {"paused": True, "crisis": crisis}
    return {
        "attempt_id": result.attempt_id,
        "feedback": result.feedback.to_dict(),
        "changes": [
            {"aspect": c.aspect, "before": c.before, "after": c.after, "direction": c.direction}
            for c in result.changes
        ],
        "updates": [
            {
                "skill": u.after.skill.value,
                "before": round(u.before.mean, 3),
                "after": round(u.after.mean, 3),
                "sd": round(u.after.sd, 3),
            }
            for u in result.updates
        ],  # fmt: skip
        "reply_stored": result.reply_stored,
    }
