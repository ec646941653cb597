"""Pages rendered on the server: onboarding, sign-in, assessment, practice, written practice, progress,
the partner space, privacy.

Plain HTML forms, each with its CSRF token, and one small script for live feedback.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from attunement.domain.consent import ONBOARDING, Purpose
from attunement.domain.privacy import DataCategory
from attunement.domain.support import StressContext, SupportKind, Visibility
from attunement.errors import AttunementError, InvalidInputError, PermissionDeniedError
from attunement.services.privacy import PrivacyService, category_of
from attunement.services.transparency import BeliefService, collected
from attunement.services.views import PersonView
from attunement.web.deps import SESSION_COOKIE, services, set_session_cookie

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
PURPOSES = (*ONBOARDING, Purpose.SHARE_PATTERNS)


def _signed_in(request: Request) -> tuple[PersonView, str] | None:
    """The signed-in person and their session token, looked up once per request."""
    if not hasattr(request.state, "signed_in"):
        request.state.signed_in = _look_up_session(request)
    found: tuple[PersonView, str] | None = request.state.signed_in
    return found


def _look_up_session(request: Request) -> tuple[PersonView, str] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return services(request).accounts.session_person(token), token
    except PermissionDeniedError:
        return None


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    signed = _signed_in(request)
    csrf = services(request).accounts.csrf_token(signed[1]) if signed else None
    base = {"person": signed[0] if signed else None, "csrf": csrf, "title": name.split(".")[0].title()}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


async def _form(request: Request) -> tuple[PersonView, dict[str, list[str]]]:
    """The signed-in person and the posted form, after checking its CSRF token."""
    signed = _signed_in(request)
    if signed is None:
        raise PermissionDeniedError("Please sign in.")
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        fields.setdefault(key, []).append(str(value))
    services(request).accounts.check_csrf(signed[1], (fields.get("csrf_token") or [""])[0])
    return signed[0], fields


def _one(fields: dict[str, list[str]], key: str) -> str:
    return (fields.get(key) or [""])[0].strip()


def _to_signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/practice" if _signed_in(request) else "/welcome", status_code=303)


@router.get("/welcome")
def welcome(request: Request) -> Response:
    return _page(request, "welcome.html", purposes=ONBOARDING, title="Welcome")


@router.post("/signup")
async def sign_up(request: Request) -> Response:
    form = await request.form()
    handle, password = str(form.get("handle", "")).strip(), str(form.get("password", ""))
    chosen = [Purpose(v) for v in form.getlist("consent") if v in {p.value for p in ONBOARDING}]
    accounts = services(request).accounts
    try:
        accounts.sign_up(handle, password, consents=chosen)
        session = accounts.sign_in(handle, password)
    except AttunementError as error:
        return _page(request, "welcome.html", 400, purposes=ONBOARDING, error=str(error), handle=handle)
    response = RedirectResponse("/assess", status_code=303)
    set_session_cookie(request, response, session.token)
    return response


@router.get("/signin")
def sign_in_page(request: Request) -> Response:
    return _page(request, "signin.html", title="Sign in")


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    handle, password = str(form.get("handle", "")).strip(), str(form.get("password", ""))
    try:
        session = services(request).accounts.sign_in(handle, password)
    except AttunementError as error:
        status = 429 if "Too many" in str(error) else 400
        return _page(request, "signin.html", status, error=str(error), handle=handle, title="Sign in")
    response = RedirectResponse("/practice", status_code=303)
    set_session_cookie(request, response, session.token)
    return response


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    signed = _signed_in(request)
    if signed is not None:
        await _form(request)
        services(request).accounts.sign_out(signed[1])
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/assess")
def assess_page(request: Request) -> Response:
    if _signed_in(request) is None:
        return _to_signin()
    items = services(request).practice.questionnaire.items
    return _page(request, "assess.html", items=items, title="Assessment")


@router.post("/assess")
async def assess(request: Request) -> Response:
    person, fields = await _form(request)
    found = services(request)
    answers = {}
    for item in found.practice.questionnaire.items:
        value = _one(fields, item.id)
        if not value.isdigit():
            error = "Please answer every statement with a number from 1 to 5."
            return _page(request, "assess.html", 400, items=found.practice.questionnaire.items, error=error)
        answers[item.id] = int(value)
    try:
        found.practice.record_assessment(person.handle, answers, [])
    except AttunementError as error:
        return _page(request, "assess.html", 400, items=found.practice.questionnaire.items, error=str(error))
    return RedirectResponse("/progress?assessed=1", status_code=303)


@router.get("/practice")
def practice_page(request: Request, saved: int = 0) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _to_signin()
    suggestion = services(request).practice.next_exercise(signed[0].handle)
    skills = ", ".join(s.label for s in suggestion.exercise.skills)
    notice = "Saved. Here is another one, if you have time." if saved else None
    return _page(request, "practice.html", s=suggestion, skills=skills, notice=notice, title="Practice")


@router.post("/practice/{recommendation_id}")
async def practice_outcome(request: Request, recommendation_id: str) -> Response:
    person, fields = await _form(request)
    rating = _one(fields, "rating")
    reflection = _one(fields, "reflection") or None
    screen = services(request).text.screen(reflection) if reflection else None
    try:
        services(request).practice.record_attempt(
            recommendation_id,
            completed=_one(fields, "completed") != "no",
            rating=int(rating) if rating.isdigit() else None,
            reflection=None if screen and screen.flagged else reflection,
            handle=person.handle,
        )
    except AttunementError as error:
        raise InvalidInputError(str(error)) from None
    if screen and screen.flagged:  # resources instead of a thank-you; the reflection is not kept
        return _page(request, "error.html", 200, error=screen.message(), title="Support is available")
    return RedirectResponse("/practice?saved=1", status_code=303)


@router.get("/write")
def write_page(
    request: Request,
    scenario: str | None = None,
    skill: str | None = None,
    recommendation: str | None = None,
    previous: str | None = None,
) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _to_signin()
    written = services(request).written
    if scenario:
        chosen, reason = written.scenario(scenario), None
    else:
        choice = written.next_scenario(signed[0].handle, skill=skill)
        chosen, reason = choice.scenario, choice.reason
    return _page(request, "write.html", scenario=chosen, reason=reason, recommendation=recommendation,
                 previous=previous, title="Write")  # fmt: skip


@router.post("/write")
async def write(request: Request) -> Response:
    person, fields = await _form(request)
    written = services(request).written
    result = written.submit(
        person.handle,
        _one(fields, "scenario_id"),
        _one(fields, "reply"),
        recommendation_id=_one(fields, "recommendation_id") or None,
        previous_attempt_id=_one(fields, "previous_attempt_id") or None,
    )
    names = written.guide.mechanism_names
    return _page(request, "written_result.html", result=result, names=names, title="Feedback")


@router.get("/progress")
def progress_page(request: Request, assessed: int = 0) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _to_signin()
    found = services(request)
    report = found.practice.progress(signed[0].handle)
    rows = []
    for row in sorted(report.skills, key=lambda r: r.estimate.mean):
        means = list(row.weekly_estimates) or [row.estimate.mean] * 8
        sd = row.estimate.sd
        xs = [i * 160 / max(1, len(means) - 1) for i in range(len(means))]

        def y(v: float) -> float:
            return round(34 - (min(5.0, max(1.0, v)) - 1) / 4 * 32, 1)

        upper = [f"{x:.0f},{y(m + sd)}" for x, m in zip(xs, means, strict=True)]
        lower = [f"{x:.0f},{y(m - sd)}" for x, m in zip(xs, means, strict=True)]
        rows.append(
            {
                "label": row.skill.label,
                "mean": row.estimate.mean,
                "sd": sd,
                "change": row.shown_change,
                "line": " ".join(f"{x:.0f},{y(m)}" for x, m in zip(xs, means, strict=True)),
                "band": " ".join(upper + lower[::-1]),
            }
        )
    days = Counter(
        a.recorded_at.date() for a in found.practice.history(signed[0].handle, limit=500) if a.completed
    )
    today = datetime.now(UTC).date()
    calendar = [min(2, days.get(today - timedelta(days=55 - i), 0)) for i in range(56)]
    notice = "Your skills are estimated. Next: today's practice." if assessed else None
    context: dict[str, Any] = {
        "rows": rows,
        "calendar": calendar,
        "done_days": sum(1 for c in calendar if c),
        "completed": report.completed,
        "suggested": report.suggested,
        "written": report.written,
        "notice": notice,
        "title": "Progress",
    }
    return _page(request, "progress.html", 200, **context)


@router.get("/privacy")
def privacy_page(request: Request, saved: int = 0, deleted: str | None = None, n: int = 0) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _to_signin()
    found = services(request)
    privacy = PrivacyService(found.practice)
    notice = "Saved." if saved else None
    if deleted in {c.value for c in DataCategory}:
        notice = f"Deleted {DataCategory(deleted).label.lower()}: {n} records."
    return _privacy_page(request, signed[0], privacy, notice=notice)


def _privacy_page(
    request: Request, person: PersonView, privacy: PrivacyService, notice: str | None = None
) -> HTMLResponse:
    return _page(
        request,
        "privacy.html",
        summary=privacy.summary(person.handle),
        consents=[(p, person.consents.get(p.value, False)) for p in PURPOSES],
        beliefs=BeliefService(privacy.practice).beliefs(person.handle),
        audit=privacy.audit(person.handle, limit=30),
        notice=notice,
        title="Privacy",
    )


@router.get("/privacy/collected")
def collected_page(request: Request) -> Response:
    return _page(
        request, "collected.html", tables=collected(), categories=list(DataCategory), title="What we collect"
    )


@router.get("/privacy/export")
def privacy_export(request: Request, format: str = "json") -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _to_signin()
    privacy, handle = PrivacyService(services(request).practice), signed[0].handle
    if format == "report":
        disposition = f'attachment; filename="attunement-{handle}.md"'
        return Response(
            privacy.report(handle), media_type="text/markdown", headers={"Content-Disposition": disposition}
        )
    body = json.dumps(privacy.export(handle), indent=2, ensure_ascii=False, default=str)
    disposition = f'attachment; filename="attunement-{handle}.json"'
    return Response(body, media_type="application/json", headers={"Content-Disposition": disposition})


@router.post("/privacy/consent")
async def privacy_consent(request: Request) -> Response:
    person, fields = await _form(request)
    chosen = set(fields.get("consent", []))
    privacy = PrivacyService(services(request).practice)
    effects = [
        privacy.set_consent(person.handle, purpose, purpose.value in chosen)
        for purpose in PURPOSES
        if person.consents.get(purpose.value, False) != (purpose.value in chosen)
    ]
    updated = privacy.practice.person(person.handle)
    return _privacy_page(request, updated, privacy, notice=" ".join(effects) or "Nothing changed.")


@router.post("/privacy/correct")
async def privacy_correct(request: Request) -> Response:
    person, fields = await _form(request)
    try:
        level = float(_one(fields, "level"))
    except ValueError:
        raise InvalidInputError("A skill level is a number between 1 and 5.") from None
    BeliefService(services(request).practice).correct_skill(person.handle, _one(fields, "skill"), level)
    return RedirectResponse("/privacy?saved=1#beliefs", status_code=303)


@router.post("/privacy/delete-category")
async def privacy_delete_category(request: Request) -> Response:
    person, fields = await _form(request)
    category = category_of(_one(fields, "category"))
    if _one(fields, "confirm") != "yes":
        raise InvalidInputError("Tick the box to confirm the deletion.")
    count = PrivacyService(services(request).practice).delete_category(person.handle, category)
    return RedirectResponse(f"/privacy?deleted={category.value}&n={count}#data", status_code=303)


@router.post("/privacy/delete")
async def privacy_delete(request: Request) -> Response:
    person, fields = await _form(request)
    if _one(fields, "confirm").lower() != person.handle:
        raise InvalidInputError("Type your handle exactly to confirm the deletion.")
    PrivacyService(services(request).practice).delete(person.handle)
    response = RedirectResponse("/welcome", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/partner")
def partner_page(request: Request, code: str | None = None, saved: int = 0) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return _to_signin()
    partners = services(request).partners
    handle = signed[0].handle
    context = {
        "partner": partners.partner(handle),
        "suggestions": partners.suggestions(handle, limit=1),
        "to_rate": partners.support_to_rate(handle)[-3:],
        "contexts": list(StressContext),
        "kinds": list(SupportKind),
        "visibilities": list(Visibility),
        "code": code,
        "notice": "Saved." if saved else None,
        "title": "Partner",
    }
    return _page(request, "partner.html", 200, **context)


@router.post("/partner/invite")
async def partner_invite(request: Request) -> Response:
    person, _ = await _form(request)
    invite = services(request).partners.invite(person.handle)
    return RedirectResponse(f"/partner?code={invite.code}", status_code=303)


@router.post("/partner/accept")
async def partner_accept(request: Request) -> Response:
    person, fields = await _form(request)
    services(request).partners.accept(person.handle, _one(fields, "code"))
    return RedirectResponse("/partner?saved=1", status_code=303)


@router.post("/partner/unlink")
async def partner_unlink(request: Request) -> Response:
    person, _ = await _form(request)
    services(request).partners.unlink(person.handle)
    return RedirectResponse("/partner?saved=1", status_code=303)


@router.post("/partner/checkin")
async def partner_checkin(request: Request) -> Response:
    person, fields = await _form(request)
    mood = _one(fields, "mood")
    if not mood.isdigit():
        raise InvalidInputError("Choose a mood from 1 to 5.")
    result = services(request).partners.checkin(
        person.handle,
        int(mood),
        text=_one(fields, "text") or None,
        context=_one(fields, "context") or None,
        share=_one(fields, "share") or "mood",
    )
    if result.crisis.flagged or result.professional_help:
        message = result.crisis.message() if result.crisis.flagged else result.professional_help
        return _page(request, "error.html", 200, error=message, title="Support is available")
    return RedirectResponse("/partner?saved=1", status_code=303)


@router.post("/partner/map")
async def partner_map(request: Request) -> Response:
    person, fields = await _form(request)
    services(request).partners.set_support_map(
        person.handle,
        _one(fields, "context"),
        helps=fields.get("helps", []),
        not_helpful=fields.get("not_helpful", []),
        words=_one(fields, "words") or None,
    )
    return RedirectResponse("/partner?saved=1", status_code=303)


@router.post("/partner/rate/{suggestion_id}")
async def partner_rate(request: Request, suggestion_id: str) -> Response:
    person, fields = await _form(request)
    rating = _one(fields, "rating")
    if not rating.isdigit():
        raise InvalidInputError("Choose a rating from 1 to 5.")
    services(request).partners.rate(person.handle, suggestion_id, int(rating))
    return RedirectResponse("/partner?saved=1", status_code=303)
