"""The JSON API for partners: linking, support maps, check-ins, suggestions, ratings and patterns.
Sharing rules are the services'; see :mod:`attunement.services.partners`."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from attunement.domain.support import SupportKind
from attunement.services.partners import Insight, SharedCheckin, SupportSuggestion
from attunement.web.deps import Practiser, Reader, ServicesDep

router = APIRouter()
Share = Literal["nothing", "mood", "emotions", "text"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Accept(_Body):
    code: str = Field(min_length=1, max_length=20)


class MapLine(_Body):
    helps: list[SupportKind] = Field(default_factory=list, max_length=8)
    not_helpful: list[SupportKind] = Field(default_factory=list, max_length=8)
    words: str | None = Field(default=None, max_length=500)


class Checkin(_Body):
    mood: int = Field(ge=1, le=5)
    text: str | None = Field(default=None, max_length=2_000)
    context: str | None = Field(default=None, max_length=20)
    share: Share = "mood"


class Rating(_Body):
    rating: int = Field(ge=1, le=5)


def _shared(c: SharedCheckin) -> dict[str, Any]:
    return {
        "id": c.checkin_id,
        "at": c.created_at.isoformat(),
        "shared": c.visibility.value,
        "mood": c.mood,
        "emotions": list(c.emotions) if c.emotions is not None else None,
        "context": c.context.value if c.context else None,
        "text": c.text,
    }


def _suggestion(s: SupportSuggestion) -> dict[str, Any]:
    return {
        "id": s.id,
        "checkin": _shared(s.checkin),
        "kind": s.kind.value,
        "label": s.kind.label,
        "phrasings": list(s.phrasings),
        "why": s.why,
        "explanation": s.explanation,
        "talk_together": s.talk_together,
        "professional_help": s.professional_help,
    }


def _insight(i: Insight) -> dict[str, Any]:
    return {"title": i.title, "detail": i.detail, "evidence": list(i.evidence)}


@router.get("/partner")
def partner(caller: Reader, services: ServicesDep) -> dict[str, Any]:
    """Who you are linked with (``null`` when nobody)."""
    found = services.partners.partner(caller.handle)
    return {
        "partner": found.handle if found else None,
        "since": found.linked_at.isoformat() if found else None,
    }


@router.post("/partner/invites", status_code=201)
def invite(caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """A new invite code for your partner (valid 72 hours, once)."""
    made = services.partners.invite(caller.handle)
    return {"code": made.code, "expires_at": made.expires_at.isoformat()}


@router.delete("/partner/invites")
def revoke_invites(caller: Practiser, services: ServicesDep) -> dict[str, int]:
    """Revoke your open invite codes."""
    return {"revoked": services.partners.revoke_invites(caller.handle)}


@router.post("/partner/accept")
def accept(body: Accept, caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """Link with whoever made the invite code."""
    linked = services.partners.accept(caller.handle, body.code)
    return {"partner": linked.handle, "since": linked.linked_at.isoformat()}


@router.delete("/partner", status_code=204)
def unlink(caller: Practiser, services: ServicesDep) -> Response:
    """Stop all sharing with your partner, at once."""
    services.partners.unlink(caller.handle)
    return Response(status_code=204)


@router.get("/support-map")
def support_map(caller: Reader, services: ServicesDep) -> dict[str, Any]:
    """Your own support map, your words included."""
    found = services.partners.support_map(caller.handle)
    return {
        stress.value: {
            "helps": sorted(k.value for k in entry.helps),
            "not_helpful": sorted(k.value for k in entry.not_helpful),
            "words": entry.words,
        }
        for stress, entry in found.entries.items()
    }


@router.put("/support-map/{context}")
def set_support_map(context: str, body: MapLine, caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """Say how you like to be supported with one kind of stress."""
    entry = services.partners.set_support_map(
        caller.handle, context, helps=body.helps, not_helpful=body.not_helpful, words=body.words
    )
    return {"context": entry.context.value, "saved": True}


@router.post("/checkins", status_code=201)
def checkin(body: Checkin, caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """Check in: a mood, optional words and context, and what your partner may see."""
    result = services.partners.checkin(
        caller.handle, body.mood, text=body.text, context=body.context, share=body.share
    )
    crisis = (
        {"level": result.crisis.level.value, "message": result.crisis.message()}
        if result.crisis.flagged
        else None
    )
    return {
        "id": result.checkin_id,
        "emotions": list(result.emotions),
        "shared_with_partner": result.shared_with_partner,
        "crisis": crisis,
        "professional_help": result.professional_help,
    }


@router.get("/partner/checkins")
def partner_checkins(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """Your partner's check-ins, each only as far as they chose to share it."""
    return [_shared(c) for c in services.partners.partner_checkins(caller.handle)]


@router.get("/support/suggestions")
def suggestions(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """How to support your partner now: kind, phrasings, why; newest first."""
    return [_suggestion(s) for s in services.partners.suggestions(caller.handle)]


@router.get("/support/received")
def received(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """Support you were offered and have not rated yet."""
    return [
        {"id": i, "kind": k.value, "at": when.isoformat()}
        for i, k, when in services.partners.support_to_rate(caller.handle)
    ]


@router.post("/support/{suggestion_id}/rating")
def rate(suggestion_id: str, body: Rating, caller: Practiser, services: ServicesDep) -> dict[str, float]:
    """How supported you felt (1-5); your pair's suggestions learn from it."""
    return {"reward": services.partners.rate(caller.handle, suggestion_id, body.rating)}


@router.get("/patterns")
def patterns(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """Patterns in your own check-ins, each with its evidence."""
    return [_insight(i) for i in services.partners.patterns(caller.handle)]


@router.get("/partner/patterns")
def partner_patterns(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """Your partner's patterns, only while they share them."""
    return [_insight(i) for i in services.partners.partner_patterns(caller.handle)]
