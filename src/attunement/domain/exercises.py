"""Exercises: what a person can practise, and how.

Examples
--------
>>> ex = Exercise(id="validation-01-x", title="X", skills=(Skill.VALIDATION,),
...               modality=Modality.REFLECTION, minutes=5, difficulty=1,
...               instructions="Do it.", follow_up="How was it?")
>>> ex.primary_skill.label
'Validation'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from attunement.domain.skills import Skill
from attunement.errors import NotFoundError


class Modality(StrEnum):
    """How an exercise is done."""

    REFLECTION = "reflection"
    WRITTEN_REPLY = "written_reply"
    OBSERVATION = "observation"
    IN_CONVERSATION = "in_conversation"
    ROLE_PLAY = "role_play"

    @property
    def label(self) -> str:
        """Human name, e.g. ``'role play'``."""
        return self.value.replace("_", " ")


MODALITIES: tuple[Modality, ...] = tuple(Modality)
DIFFICULTIES: tuple[int, ...] = (1, 2, 3)
DIFFICULTY_LABELS = {1: "easy", 2: "medium", 3: "stretch"}


@dataclass(frozen=True, slots=True)
class Exercise:
    """One practice exercise from the catalogue; ``skills[0]`` is its primary skill."""

    id: str
    title: str
    skills: tuple[Skill, ...]
    modality: Modality
    minutes: int
    difficulty: int
    instructions: str
    follow_up: str

    @property
    def primary_skill(self) -> Skill:
        """The skill the exercise mainly trains."""
        return self.skills[0]


class Catalogue:
    """The exercises a person can be offered, looked up by id.

    Examples
    --------
    >>> ex = Exercise("a-1", "A", (Skill.REPAIR,), Modality.REFLECTION, 5, 1, "Do.", "Why?")
    >>> cat = Catalogue([ex])
    >>> cat.get("a-1").title, len(cat)
    ('A', 1)
    """

    def __init__(self, exercises: Iterable[Exercise]) -> None:
        self._by_id: dict[str, Exercise] = {}
        for exercise in exercises:
            if exercise.id in self._by_id:
                raise ValueError(f"The exercise id '{exercise.id}' appears twice.")
            self._by_id[exercise.id] = exercise
        self.exercises: tuple[Exercise, ...] = tuple(self._by_id.values())

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id; raises :class:`NotFoundError` if there is none."""
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise NotFoundError(f"No exercise has the id '{exercise_id}'.") from None

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)
