"""Guidance for live feedback on a written empathic reply: tips, emotion words, phrasings to avoid.

A model reads a practice reply and rates EPITOME's three communication
mechanisms (``MECHANISMS``) as none, weak or strong, names its support
strategy and the emotions of the message it acknowledged. The feedback shown
to the person is then built from a :class:`FeedbackGuide`: a :class:`Tip` of
the right :class:`TipKind` per mechanism, an :class:`EmotionWords` entry per
GoEmotions label to tell whether the reply named a feeling, and ``never_say``,
the phrasings feedback must never contain (shaming, diagnosing, absolutes).

Examples
--------
>>> tip = Tip("me-also", TipKind.MISSED_EMOTION, "emotional_reactions",
...           "{name} may also be feeling {feeling}.")
>>> tip.render(feeling="let down", name="your brother")
'Your brother may also be feeling let down.'
>>> fear = EmotionWords("fear", "scared", ("scared", "scary", "freaked out"))
>>> [fear.named_in(t) for t in ("That sounds so SCARY", "you must be freaked-out", "I'm scarred")]
[True, True, False]
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from attunement.domain.labels import EMOTIONS

MECHANISMS: Final[tuple[str, ...]] = ("emotional_reactions", "interpretations", "explorations")
"""EPITOME's three mechanisms: warmth about the feeling, understanding shown, gentle questions."""

FEELINGS: Final[tuple[str, ...]] = tuple(emotion for emotion in EMOTIONS if emotion != "neutral")
"""The 27 GoEmotions labels that name a feeling (every label but ``neutral``), in label-id order."""

PLACEHOLDERS: Final[tuple[str, ...]] = ("feeling", "name")
"""The only placeholders a tip's text may contain."""

DEFAULT_NAME: Final[str] = "this person"
"""What ``{name}`` becomes when a caller knows no name for the person who wrote the message."""

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


class TipKind(StrEnum):
    """When a tip is shown; the value is the section name used in ``feedback.yaml``."""

    MISSING = "missing"
    """The reply does not use a mechanism at all: what to try."""
    WEAK = "weak"
    """The reply uses a mechanism a little: how to deepen it."""
    STRONG = "strong"
    """The reply uses a mechanism well: specific praise."""
    ADVICE_FIRST = "advice_first"
    """The reply jumps to suggestions before responding to the feeling."""
    MISSED_EMOTION = "missed_emotion"
    """The message carries a feeling the reply did not name; the text uses ``{feeling}``."""
    STRETCH = "stretch"
    """The reply is strong on all three mechanisms: a next step to grow."""


_FEELING_KINDS: Final = frozenset({TipKind.ADVICE_FIRST, TipKind.MISSED_EMOTION})
_MECHANISM_KINDS: Final = frozenset({TipKind.MISSING, TipKind.WEAK, TipKind.STRONG})


def placeholders_in(text: str) -> tuple[str, ...]:
    """The placeholder names used in ``text``, in order of use, each once.

    Raises :class:`ValueError` for an unmatched brace, a positional ``{}``,
    or a placeholder with a conversion or format spec (``{name!r}``,
    ``{feeling:>9}``); literal braces are written ``{{`` and ``}}``.

    Examples
    --------
    >>> placeholders_in("{name} may feel {feeling}; {name} matters {{always}}")
    ('name', 'feeling')
    >>> placeholders_in("oops {")
    Traceback (most recent call last):
    ...
    ValueError: Single '{' encountered in format string
    """
    names: list[str] = []
    for _literal, field_name, spec, conversion in string.Formatter().parse(text):
        if field_name is None:
            continue
        if not field_name or field_name.isdigit():
            raise ValueError("a placeholder needs a name, such as {name}")
        if spec or conversion:
            raise ValueError(f"write the placeholder plainly as {{{field_name}}}, without ! or :")
        if field_name not in names:
            names.append(field_name)
    return tuple(names)


