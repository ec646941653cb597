"""Feedback on a written reply: what it shows, what it missed, and what to try next.

Pure rules over what the text models read in a reply (a :class:`ReplyReading`)
and the authored guidance (:class:`~attunement.domain.guidance.FeedbackGuide`);
tips whose examples fit only hard or only glad news are chosen by the
message's emotions (:func:`message_tone`).
The rules, in order of priority, pick one to three suggestions:

1. a mechanism the reply does not show (level "none"), emotional reactions
   first, then interpretations, then explorations; when the reply gives advice
   or information (ESConv's "Providing Suggestions" or "Information") before
   reacting to the feelings, the emotional-reactions tip is the advice-first one;
2. an emotion of the message that the reply neither names nor (with a strong
   emotional reaction) answers;
3. a mechanism shown only weakly: how to deepen it.

A mechanism the model gives at least a 35% chance of being strong is left
alone (``STRONG_DOUBT``): a tip about something the reply already does well
teaches the wrong lesson.

Two floors come from the words themselves, because the empathy model (trained
on Reddit replies) can miss short, plain ones: a reply that names an emotion
of the message shows at least a weak emotional reaction, and a reply that asks
a question shows at least a weak exploration. A floored mechanism's evidence
is the sentence that names the feeling or asks.

A reply strong on all three gets one stretch tip. Mechanisms shown strongly
get specific praise instead. Tips vary between attempts (the choice is seeded
by the reply) but never between runs.

Examples
--------
>>> from attunement.domain.guidance import FeedbackGuide
>>> reading = ReplyReading.from_levels({"emotional_reactions": "none", "interpretations": "weak",
...                                     "explorations": "strong"}, strategy="Question",
...                                    reply="What happened next?")
>>> reading.level("explorations"), round(reading.score, 2)
('strong', 0.5)
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from attunement.domain.guidance import MECHANISMS, EmotionWords, FeedbackGuide, Tip, TipKind

LEVELS = ("none", "weak", "strong")
ADVICE_STRATEGIES = frozenset({"Providing Suggestions", "Information"})
MAX_SUGGESTIONS = 3
MAX_PRAISE = 2
STRONG_DOUBT = 0.35
"""A mechanism at least this likely to be strong is not suggested: it may well be there already."""
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
GOOD_NEWS = frozenset(
    {
        "admiration",
        "amusement",
        "approval",
        "excitement",
        "gratitude",
        "joy",
        "love",
        "optimism",
        "pride",
        "relief",
    }
)
HARD_NEWS = frozenset(
    {
        "anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment",
        "fear", "grief", "nervousness", "remorse", "sadness",
    }
)  # fmt: skip


def message_tone(emotions: Sequence[str]) -> str | None:
    """ "difficult" when the message carries a hard emotion, "good_news" when only glad ones, else None.

    >>> message_tone(["joy", "pride"]), message_tone(["joy", "nervousness"]), message_tone(["curiosity"])
    ('good_news', 'difficult', None)
    """
    found = set(emotions)
    if found & HARD_NEWS:
        return "difficult"
    return "good_news" if found & GOOD_NEWS else None


@dataclass(frozen=True, slots=True)
class MechanismReading:
    """One empathy mechanism in a reply: its level, the level probabilities, and its evidence."""

    mechanism: str
    level: str
    probabilities: Mapping[str, float]
    evidence: tuple[str, ...] = ()

    @property
    def expected(self) -> float:
        """The expected level, 0 (none) to 2 (strong)."""
        return self.probabilities.get("weak", 0.0) + 2 * self.probabilities.get("strong", 0.0)


@dataclass(frozen=True)
class ReplyReading:
    """What the text models read in a reply: the input of :func:`compose_feedback`."""

    mechanisms: tuple[MechanismReading, ...]
    strategy: str
    reply: str

    @classmethod
    def from_levels(cls, levels: Mapping[str, str], strategy: str, reply: str) -> ReplyReading:
        """A reading with certain levels (probability 1), for tests and examples."""
        readings = tuple(
            MechanismReading(m, levels[m], {lv: float(lv == levels[m]) for lv in LEVELS}) for m in MECHANISMS
        )
        return cls(readings, strategy, reply)

    def reading(self, mechanism: str) -> MechanismReading:
        """The reading of one mechanism."""
        return next(r for r in self.mechanisms if r.mechanism == mechanism)

    def level(self, mechanism: str) -> str:
        """The level of one mechanism: "none", "weak" or "strong"."""
        return self.reading(mechanism).level

    @property
    def score(self) -> float:
        """The empathy the reply shows, 0 to 1: the mean expected level over the mechanisms, halved."""
        return sum(r.expected for r in self.mechanisms) / (2 * len(self.mechanisms))


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One tip as shown: its id, kind, the mechanism it is about, and its rendered text."""

    id: str
    kind: TipKind
    mechanism: str | None
    text: str


