"""The JSON API for privacy: what is collected and why, what attunement believes about you (and
correcting it), consent, export (JSON or a readable report), deletion of one kind of data or of
everything, and the audit log. Consent and deletion need a signed-in session, not an API token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from attunement.domain.consent import Purpose
from attunement.domain.privacy import DataCategory
from attunement.domain.skills import Skill
from attunement.errors import InvalidInputError
from attunement.services.privacy import PrivacyService
from attunement.services.transparency import BeliefService, Leaning, collected
from attunement.web.deps import Owner, Practiser, Reader, ServicesDep

router = APIRouter()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Deletion(_Body):
    confirm: str = Field(min_length=1, max_length=64, description="Your handle, to confirm.")


class Correction(_Body):
    level: float = Field(ge=1, le=5, description="Where you see yourself on this skill, 1-5.")


class ConsentChoice(_Body):
    granted: bool


def _leaning(lean: Leaning) -> dict[str, Any]:
    return {
        "feature": lean.feature,
        "label": lean.label,
        "yours": round(lean.yours, 4),
        "everyone": round(lean.everyone, 4),
    }


@router.get("/privacy/collected")
def what_we_collect() -> list[dict[str, Any]]:
    """What attunement collects and why, table by table, generated from the database schema."""
    return [
        {
            "table": t.name,
            "what": t.what,
            "why": t.why,
            "category": t.category.value,
            "consent": t.purpose.value if t.purpose else None,
            "kept": t.kept,
            "about_you": t.about_you,
            "fields": [{"name": f.name, "meaning": f.meaning, "encrypted": f.encrypted} for f in t.fields],
        }
        for t in collected()
    ]


@router.get("/privacy/beliefs")
def beliefs(caller: Reader, services: ServicesDep) -> dict[str, Any]:
    """What attunement believes about you: skill estimates with uncertainty, what your suggestions
    lean towards (for you and for everyone), and the kinds of support your map and ratings favour."""
    found = BeliefService(services.practice).beliefs(caller.handle)
    return {
        "skills": [
            {
                "skill": s.skill.value,
                "label": s.skill.label,
                "mean": round(s.mean, 3),
                "sd": round(s.sd, 3),
                "source": s.source,
                "since": s.since.isoformat() if s.since else None,
            }
            for s in found.skills
        ],
        "personalization": found.personalization,
        "outcomes": found.outcomes,
        "leanings": [_leaning(lean) for lean in found.leanings],
        "support": [_leaning(lean) for lean in found.support],
        "support_ratings": found.support_ratings,
        "doubted_map_lines": [{"context": c.value, "label": c.label} for c in found.doubted_lines],
        "map_reading": found.map_reading,
    }


@router.put("/privacy/beliefs/skills/{skill}")
def correct_skill(skill: Skill, body: Correction, caller: Practiser, services: ServicesDep) -> dict[str, Any]:
    """Correct a skill estimate to where you see yourself; practice keeps measuring from there."""
    belief = BeliefService(services.practice).correct_skill(caller.handle, skill, body.level)
    return {"skill": belief.skill.value, "mean": belief.mean, "sd": belief.sd, "source": belief.source}


@router.put("/privacy/consents/{purpose}")
def set_consent(
    purpose: Purpose, body: ConsentChoice, caller: Owner, services: ServicesDep
) -> dict[str, Any]:
    """Grant or withdraw a consent; the answer says what changes and what happens to what was kept."""
    effect = PrivacyService(services.practice).set_consent(caller.handle, purpose, body.granted)
    return {"purpose": purpose.value, "granted": body.granted, "effect": effect}


@router.get("/privacy/export")
def export(caller: Reader, services: ServicesDep) -> dict[str, list[dict[str, Any]]]:
    """Everything stored about you, table by table, your text decrypted (the export is logged)."""
    return PrivacyService(services.practice).export(caller.handle)


@router.get("/privacy/report", response_class=PlainTextResponse)
def report(caller: Reader, services: ServicesDep) -> PlainTextResponse:
    """The same as the export, as a readable Markdown report."""
    return PlainTextResponse(
        PrivacyService(services.practice).report(caller.handle), media_type="text/markdown"
    )


@router.get("/privacy/summary")
def summary(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """How many records of each kind are kept about you, and whether you can delete that kind alone."""
    return [
        {
            "category": c.value,
            "label": c.label,
            "records": n,
            "deletable": c.deletable,
            "description": c.description,
        }
        for c, n in PrivacyService(services.practice).summary(caller.handle)
    ]


@router.delete("/privacy/data/{category}")
def delete_category(category: DataCategory, caller: Owner, services: ServicesDep) -> dict[str, Any]:
    """Delete one kind of your data (not the account: that goes as a whole, below)."""
    count = PrivacyService(services.practice).delete_category(caller.handle, category)
    return {"category": category.value, "deleted": count}


@router.get("/privacy/audit")
def audit_log(caller: Reader, services: ServicesDep) -> list[dict[str, Any]]:
    """Who read what you shared with your partner, and what you exported, deleted or corrected."""
    return [
        {"at": e.at.isoformat(), "action": e.action.value, "by_partner": e.by_partner, "text": e.sentence}
        for e in PrivacyService(services.practice).audit(caller.handle)
    ]


@router.delete("/account", status_code=204)
def delete_account(body: Deletion, caller: Owner, services: ServicesDep) -> Response:
    """Delete your account and everything about you, your data key included. Cannot be undone."""
    if body.confirm.strip().lower() != caller.handle:
        raise InvalidInputError("Give your handle as 'confirm' to delete the account.")
    PrivacyService(services.practice).delete(caller.handle)
    return Response(status_code=204)
