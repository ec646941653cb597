"""Load the support guide (kinds of support, their phrasings, talk-together lines) from YAML.

Every mistake stops loading with one sentence naming the file, the line and
the field.

Examples
--------
>>> from attunement.domain.support import EmotionFamily, SupportKind
>>> guide = load_support_guide()
>>> guide.kind(SupportKind.LISTENING).esconv
('Question', 'Restatement or Paraphrasing')
>>> guide.kinds_for_strategy("Self-disclosure")
(<SupportKind.REASSURANCE: 'reassurance'>,)
>>> guide.kind(SupportKind.SPACE).phrasings[EmotionFamily.GLAD][0]
'Enjoy it; tell me all about it whenever you like.'
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

from pydantic import Field, field_validator

from attunement.content.loader import PACKAGE_CONTENT, _section, _Strict, _validated, read_sections
from attunement.content.loader import clean_text as _clean
from attunement.content.loader import line_of as _line
from attunement.domain.labels import STRATEGIES
from attunement.domain.support import (
    EMOTION_FAMILIES,
    SUPPORT_KINDS,
    EmotionFamily,
    SupportGuide,
    SupportKind,
    SupportKindGuide,
)
from attunement.errors import ContentError

SUPPORT_FILE = PACKAGE_CONTENT / "support.yaml"
"""The shipped support guide."""

ESCONV_STRATEGIES: Final[tuple[str, ...]] = STRATEGIES
"""The eight ESConv strategies as the corpus spells them."""

UNMAPPED_STRATEGIES: Final[frozenset[str]] = frozenset({"Others"})
"""ESConv strategies that need not belong to any kind: greetings and small talk are not support."""

CUTRONA_SUHR_TYPES: Final[tuple[str, ...]] = ("emotional", "esteem", "informational", "tangible", "network")
"""Cutrona and Suhr's (1992) types of social support."""

PHRASINGS_PER_FAMILY: Final[tuple[int, int]] = (2, 4)
"""The fewest and the most phrasings a kind may give for one emotion family."""

MINIMUM_TALK_TOGETHER: Final[int] = 3
"""The fewest talk-together lines, so the invitation can vary."""

MAXIMUM_PHRASING_CHARS: Final[int] = 140
"""A phrasing is something a person could say in one breath."""

_SECTIONS: Final = ("kinds", "talk_together", "professional_help")


class _KindSchema(_Strict):
    id: str
    description: str = Field(min_length=10, max_length=200)
    why: str = Field(min_length=20, max_length=500)
    esconv: list[str]
    cutrona_suhr: str
    phrasings: dict[Any, Any]

    @field_validator("id")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in SupportKind._value2member_map_:
            raise ValueError(f"'{value}' is not a support kind (allowed: {', '.join(SUPPORT_KINDS)})")
        return value

    @field_validator("esconv")
    @classmethod
    def _known_strategies(cls, value: list[str]) -> list[str]:
        for strategy in value:
            if strategy not in ESCONV_STRATEGIES:
                raise ValueError(
                    f"'{strategy}' is not an ESConv strategy (allowed: {', '.join(ESCONV_STRATEGIES)})"
                )
        if len(set(value)) != len(value):
            raise ValueError("a strategy is listed twice")
        return value

    @field_validator("cutrona_suhr")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in CUTRONA_SUHR_TYPES:
            raise ValueError(
                f"'{value}' is not a Cutrona and Suhr support type (allowed: {', '.join(CUTRONA_SUHR_TYPES)})"
            )
        return value


def _phrasings(raw: Any, kind: str, path: Path, seen: dict[str, str]) -> dict[EmotionFamily, tuple[str, ...]]:
    """The phrasings of one kind per family; ``seen`` maps each phrasing so far to where it was."""
    mapping = raw["phrasings"]
    where = f"{path}, line {_line(raw, 'phrasings')}, field 'phrasings'"
    by_family: dict[EmotionFamily, tuple[str, ...]] = {}
    for family, entries in mapping.items():
        field = f"phrasings.{family}"
        at = f"{path}, line {_line(mapping, str(family))}, field '{field}'"
        if family not in EmotionFamily._value2member_map_:
            raise ContentError(
                f"{at}: '{family}' is not an emotion family (allowed: {', '.join(EMOTION_FAMILIES)})."
            )
        fewest, most = PHRASINGS_PER_FAMILY
        if not isinstance(entries, list) or not fewest <= len(entries) <= most:
            count = len(entries) if isinstance(entries, list) else "no list"
            raise ContentError(
                f"{at}: the kind '{kind}' needs {fewest} to {most} phrasings for '{family}'; it has {count}."
            )
        phrasings: list[str] = []
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, str) or not entry.strip():
                raise ContentError(f"{at}: phrasing {number} must be a non-empty sentence.")
            text = _clean(entry)
            if len(text) > MAXIMUM_PHRASING_CHARS:
                raise ContentError(
                    f"{at}: phrasing {number} is {len(text)} characters; keep it under "
                    f"{MAXIMUM_PHRASING_CHARS} so it can be said in one breath."
                )
            if text in seen:
                raise ContentError(f"{at}: '{text}' is already a phrasing of {seen[text]}.")
            seen[text] = f"'{kind}' for '{family}'"
            phrasings.append(text)
        by_family[EmotionFamily(family)] = tuple(phrasings)
    missing = [family for family in EMOTION_FAMILIES if family not in by_family]
    if missing:
        raise ContentError(
            f"{where}: the kind '{kind}' needs phrasings for every emotion family; "
            f"missing: {', '.join(missing)}."
        )
    return {family: by_family[family] for family in EMOTION_FAMILIES}


