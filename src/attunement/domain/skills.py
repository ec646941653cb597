"""The empathy skill taxonomy every exercise, item and estimate refers to.

Examples
--------
>>> Skill("validation").label
'Validation'
>>> len(SKILLS)
12
"""

from __future__ import annotations

from enum import StrEnum


class Skill(StrEnum):
    """One growth area; the value is the id used in content files and storage."""

    PERSPECTIVE_TAKING = "perspective_taking"
    EMPATHIC_CONCERN = "empathic_concern"
    EMOTIONAL_VOCABULARY = "emotional_vocabulary"
    ACTIVE_LISTENING = "active_listening"
    REFLECTIVE_RESPONDING = "reflective_responding"
    VALIDATION = "validation"
    NONVERBAL_READING = "nonverbal_reading"
    NONVERBAL_EXPRESSION = "nonverbal_expression"
    VERBAL_EXPRESSION = "verbal_expression"
    CROSS_CULTURAL = "cross_cultural"
    SELF_COMPASSION = "self_compassion"
    REPAIR = "repair"

    @property
    def label(self) -> str:
        """A short human name, e.g. ``'Reading nonverbal cues'``."""
        return _LABELS[self]


_LABELS = {
    Skill.PERSPECTIVE_TAKING: "Perspective taking",
    Skill.EMPATHIC_CONCERN: "Empathic concern",
    Skill.EMOTIONAL_VOCABULARY: "Emotional vocabulary",
    Skill.ACTIVE_LISTENING: "Active listening",
    Skill.REFLECTIVE_RESPONDING: "Reflective responding",
    Skill.VALIDATION: "Validation",
    Skill.NONVERBAL_READING: "Reading nonverbal cues",
    Skill.NONVERBAL_EXPRESSION: "Empathy without words",
    Skill.VERBAL_EXPRESSION: "Putting empathy into words",
    Skill.CROSS_CULTURAL: "Understanding other cultures",
    Skill.SELF_COMPASSION: "Self-compassion and own distress",
    Skill.REPAIR: "Repair after conflict",
}

SKILLS: tuple[Skill, ...] = tuple(Skill)
"""All skills, in a fixed order used for feature vectors."""

SKILL_INDEX: dict[Skill, int] = {skill: i for i, skill in enumerate(SKILLS)}
