"""The kinds of personal data attunement keeps, which of them a person can delete on their own, and
the entries of the audit log a person sees.

Every table of the schema names its category (see ``attunement.store.tables``), so deleting a
category reaches every table in it, and "what we collect" is generated from the same place.

Examples
--------
>>> DataCategory("checkins").deletable
True
>>> DataCategory.ACCOUNT.deletable
False
>>> AuditAction.PARTNER_READ.describe({"what": "check-ins", "count": 2}, actor="Alex")
'Alex saw 2 of your shared check-ins.'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class DataCategory(StrEnum):
    """A kind of personal data, deletable on its own unless it is the account itself."""

    ACCOUNT = "account"
    ASSESSMENT = "assessment"
    PRACTICE = "practice"
    CHECKINS = "checkins"
    SUPPORT_MAP = "support_map"
    PERSONALIZATION = "personalization"
    WORDS = "words"

    @property
    def label(self) -> str:
        """A short name for headings and menus."""
        return _LABELS[self]

    @property
    def description(self) -> str:
        """What deleting this category removes, in one sentence."""
        return _DESCRIPTIONS[self]

    @property
    def deletable(self) -> bool:
        """Whether it can be deleted while keeping the account (the account goes only as a whole)."""
        return self is not DataCategory.ACCOUNT


_LABELS = {
    DataCategory.ACCOUNT: "Your account",
    DataCategory.ASSESSMENT: "Assessment and skill estimates",
    DataCategory.PRACTICE: "Practice history",
    DataCategory.CHECKINS: "Check-ins",
    DataCategory.SUPPORT_MAP: "Support map",
    DataCategory.PERSONALIZATION: "What the suggestions learned from you",
    DataCategory.WORDS: "Everything you wrote",
}

_DESCRIPTIONS = {
    DataCategory.ACCOUNT: (
        "Your profile, sign-in, consents, partner link and audit log; they go only when you delete "
        "the whole account."
    ),
    DataCategory.ASSESSMENT: (
        "Your questionnaire answers, goals and every skill estimate made from them or since."
    ),
    DataCategory.PRACTICE: (
        "Every suggestion you were given, what you did with it, your "
        "ratings, reflections and written replies."
    ),
    DataCategory.CHECKINS: (
        "Your check-ins (moods, words, emotions) and the suggestions your partner got from them."
    ),
    DataCategory.SUPPORT_MAP: "What you said helps you, and does not, for each kind of stress.",
    DataCategory.PERSONALIZATION: (
        "What the suggestions learned from your outcomes and ratings, including your share of what "
        "they learned from everyone; suggestions start again from your answers."
    ),
    DataCategory.WORDS: (
        "Every text you wrote (reflections, replies, check-in words, support-map words); the numbers stay."
    ),
}


class AuditAction(StrEnum):
    """Something done with a person's data that they should be able to see afterwards."""

    PARTNER_READ = "partner_read"
    EXPORT = "export"
    DELETE = "delete"
    CORRECT = "correct"
    CONSENT = "consent"

    def describe(self, detail: dict[str, Any], actor: str | None = None) -> str:
        """One sentence for the person whose data it was."""
        if self is AuditAction.PARTNER_READ:
            who = actor or "Your former partner"
            count = detail.get("count")
            what = detail.get("what", "shared data")
            return f"{who} saw {count} of your shared {what}." if count else f"{who} saw your shared {what}."
        if self is AuditAction.EXPORT:
            return f"You exported your data ({detail.get('format', 'json')})."
        if self is AuditAction.DELETE:
            label = str(detail.get("label", "some of your data")).lower()
            return f"You deleted {label} ({detail.get('rows', 0)} records)."
        if self is AuditAction.CORRECT:
            return f"You corrected a belief: {detail.get('what', '')}."
        verb = "gave" if detail.get("granted") else "withdrew"
        return f"You {verb} consent to {detail.get('purpose', 'a purpose')}."