@dataclass(frozen=True)
class Feedback:
    """Feedback on one reply to one message."""

    reading: ReplyReading
    acknowledged: tuple[str, ...]
    """Emotions of the message (GoEmotions labels) that the reply names."""
    missed: tuple[str, ...]
    """Emotions of the message that the reply leaves unnamed."""
    suggestions: tuple[Suggestion, ...]
    """One to three things to try, most important first."""
    praise: tuple[Suggestion, ...] = field(default=())
    """What the reply does well (mechanisms shown strongly)."""

    @property
    def score(self) -> float:
        """The reply's empathy score, 0 to 1 (see :attr:`ReplyReading.score`)."""
        return self.reading.score

    def names(self, mechanism: str) -> bool:
        """Whether a suggestion is about ``mechanism`` (praise does not count)."""
        return any(s.mechanism == mechanism for s in self.suggestions)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: levels with evidence, emotions, strategy, suggestions, praise, score."""

        def tip(s: Suggestion) -> dict[str, Any]:
            return {"id": s.id, "kind": s.kind.value, "mechanism": s.mechanism, "text": s.text}

        return {
            "score": round(self.score, 4),
            "mechanisms": {
                r.mechanism: {
                    "level": r.level,
                    "probabilities": dict(r.probabilities),
                    "evidence": list(r.evidence),
                }
                for r in self.reading.mechanisms
            },
            "strategy": self.reading.strategy,
            "acknowledged": list(self.acknowledged),
            "missed": list(self.missed),
            "suggestions": [tip(s) for s in self.suggestions],
            "praise": [tip(s) for s in self.praise],
        }


def _sentences(text: str) -> list[str]:
    return [m.group().strip() for m in SENTENCE.finditer(text) if m.group().strip()]


def _floored(reading: MechanismReading, evidence: Sequence[str]) -> MechanismReading:
    """``reading`` raised to at least "weak" (its "none" probability moved to "weak")."""
    if reading.level != "none" or not evidence:
        return reading
    p = {level: float(reading.probabilities.get(level, 0.0)) for level in LEVELS}
    p["weak"], p["none"] = p["weak"] + p["none"], 0.0
    return MechanismReading(reading.mechanism, "weak", p, tuple(evidence))


def _with_floors(reading: ReplyReading, named: Sequence[EmotionWords]) -> ReplyReading:
    sentences = _sentences(reading.reply)
    naming = [s for s in sentences if any(w.named_in(s) for w in named)]
    asking = [s for s in sentences if s.endswith("?")]
    floors = {"emotional_reactions": naming, "explorations": asking}
    mechanisms = tuple(_floored(r, floors.get(r.mechanism, ())) for r in reading.mechanisms)
    return ReplyReading(mechanisms, reading.strategy, reading.reply)


def _pick(tips: Sequence[Tip], salt: str) -> Tip:
    return tips[zlib.crc32(salt.encode()) % len(tips)]


def _suggest(tip: Tip, feeling: str, name: str) -> Suggestion:
    return Suggestion(tip.id, tip.kind, tip.mechanism, tip.render(feeling=feeling, name=name))


def compose_feedback(
    reading: ReplyReading,
    message_emotions: Sequence[str],
    guide: FeedbackGuide,
    *,
    name: str = "this person",
) -> Feedback:
    """Feedback on a reply: acknowledged and missed emotions, one to three suggestions, praise.

    ``message_emotions`` are the emotions of the message replied to (GoEmotions
    labels, most important first; "neutral" and unknown labels are ignored);
    ``name`` is how tips refer to its sender.

    >>> from attunement.content.guidance import load_feedback_guide
    >>> reading = ReplyReading.from_levels({"emotional_reactions": "none", "interpretations": "none",
    ...                                     "explorations": "none"}, "Providing Suggestions",
    ...                                    "You should just talk to your boss.")
    >>> feedback = compose_feedback(reading, ["sadness"], load_feedback_guide(), name="Amara")
    >>> [s.kind.value for s in feedback.suggestions]
    ['advice_first', 'missing', 'missing']
    >>> feedback.missed
    ('sadness',)
    """
    words = guide.emotion_words
    emotions = [e for e in dict.fromkeys(message_emotions) if e in words]
    acknowledged = tuple(e for e in emotions if words[e].named_in(reading.reply))
    missed = tuple(e for e in emotions if e not in acknowledged)
    reading = _with_floors(reading, [words[e] for e in acknowledged])
    feeling = words[missed[0]].display if missed else (words[emotions[0]].display if emotions else "")
    salt, tone = reading.reply, message_tone(emotions)

    def tip(kind: TipKind, mechanism: str | None) -> Suggestion:
        tips = guide.tips_for(kind, mechanism, tone)
        return _suggest(_pick(tips, f"{salt}|{kind}|{mechanism}"), feeling, name)

    def doubtful(mechanism: str) -> bool:
        return reading.reading(mechanism).probabilities.get("strong", 0.0) >= STRONG_DOUBT

    chosen: list[Suggestion] = []
    for mechanism in MECHANISMS:
        if reading.level(mechanism) != "none" or doubtful(mechanism):
            continue
        advice_first = mechanism == "emotional_reactions" and reading.strategy in ADVICE_STRATEGIES
        chosen.append(tip(TipKind.ADVICE_FIRST if advice_first else TipKind.MISSING, mechanism))
    if missed and reading.level("emotional_reactions") != "strong" and len(chosen) < MAX_SUGGESTIONS:
        chosen.append(tip(TipKind.MISSED_EMOTION, "emotional_reactions"))
    for mechanism in MECHANISMS:
        if reading.level(mechanism) == "weak" and not doubtful(mechanism) and len(chosen) < MAX_SUGGESTIONS:
            chosen.append(tip(TipKind.WEAK, mechanism))
    if not chosen:
        chosen.append(tip(TipKind.STRETCH, None))
    praise = [tip(TipKind.STRONG, m) for m in MECHANISMS if reading.level(m) == "strong"]
    return Feedback(
        reading, acknowledged, missed, tuple(chosen[:MAX_SUGGESTIONS]), tuple(praise[:MAX_PRAISE])
    )


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two attempts at the same message."""

    aspect: str
    before: str
    after: str
    direction: str
    """"better", "same" or "worse"."""


