"""Practice scenarios: a short message from someone, and what an empathic written reply could do.

A scenario is the prompt of a written-reply practice: the person reads who
wrote, what they wrote and what the reader already knows, writes a reply, and
gets feedback built from the scenario's ``notes`` (what a good reply could do,
in the spirit of EPITOME's emotional reactions, interpretations and
explorations), its ``avoid`` list (common missteps) and one ``example_reply``.

Examples
--------
>>> s = Scenario(
...     id="few-words-01-fine", title="Fine.", sender="Your friend Amara",
...     relationship=Relationship.FRIEND, message="fine.",
...     context="Amara had her thesis defence this morning.",
...     skills=(Skill.NONVERBAL_READING,), difficulty=2, emotions=("disappointment",),
...     notes=("Notice the full stop.", "Leave the door open."), avoid=("Taking it at face value.",),
...     example_reply="That full stop sounds heavy. Want to tell me how it went?", culture_note=None)
>>> s.primary_skill.label, s.relationship.label
('Reading nonverbal cues', 'friend')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from attunement.domain.skills import Skill
from attunement.errors import NotFoundError


class Relationship(StrEnum):
    """Who the sender is to the reader; the value is the id used in content files."""

    FRIEND = "friend"
    PARTNER = "partner"
    COLLEAGUE = "colleague"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    STRANGER = "stranger"
    NEIGHBOUR = "neighbour"
    RELATIVE = "relative"
    CLASSMATE = "classmate"

    @property
    def label(self) -> str:
        """A human name, e.g. ``'neighbour'``."""
        return self.value


RELATIONSHIPS: tuple[Relationship, ...] = tuple(Relationship)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One written-reply practice prompt; ``skills[0]`` is the skill it mainly trains.

    ``notes`` say what an empathic reply could do, ``avoid`` the common
    missteps, ``example_reply`` shows one good answer (not the only one), and
    ``culture_note`` is set only where a cultural norm changes what helps.
    """

    id: str
    title: str
    sender: str
    relationship: Relationship
    message: str
    context: str
    skills: tuple[Skill, ...]
    difficulty: int
    emotions: tuple[str, ...]
    notes: tuple[str, ...]
    avoid: tuple[str, ...]
    example_reply: str
    culture_note: str | None = None

    @property
    def primary_skill(self) -> Skill:
        """The skill the scenario mainly trains."""
        return self.skills[0]

    @property
    def name(self) -> str:
        """How feedback refers to the sender: their name, or "this person" when the sender has none.

        >>> from attunement.content.scenarios import load_scenarios
        >>> load_scenarios().get("grief-01-the-voicemail").name
        'Tomás'
        """
        for words in _CAPITALISED.findall(self.sender):
            if words.split()[0] not in _NOT_NAMES:
                return str(words)
        return "this person"


_CAPITALISED = re.compile(r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
_NOT_NAMES = frozenset({"Your", "A", "An", "The", "I", "Someone", "Somebody", "My"})


class ScenarioSet:
    """The practice scenarios a person can be offered, looked up by id or by skill.

    Raises :class:`ValueError` when two scenarios share an id.

    Examples
    --------
    >>> s = Scenario("a-01-x", "X", "Your sister Noor", Relationship.SIBLING, "long day",
    ...              "Noor started a new job this week.", (Skill.ACTIVE_LISTENING,), 1,
    ...              ("neutral",), ("Ask about the day.", "Stay light."), ("Advice.",),
    ...              "Long as in busy, or long as in hard? I'm around.")
    >>> scenarios = ScenarioSet([s])
    >>> len(scenarios), scenarios.get("a-01-x").sender
    (1, 'Your sister Noor')
    >>> [x.id for x in scenarios.for_skill(Skill.ACTIVE_LISTENING)]
    ['a-01-x']
    >>> scenarios.get("nope")
    Traceback (most recent call last):
    ...
    attunement.errors.NotFoundError: No practice scenario has the id 'nope'.
    """

    def __init__(self, scenarios: Iterable[Scenario]) -> None:
        self._by_id: dict[str, Scenario] = {}
        for scenario in scenarios:
            if scenario.id in self._by_id:
                raise ValueError(f"The scenario id '{scenario.id}' appears twice.")
            self._by_id[scenario.id] = scenario
        self.scenarios: tuple[Scenario, ...] = tuple(self._by_id.values())

    def get(self, scenario_id: str) -> Scenario:
        """The scenario with this id; raises :class:`NotFoundError` if there is none."""
        try:
            return self._by_id[scenario_id]
        except KeyError:
            raise NotFoundError(f"No practice scenario has the id '{scenario_id}'.") from None

    def for_skill(self, skill: Skill) -> tuple[Scenario, ...]:
        """The scenarios tagged with ``skill`` (primary or not), in content order; may be empty."""
        return tuple(s for s in self.scenarios if skill in s.skills)

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self._by_id

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios)

    def __len__(self) -> int:
        return len(self.scenarios)
