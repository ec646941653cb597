"""Purposes a person can consent to, and what each one means in plain words.

Examples
--------
>>> Purpose("personalization").description.startswith("Learn")
True
"""

from __future__ import annotations

from enum import StrEnum

from attunement.errors import InvalidInputError

WORDING_VERSION = 1


class Purpose(StrEnum):
    """Something attunement does with personal data only with the person's consent."""

    PERSONALIZATION = "personalization"
    STORE_REFLECTIONS = "store_reflections"
    SHARE_PATTERNS = "share_patterns"

    @classmethod
    def parse(cls, value: Purpose | str) -> Purpose:
        """The purpose named ``value``; raises :class:`InvalidInputError` listing the known ones."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(p.value for p in cls)
            raise InvalidInputError(f"'{value}' is not a consent purpose; known ones are {known}.") from None

    @property
    def description(self) -> str:
        """What agreeing allows, in one sentence."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Purpose.PERSONALIZATION: (
        "Learn from your answers, completions and ratings which exercises help you, on this device."
    ),
    Purpose.STORE_REFLECTIONS: (
        "Keep the reflections you write, encrypted with a key only your account holds, "
        "so you can reread them."
    ),
    Purpose.SHARE_PATTERNS: (
        "Let your linked partner see your weekly patterns (moods, emotions, what helped; never your words), "
        "until you stop sharing."
    ),
}

ONBOARDING: tuple[Purpose, ...] = (Purpose.PERSONALIZATION, Purpose.STORE_REFLECTIONS)
"""The purposes asked about when a person joins; sharing with a partner is asked for when it arises."""