def _kinds(document: dict[str, Any], path: Path) -> dict[SupportKind, SupportKindGuide]:
    where = f"{path}, line {_line(document, 'kinds')}"
    guides: dict[SupportKind, SupportKindGuide] = {}
    lines: dict[SupportKind, Any] = {}
    seen_phrasings: dict[str, str] = {}
    for raw in _section(document, "kinds", path):
        spec = _validated(_KindSchema, raw, path, "kind")
        kind = SupportKind(spec.id)
        if kind in guides:
            raise ContentError(
                f"{path}, line {_line(raw, 'id')}, field 'id': the kind '{kind}' is already described "
                f"on line {lines[kind]}."
            )
        lines[kind] = _line(raw, "id")
        guides[kind] = SupportKindGuide(
            kind=kind,
            description=_clean(spec.description),
            why=_clean(spec.why),
            esconv=tuple(spec.esconv),
            cutrona_suhr=spec.cutrona_suhr,
            phrasings=_phrasings(raw, kind.value, path, seen_phrasings),
        )
    missing = [kind for kind in SUPPORT_KINDS if kind not in guides]
    if missing:
        raise ContentError(
            f"{where}, field 'kinds': describe every kind of support; missing: {', '.join(missing)}."
        )
    claimed = {strategy for guide in guides.values() for strategy in guide.esconv}
    orphans = [s for s in ESCONV_STRATEGIES if s not in claimed and s not in UNMAPPED_STRATEGIES]
    if orphans:
        raise ContentError(
            f"{where}, field 'esconv': every ESConv strategy but Others must belong to a kind; "
            f"no kind lists: {', '.join(orphans)}."
        )
    return {kind: guides[kind] for kind in SUPPORT_KINDS}


def _talk_together(document: dict[str, Any], path: Path) -> tuple[str, ...]:
    where = f"{path}, line {_line(document, 'talk_together')}, field 'talk_together'"
    lines: list[str] = []
    for number, entry in enumerate(_section(document, "talk_together", path), start=1):
        if not isinstance(entry, str) or not entry.strip():
            raise ContentError(f"{where}: line {number} of the list must be a non-empty sentence.")
        text = _clean(entry)
        if text in lines:
            raise ContentError(f"{where}: '{text}' is listed twice.")
        lines.append(text)
    if len(lines) < MINIMUM_TALK_TOGETHER:
        raise ContentError(
            f"{where}: write at least {MINIMUM_TALK_TOGETHER} lines inviting the partners to talk; "
            f"it has {len(lines)}."
        )
    return tuple(lines)


def _professional_help(document: dict[str, Any], path: Path) -> str:
    text = document.get("professional_help")
    if not isinstance(text, str) or not text.strip():
        line = _line(document, "professional_help") if "professional_help" in document else 1
        raise ContentError(
            f"{path}, line {line}, field 'professional_help': write a short paragraph on when and where "
            "to find professional help."
        )
    return _clean(text)


def _read_guide(path: Path) -> SupportGuide:
    document = read_sections(path, _SECTIONS)
    return SupportGuide(
        kinds=_kinds(document, path),
        talk_together=_talk_together(document, path),
        professional_help=_professional_help(document, path),
    )


@functools.lru_cache(maxsize=1)
def _packaged() -> SupportGuide:
    return _read_guide(SUPPORT_FILE)


def load_support_guide(path: Path | None = None) -> SupportGuide:
    """The support guide in ``path``, or the shipped ``support.yaml`` (read once, then cached).

    Raises :class:`ContentError` naming the file, line and field of malformed
    YAML, an unknown section, an unknown, missing or repeated kind, an
    unknown ESConv strategy or Cutrona and Suhr type, an ESConv strategy
    (other than Others) that no kind lists, an unknown or missing emotion
    family, fewer or more phrasings per family than
    :data:`PHRASINGS_PER_FAMILY` allows, an empty, overlong or repeated
    phrasing, fewer than :data:`MINIMUM_TALK_TOGETHER` talk-together lines,
    or an empty professional-help text.
    """
    return _packaged() if path is None else _read_guide(Path(path))
