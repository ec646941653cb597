"""Support between partners: kinds of support, kinds of stress, emotion families, phrasings.

The eight kinds of support a person can say help them (their *support map*)
draw on three strands of the literature (see ``docs/partners.md``): the
strategies of the ESConv corpus (Liu et al., 2021), Cutrona and Suhr's social
support types (emotional, esteem, informational, tangible, network; 1992), and
the optimal matching idea that support helps when it fits the stress and the
person (Cutrona and Russell, 1990).

Examples
--------
>>> SupportKind("listening").label
'Listening'
>>> family_of(["nervousness", "sadness"])
<EmotionFamily.ANXIOUS: 'anxious'>
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from attunement.errors import NotFoundError


class SupportKind(StrEnum):
    """A kind of support a partner can offer."""

    LISTENING = "listening"
    REASSURANCE = "reassurance"
    REFLECTION = "reflection"
    PRACTICAL = "practical"
    INFORMATION = "information"
    TOGETHER = "together"
    CLOSENESS = "closeness"
    SPACE = "space"

    @property
    def label(self) -> str:
        """A short human name, e.g. ``'Practical suggestions'``."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    SupportKind.LISTENING: "Listening",
    SupportKind.REASSURANCE: "Reassurance and affirmation",
    SupportKind.REFLECTION: "Reflecting feelings",
    SupportKind.PRACTICAL: "Practical suggestions",
    SupportKind.INFORMATION: "Information",
    SupportKind.TOGETHER: "Doing something together",
    SupportKind.CLOSENESS: "Physical closeness",
    SupportKind.SPACE: "Space",
}
SUPPORT_KINDS: tuple[SupportKind, ...] = tuple(SupportKind)


class StressContext(StrEnum):
    """What a stress is about, as a person files a check-in or a line of their support map."""

    WORK = "work_study"
    FAMILY = "family"
    HEALTH = "health"
    RELATIONSHIP = "relationship"
    LOSS = "loss"
    EVERYDAY = "everyday"

    @property
    def label(self) -> str:
        """A short human name, e.g. ``'Work or study'``."""
        return _CONTEXT_LABELS[self]


_CONTEXT_LABELS = {
    StressContext.WORK: "Work or study",
    StressContext.FAMILY: "Family",
    StressContext.HEALTH: "Health",
    StressContext.RELATIONSHIP: "Our relationship",
    StressContext.LOSS: "Loss",
    StressContext.EVERYDAY: "Everyday hassles",
}
STRESS_CONTEXTS: tuple[StressContext, ...] = tuple(StressContext)


class EmotionFamily(StrEnum):
    """A coarse family of what someone feels, enough to choose how to phrase support."""

    SAD = "sad"
    ANXIOUS = "anxious"
    ANGRY = "angry"
    GLAD = "glad"
    UNSURE = "unsure"


EMOTION_FAMILIES: tuple[EmotionFamily, ...] = tuple(EmotionFamily)
_FAMILY_OF = {
    **dict.fromkeys(("sadness", "grief", "disappointment", "remorse", "embarrassment"), EmotionFamily.SAD),
    **dict.fromkeys(("fear", "nervousness", "confusion"), EmotionFamily.ANXIOUS),
    **dict.fromkeys(("anger", "annoyance", "disapproval", "disgust"), EmotionFamily.ANGRY),
    **dict.fromkeys(
        (
            "joy", "excitement", "gratitude", "pride", "relief", "optimism",
            "love", "admiration", "amusement", "approval", "caring",
        ),
        EmotionFamily.GLAD,
    ),
}  # fmt: skip


def family_of(emotions: Iterable[str]) -> EmotionFamily:
    """The family of the first emotion (most likely first) that has one; UNSURE when none does.

    >>> family_of(["neutral"]), family_of(["joy"])
    (<EmotionFamily.UNSURE: 'unsure'>, <EmotionFamily.GLAD: 'glad'>)
    """
    for emotion in emotions:
        if emotion in _FAMILY_OF:
            return _FAMILY_OF[emotion]
    return EmotionFamily.UNSURE


class Visibility(StrEnum):
    """What a partner may see of a check-in."""

    NOTHING = "nothing"
    MOOD = "mood"
    EMOTIONS = "emotions"
    TEXT = "text"

    @property
    def rank(self) -> int:
        """0 (nothing) to 3 (the text too): each level shows everything the lower ones do."""
        return _VISIBILITY_RANK[self]


_VISIBILITY_RANK = {Visibility.NOTHING: 0, Visibility.MOOD: 1, Visibility.EMOTIONS: 2, Visibility.TEXT: 3}


@dataclass(frozen=True)
class MapEntry:
    """One line of a support map: for one kind of stress, what helps, what does not, in their words."""

    context: StressContext
    helps: frozenset[SupportKind] = frozenset()
    not_helpful: frozenset[SupportKind] = frozenset()
    words: str | None = None


@dataclass(frozen=True)
class SupportMap:
    """How a person likes to be supported, per kind of stress."""

    entries: Mapping[StressContext, MapEntry] = field(default_factory=dict)

    def stance(self, context: StressContext, kind: SupportKind) -> int:
        """+1 when the person said ``kind`` helps with ``context``, -1 when it does not, else 0.

        >>> m = SupportMap({StressContext.WORK: MapEntry(StressContext.WORK, frozenset({SupportKind.SPACE}))})
        >>> m.stance(StressContext.WORK, SupportKind.SPACE), m.stance(StressContext.LOSS, SupportKind.SPACE)
        (1, 0)
        """
        entry = self.entries.get(context)
        if entry is None:
            return 0
        return 1 if kind in entry.helps else -1 if kind in entry.not_helpful else 0


@dataclass(frozen=True)
class SupportKindGuide:
    """What one kind of support is, why it may help, where it comes from, and how to say it."""

    kind: SupportKind
    description: str
    why: str
    esconv: tuple[str, ...]
    """ESConv strategies that are this kind of support (may be empty)."""
    cutrona_suhr: str
    """Cutrona and Suhr's support type: emotional, esteem, informational, tangible or network."""
    phrasings: Mapping[EmotionFamily, tuple[str, ...]]
    """Two or three example phrasings per emotion family, written for this project."""


@dataclass(frozen=True)
class SupportGuide:
    """All support kinds with their phrasings, the talk-together line and the professional-help text."""

    kinds: Mapping[SupportKind, SupportKindGuide]
    talk_together: tuple[str, ...]
    """Lines that invite the partners to talk together; one goes with every suggestion."""
    professional_help: str
    """Said when check-ins show repeated distress: professional help is a strength, and where to find it."""

    def kind(self, kind: SupportKind) -> SupportKindGuide:
        """The guide to one kind; raises :class:`NotFoundError`."""
        try:
            return self.kinds[kind]
        except KeyError:
            raise NotFoundError(f"There is no guide for the support kind '{kind}'.") from None

    def kinds_for_strategy(self, strategy: str) -> tuple[SupportKind, ...]:
        """The support kinds an ESConv strategy belongs to."""
        return tuple(k for k, g in self.kinds.items() if strategy in g.esconv)