def phrases_in(text: str, phrases: Iterable[str]) -> tuple[str, ...]:
    """The ``phrases`` that occur in ``text``, in the order given; empty when none do.

    Matching ignores case and curly apostrophes, lets any run of spaces match
    a space, and requires each phrase to start a word, so it may be a word
    stem: ``"diagnos"`` finds "diagnosis", while ``"rude"`` does not find
    "intrude".

    Examples
    --------
    >>> phrases_in("No DIAGNOSIS:  you   lack empathy?", ["diagnos", "you lack empathy", "rude"])
    ('diagnos', 'you lack empathy')
    >>> phrases_in("try not to intrude", ["rude"])
    ()
    """
    normalised = text.translate(_APOSTROPHES)
    return tuple(phrase for phrase in phrases if _stem_pattern(phrase).search(normalised))


def _stem_pattern(phrase: str) -> re.Pattern[str]:
    parts = phrase.translate(_APOSTROPHES).split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(part) for part in parts), re.IGNORECASE)


def _words_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of ``words`` as whole words; spaces and hyphens match each other."""
    alternatives = []
    for word in sorted(words, key=len, reverse=True):
        parts = re.split(r"[\s\-]+", word.translate(_APOSTROPHES).strip())
        escaped = [re.escape(part).replace("'", "'?") for part in parts]  # "can't" also finds "cant"
        alternatives.append(r"[\s\-]+".join(escaped))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


TONES = ("any", "difficult", "good_news")


@dataclass(frozen=True, slots=True)
class Tip:
    """One piece of feedback on a reply, written as a coach would say it.

    ``mechanism`` is one of :data:`MECHANISMS` for missing, weak and strong
    tips, ``"emotional_reactions"`` for advice-first and missed-emotion tips,
    and ``None`` for stretch tips. ``text`` may use ``{name}`` (any kind) and
    ``{feeling}`` (missed-emotion tips only, which must use it). Raises
    :class:`ValueError` when these rules are broken.
    """

    id: str
    kind: TipKind
    mechanism: str | None
    text: str
    tone: str = "any"
    """Which messages the tip's wording fits: "any", "difficult" news or "good_news"."""

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            allowed = ", ".join(TONES)
            raise ValueError(f"The tip '{self.id}' has the tone {self.tone!r}; use one of {allowed}.")
        if not isinstance(self.kind, TipKind):
            raise ValueError(f"The tip '{self.id}' has the kind {self.kind!r}, which is not a TipKind.")
        if self.kind in _MECHANISM_KINDS and self.mechanism not in MECHANISMS:
            raise ValueError(
                f"The tip '{self.id}' needs a mechanism, one of {', '.join(MECHANISMS)}; "
                f"got {self.mechanism!r}."
            )
        if self.kind in _FEELING_KINDS and self.mechanism != "emotional_reactions":
            raise ValueError(
                f"The {self.kind} tip '{self.id}' must have the mechanism 'emotional_reactions'."
            )
        if self.kind is TipKind.STRETCH and self.mechanism is not None:
            raise ValueError(f"The stretch tip '{self.id}' spans all mechanisms; its mechanism must be None.")
        used = placeholders_in(self.text)
        unknown = [name for name in used if name not in PLACEHOLDERS]
        if unknown:
            raise ValueError(
                f"The tip '{self.id}' uses {{{unknown[0]}}}; only {{feeling}} and {{name}} are allowed."
            )
        if (self.kind is TipKind.MISSED_EMOTION) != ("feeling" in used):
            raise ValueError(
                f"The tip '{self.id}': missed_emotion tips, and only they, must use {{feeling}}."
            )

    def render(self, feeling: str = "", name: str = "") -> str:
        """The tip's text with ``{feeling}`` and ``{name}`` filled in.

        ``feeling`` is a display word such as ``"sad"`` or ``"let down"``
        (see :attr:`EmotionWords.display`); only missed-emotion tips use it,
        and for them it is required, because no fallback word reads well in
        every sentence. ``name`` is how the person who wrote the message is
        called, such as ``"Amara"`` or ``"your brother"``; it falls back to
        :data:`DEFAULT_NAME` (``"this person"``). A name that starts a
        sentence is capitalised. Raises :class:`ValueError` when a
        missed-emotion tip gets no feeling.

        Examples
        --------
        >>> tip = Tip("x", TipKind.ADVICE_FIRST, "emotional_reactions",
        ...           "{name} may want comfort first. Ask what {name} needs.")
        >>> tip.render(name="your brother")
        'Your brother may want comfort first. Ask what your brother needs.'
        >>> tip.render()
        'This person may want comfort first. Ask what this person needs.'
        >>> Tip("y", TipKind.MISSED_EMOTION, "emotional_reactions", "Maybe {feeling}?").render()
        Traceback (most recent call last):
        ...
        ValueError: The tip 'y' needs the feeling it is about, such as 'sad'.
        """
        feeling = " ".join(feeling.split())
        name = " ".join(name.split()) or DEFAULT_NAME
        if not feeling and self.kind is TipKind.MISSED_EMOTION:
            raise ValueError(f"The tip '{self.id}' needs the feeling it is about, such as 'sad'.")
        values = {"feeling": feeling, "name": name}
        pieces: list[str] = []
        for literal, field_name, _spec, _conversion in string.Formatter().parse(self.text):
            pieces.append(literal)
            if field_name is None:
                continue
            value = values[field_name]
            so_far = "".join(pieces).rstrip()
            if not so_far or so_far[-1] in ".!?":
                value = value[:1].upper() + value[1:]
            pieces.append(value)
        return "".join(pieces)


