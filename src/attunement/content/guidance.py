"""Load the feedback guide (tips, emotion words, phrasings to avoid) from YAML, naming any mistake.

Examples
--------
>>> from attunement.domain.guidance import TipKind
>>> guide = load_feedback_guide()
>>> guide.mechanism_names["explorations"]
'asking about their experience'
>>> guide.tips_for(TipKind.MISSED_EMOTION)[0].render(feeling="let down", name="your brother")
'Your brother may also be feeling let down. A short line like "you sound let down" shows you noticed.'
>>> guide.emotion_words["fear"].named_in("That sounds so scary.")
True
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import Field, field_validator

from attunement.content.loader import PACKAGE_CONTENT, _section, _Strict, _validated, read_sections
from attunement.content.loader import clean_text as _clean
from attunement.content.loader import line_of as _line
from attunement.domain.guidance import (
    FEELINGS,
    MECHANISMS,
    PLACEHOLDERS,
    EmotionWords,
    FeedbackGuide,
    Tip,
    TipKind,
    phrases_in,
    placeholders_in,
)
from attunement.errors import ContentError

FEEDBACK_FILE = PACKAGE_CONTENT / "feedback.yaml"
"""The shipped feedback guide."""

MINIMUM_TIPS: Final[dict[TipKind, int]] = {
    TipKind.MISSING: 4,
    TipKind.WEAK: 3,
    TipKind.STRONG: 3,
    TipKind.ADVICE_FIRST: 3,
    TipKind.MISSED_EMOTION: 4,
    TipKind.STRETCH: 4,
}
"""The fewest tips a section may hold (per mechanism for missing, weak and strong), so feedback can vary."""

MINIMUM_NEVER_SAY: Final[int] = 30
"""The fewest phrasings ``never_say`` may list."""

_SECTIONS: Final = ("mechanisms", "advice_first", "missed_emotion", "stretch", "emotion_words", "never_say")
_MECHANISM_TIP_KINDS: Final = (TipKind.MISSING, TipKind.WEAK, TipKind.STRONG)


class _TipSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    text: str = Field(min_length=20, max_length=400)
    tone: Literal["any", "difficult", "good_news"] = "any"

    @field_validator("text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            used = placeholders_in(value)
        except ValueError as error:
            raise ValueError(f"its braces are malformed ({error}); write {{{{ or }}}} for a brace") from None
        unknown = [name for name in used if name not in PLACEHOLDERS]
        if unknown:
            raise ValueError(
                f"the placeholder {{{unknown[0]}}} is unknown; only {{feeling}} and {{name}} are allowed"
            )
        return value


class _MechanismSchema(_Strict):
    id: str
    name: str = Field(min_length=3, max_length=60)
    blurb: str = Field(min_length=20, max_length=300)
    missing: list[Any]
    weak: list[Any]
    strong: list[Any]

    @field_validator("id")
    @classmethod
    def _known_mechanism(cls, value: str) -> str:
        if value not in MECHANISMS:
            raise ValueError(f"'{value}' is not a mechanism (allowed: {', '.join(MECHANISMS)})")
        return value

    @field_validator("name", "blurb")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        if "{" in value or "}" in value:
            raise ValueError("names and blurbs take no placeholders or braces")
        return value


class _EmotionSchema(_Strict):
    id: str
    display: str = Field(pattern=r"^[a-z][a-z' -]*[a-z]$", max_length=30)
    words: list[str]

    @field_validator("id")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value == "neutral":
            raise ValueError("'neutral' names no feeling, so it takes no words")
        if value not in FEELINGS:
            raise ValueError(f"'{value}' is not a GoEmotions label (allowed: {', '.join(FEELINGS)})")
        return value

    @field_validator("words")
    @classmethod
    def _usable_words(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("the list is empty; give the words and phrases that name this feeling")
        cleaned = [" ".join(word.split()) for word in value]
        if any(not word for word in cleaned):
            raise ValueError("a word is blank")
        upper = [word for word in cleaned if word != word.lower()]
        if upper:
            raise ValueError(f"write '{upper[0]}' in lower case")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("a word is listed twice")
        return cleaned


def _never_say(document: dict[str, Any], path: Path) -> tuple[str, ...]:
    raw = _section(document, "never_say", path)
    where = f"{path}, line {_line(document, 'never_say')}, field 'never_say'"
    phrases: list[str] = []
    for number, phrase in enumerate(raw, start=1):
        if not isinstance(phrase, str) or not phrase.strip():
            raise ContentError(f"{where}: entry {number} must be a non-empty phrase.")
        cleaned = _clean(phrase)
        if cleaned != cleaned.lower():
            raise ContentError(f"{where}: write '{cleaned}' in lower case.")
        if cleaned in phrases:
            raise ContentError(f"{where}: '{cleaned}' is listed twice.")
        phrases.append(cleaned)
    if len(phrases) < MINIMUM_NEVER_SAY:
        raise ContentError(f"{where}: list at least {MINIMUM_NEVER_SAY} phrasings; it has {len(phrases)}.")
    return tuple(phrases)


class _TipReader:
    """Turns the tip lists of one file into :class:`Tip` values, checking ids across the whole file."""

    def __init__(self, path: Path, never_say: tuple[str, ...]) -> None:
        self.path = path
        self.never_say = never_say
        self.first_line: dict[str, Any] = {}  # tip id -> line of its first use
        self.tips: list[Tip] = []

    def read(self, raws: list[Any], kind: TipKind, mechanism: str | None, field: str, line: Any) -> None:
        if len(raws) < MINIMUM_TIPS[kind]:
            raise ContentError(
                f"{self.path}, line {line}, field '{field}': write at least {MINIMUM_TIPS[kind]} tips; "
                f"it has {len(raws)}."
            )
        for raw in raws:
            spec = _validated(_TipSchema, raw, self.path, "tip")
            id_line, text_line = _line(raw, "id"), _line(raw, "text")
            if spec.id in self.first_line:
                raise ContentError(
                    f"{self.path}, line {id_line}, field 'id': the tip id '{spec.id}' is already used "
                    f"on line {self.first_line[spec.id]}."
                )
            self.first_line[spec.id] = id_line
            text = _clean(spec.text)
            uses_feeling = "feeling" in placeholders_in(text)
            if kind is TipKind.MISSED_EMOTION and not uses_feeling:
                raise ContentError(
                    f"{self.path}, line {text_line}, field 'text': the missed_emotion tip '{spec.id}' "
                    "must name the feeling with {feeling}."
                )
            if kind is not TipKind.MISSED_EMOTION and uses_feeling:
                raise ContentError(
                    f"{self.path}, line {text_line}, field 'text': the {kind} tip '{spec.id}' uses "
                    "{feeling}, which only missed_emotion tips know."
                )
            unkind = phrases_in(text, self.never_say)
            if unkind:
                raise ContentError(
                    f"{self.path}, line {text_line}, field 'text': the tip '{spec.id}' contains "
                    f"'{unkind[0]}', which feedback must never say."
                )
            try:
                self.tips.append(Tip(spec.id, kind, mechanism, text, spec.tone))
            except ValueError as error:
                raise ContentError(f"{self.path}, line {text_line}, field 'text': {error}") from None


def _mechanisms(document: dict[str, Any], reader: _TipReader) -> tuple[dict[str, str], dict[str, str]]:
    path = reader.path
    names: dict[str, str] = {}
    blurbs: dict[str, str] = {}
    seen: dict[str, Any] = {}
    for raw in _section(document, "mechanisms", path):
        spec = _validated(_MechanismSchema, raw, path, "mechanism")
        if spec.id in seen:
            raise ContentError(
                f"{path}, line {_line(raw, 'id')}, field 'id': the mechanism '{spec.id}' is already "
                f"described on line {seen[spec.id]}."
            )
        seen[spec.id] = _line(raw, "id")
        for key in ("name", "blurb"):
            unkind = phrases_in(getattr(spec, key), reader.never_say)
            if unkind:
                raise ContentError(
                    f"{path}, line {_line(raw, key)}, field '{key}': the mechanism '{spec.id}' "
                    f"contains '{unkind[0]}', which feedback must never say."
                )
        names[spec.id] = _clean(spec.name)
        blurbs[spec.id] = _clean(spec.blurb)
        for kind in _MECHANISM_TIP_KINDS:
            reader.read(raw[kind.value], kind, spec.id, f"{spec.id}.{kind.value}", _line(raw, kind.value))
    missing = [mechanism for mechanism in MECHANISMS if mechanism not in seen]
    if missing:
        raise ContentError(
            f"{path}, line {_line(document, 'mechanisms')}, field 'mechanisms': describe every mechanism; "
            f"missing: {', '.join(missing)}."
        )
    return names, blurbs


def _emotion_words(
    document: dict[str, Any], path: Path, never_say: tuple[str, ...]
) -> dict[str, EmotionWords]:
    entries: dict[str, EmotionWords] = {}
    lines: dict[str, Any] = {}
    for raw in _section(document, "emotion_words", path):
        spec = _validated(_EmotionSchema, raw, path, "emotion")
        if spec.id in entries:
            raise ContentError(
                f"{path}, line {_line(raw, 'id')}, field 'id': the emotion '{spec.id}' already has words "
                f"on line {lines[spec.id]}."
            )
        lines[spec.id] = _line(raw, "id")
        unkind = phrases_in(spec.display, never_say)
        if unkind:
            raise ContentError(
                f"{path}, line {_line(raw, 'display')}, field 'display': the display word for "
                f"'{spec.id}' contains '{unkind[0]}', which feedback must never say."
            )
        entries[spec.id] = EmotionWords(spec.id, spec.display, tuple(spec.words))
    missing = [label for label in FEELINGS if label not in entries]
    if missing:
        raise ContentError(
            f"{path}, line {_line(document, 'emotion_words')}, field 'emotion_words': every GoEmotions "
            f"label but neutral needs words; missing: {', '.join(missing)}."
        )
    return {label: entries[label] for label in FEELINGS}


def _read_guide(path: Path) -> FeedbackGuide:
    document = read_sections(path, _SECTIONS)
    never_say = _never_say(document, path)
    reader = _TipReader(path, never_say)
    names, blurbs = _mechanisms(document, reader)
    for kind in (TipKind.ADVICE_FIRST, TipKind.MISSED_EMOTION, TipKind.STRETCH):
        mechanism = None if kind is TipKind.STRETCH else "emotional_reactions"
        raws = _section(document, kind.value, path)
        reader.read(raws, kind, mechanism, kind.value, _line(document, kind.value))
    emotion_words = _emotion_words(document, path, never_say)
    try:
        return FeedbackGuide(
            mechanism_names=names,
            mechanism_blurbs=blurbs,
            tips=tuple(reader.tips),
            emotion_words=emotion_words,
            never_say=never_say,
        )
    except ValueError as error:  # the checks above should have caught it first
        raise ContentError(f"{path}: {error}") from None


@functools.lru_cache(maxsize=1)
def _packaged() -> FeedbackGuide:
    return _read_guide(FEEDBACK_FILE)


def load_feedback_guide(path: Path | None = None) -> FeedbackGuide:
    """The feedback guide in ``path``, or the shipped ``feedback.yaml`` (read once, then cached).

    Raises :class:`ContentError` naming the file, line and field of malformed
    YAML, an unknown section, a placeholder other than ``{feeling}`` and
    ``{name}``, a missed-emotion tip without ``{feeling}`` (or another tip
    with it), a tip id used twice, too few tips in a section (see
    :data:`MINIMUM_TIPS`), an unknown, missing or word-less emotion label,
    or a tip that contains one of its own ``never_say`` phrasings.
    """
    return _packaged() if path is None else _read_guide(Path(path))