def compare(before: Feedback, after: Feedback, guide: FeedbackGuide) -> tuple[Change, ...]:
    """What changed from one attempt to the next: each mechanism, named emotions, strategy, score.

    >>> from attunement.content.guidance import load_feedback_guide
    >>> guide = load_feedback_guide()
    >>> first = compose_feedback(ReplyReading.from_levels(
    ...     dict.fromkeys(MECHANISMS, "none"), "Others", "ok"), ["sadness"], guide)
    >>> second = compose_feedback(ReplyReading.from_levels(
    ...     {**dict.fromkeys(MECHANISMS, "none"), "explorations": "strong"}, "Question",
    ...     "That sounds sad. What happened?"), ["sadness"], guide)
    >>> for change in compare(first, second, guide)[:4]:
    ...     print(change.aspect, change.before, change.after, change.direction, sep=" | ")
    responding to their feelings | none | weak | better
    showing you understand | none | none | same
    asking about their experience | none | strong | better
    emotions named | none | sad | better
    """
    changes = []
    for mechanism in MECHANISMS:
        a, b = before.reading.level(mechanism), after.reading.level(mechanism)
        direction = "same" if a == b else ("better" if LEVELS.index(b) > LEVELS.index(a) else "worse")
        changes.append(Change(guide.mechanism_names[mechanism], a, b, direction))
    words = guide.emotion_words
    named_before = {words[e].display if e in words else e for e in before.acknowledged}
    named_after = {words[e].display if e in words else e for e in after.acknowledged}
    changes.append(
        Change(
            "emotions named",
            ", ".join(sorted(named_before)) or "none",
            ", ".join(sorted(named_after)) or "none",
            "same"
            if named_before == named_after
            else ("better" if len(named_after) >= len(named_before) else "worse"),
        )
    )
    strategy_before, strategy_after = before.reading.strategy, after.reading.strategy
    changes.append(
        Change(
            "approach",
            strategy_before,
            strategy_after,
            "same" if strategy_before == strategy_after else "changed",
        )
    )
    delta = after.score - before.score
    changes.append(
        Change(
            "empathy score",
            f"{before.score:.2f}",
            f"{after.score:.2f}",
            "same" if abs(delta) < 0.05 else ("better" if delta > 0 else "worse"),
        )
    )
    return tuple(changes)