@dataclass(frozen=True, slots=True)
class EmotionWords:
    """The words that show a reply named or acknowledged one emotion of a message.

    ``emotion`` is a GoEmotions label other than ``neutral``; ``display`` is
    the plain word a tip uses for it (``"sad"``, ``"let down"``), written to
    follow "feeling" or "you sound"; ``words`` are lower-case words and
    phrases. Raises :class:`ValueError` for an unknown label, an empty
    display word or an empty or non-lower-case word list.

    Examples
    --------
    >>> sadness = EmotionWords("sadness", "sad", ("sad", "heartbroken", "heart-broken", "can't stop crying"))
    >>> sadness.named_in("I'm so sorry, that's heartbreaking")
    False
    >>> [sadness.named_in(t) for t in ("Heart broken for you", "you cant stop crying", "SAD news")]
    [True, True, True]
    """

    emotion: str
    display: str
    words: tuple[str, ...]
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.emotion not in FEELINGS:
            raise ValueError(
                f"'{self.emotion}' is not a GoEmotions feeling label (allowed: {', '.join(FEELINGS)})."
            )
        if not self.display.strip():
            raise ValueError(f"The emotion '{self.emotion}' needs a display word, such as 'sad'.")
        if not self.words or any(not word.strip() or word != word.lower() for word in self.words):
            raise ValueError(f"The emotion '{self.emotion}' needs lower-case, non-empty words.")
        object.__setattr__(self, "_pattern", _words_pattern(self.words))

    def named_in(self, text: str) -> bool:
        """Whether ``text`` contains one of :attr:`words` as a whole word or phrase, ignoring case.

        Curly apostrophes count as straight ones and an apostrophe may be left
        out ("cant"); a space or hyphen in a listed phrase matches either
        ("heart-broken", "heart broken"), but not their absence, so list
        "heartbroken" separately. Negation is not understood: "not sad" names
        sadness.
        """
        return self._pattern.search(text.translate(_APOSTROPHES)) is not None


@dataclass(frozen=True)
class FeedbackGuide:
    """Everything feedback on a reply is written from: names, tips, emotion words, phrasings to avoid.

    Raises :class:`ValueError` when a mechanism lacks a name or blurb, a tip
    id is used twice, an emotion label lacks words (all of :data:`FEELINGS`
    are needed) or is keyed under another label, or a tip contains a
    ``never_say`` phrasing.

    Examples
    --------
    >>> words = {e: EmotionWords(e, e, (e,)) for e in FEELINGS}
    >>> names = dict(zip(MECHANISMS, ("responding to feelings", "understanding", "asking")))
    >>> guide = FeedbackGuide(
    ...     mechanism_names=names, mechanism_blurbs=names,
    ...     tips=(Tip("a", TipKind.MISSING, "explorations", "Ask {name} one open question."),
    ...           Tip("b", TipKind.MISSING, "interpretations", "Reflect what happened."),
    ...           Tip("c", TipKind.STRETCH, None, "Leave room for more.")),
    ...     emotion_words=words, never_say=("you lack empathy", "diagnos"))
    >>> [t.id for t in guide.tips_for(TipKind.MISSING)]
    ['a', 'b']
    >>> [t.id for t in guide.tips_for("missing", "explorations")]
    ['a']
    >>> guide.unkind_phrases("Honestly, you LACK empathy.")
    ('you lack empathy',)
    """

    mechanism_names: dict[str, str]
    mechanism_blurbs: dict[str, str]
    tips: tuple[Tip, ...]
    emotion_words: dict[str, EmotionWords]
    never_say: tuple[str, ...]
    _never_say_patterns: tuple[tuple[str, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for what, mapping in (("name", self.mechanism_names), ("blurb", self.mechanism_blurbs)):
            _require_keys(mapping, MECHANISMS, f"a mechanism {what}")
        _require_keys(self.emotion_words, FEELINGS, "emotion words")
        for label, entry in self.emotion_words.items():
            if entry.emotion != label:
                raise ValueError(f"The words for '{entry.emotion}' are filed under '{label}'.")
        seen: set[str] = set()
        for tip in self.tips:
            if tip.id in seen:
                raise ValueError(f"The tip id '{tip.id}' is used twice.")
            seen.add(tip.id)
        if any(not phrase.strip() or phrase != phrase.lower() for phrase in self.never_say):
            raise ValueError("Every never_say phrasing must be non-empty and lower case.")
        object.__setattr__(self, "_never_say_patterns", tuple((p, _stem_pattern(p)) for p in self.never_say))
        for tip in self.tips:
            found = self.unkind_phrases(tip.text)
            if found:
                raise ValueError(f"The tip '{tip.id}' contains '{found[0]}', which feedback must never say.")

    def tips_for(
        self, kind: TipKind | str, mechanism: str | None = None, tone: str | None = None
    ) -> tuple[Tip, ...]:
        """The tips of ``kind``, in content order; with ``mechanism``, only those about it.

        ``mechanism=None`` means any mechanism. With ``tone`` ("difficult" or
        "good_news"), only tips whose wording fits that kind of message (tone
        "any" fits both), unless none would be left. Raises
        :class:`ValueError` for an unknown kind or mechanism. May be empty.
        """
        kind = TipKind(kind)
        if mechanism is not None and mechanism not in MECHANISMS:
            raise ValueError(f"'{mechanism}' is not a mechanism; use one of {', '.join(MECHANISMS)}.")
        tips = tuple(
            tip for tip in self.tips if tip.kind is kind and (mechanism is None or tip.mechanism == mechanism)
        )
        fitting = tuple(tip for tip in tips if tone is None or tip.tone in ("any", tone))
        return fitting or tips

    def unkind_phrases(self, text: str) -> tuple[str, ...]:
        """The ``never_say`` phrasings found in ``text`` (see :func:`phrases_in`); empty when it is kind."""
        normalised = text.translate(_APOSTROPHES)
        return tuple(phrase for phrase, pattern in self._never_say_patterns if pattern.search(normalised))


def _require_keys(mapping: Mapping[str, object], expected: tuple[str, ...], what: str) -> None:
    missing = [key for key in expected if key not in mapping]
    extra = [key for key in mapping if key not in expected]
    if missing:
        raise ValueError(f"{what.capitalize()} is missing for: {', '.join(missing)}.")
    if extra:
        raise ValueError(f"There is {what} for unknown labels: {', '.join(extra)}.")
