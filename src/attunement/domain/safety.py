"""Crisis safety: levels, screening patterns, resources and the message a flagged text gets.

A crisis screen is deliberately simple and high-recall: a text that reads as
suicidal or self-harming routes the person to crisis resources instead of an
exercise. Nothing here diagnoses; it only decides whether to show help.

Examples
--------
>>> CrisisLevel.URGENT > CrisisLevel.CONCERN > CrisisLevel.NONE
True
>>> max([CrisisLevel.CONCERN, CrisisLevel.URGENT, CrisisLevel.NONE])
<CrisisLevel.URGENT: 'urgent'>
>>> CrisisScreen.none().flagged
False
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class CrisisLevel(StrEnum):
    """How strongly a text reads as a crisis; ordered by :attr:`rank`, not alphabetically.

    Examples
    --------
    >>> CrisisLevel("urgent").rank, CrisisLevel.NONE < CrisisLevel.CONCERN
    (2, True)
    >>> sorted([CrisisLevel.URGENT, CrisisLevel.NONE, CrisisLevel.CONCERN])
    [<CrisisLevel.NONE: 'none'>, <CrisisLevel.CONCERN: 'concern'>, <CrisisLevel.URGENT: 'urgent'>]
    """

    NONE = "none"
    CONCERN = "concern"
    """Passive or ambiguous wording, or worry about someone else."""
    URGENT = "urgent"
    """First-person intent, a plan or the means, or self-harm."""

    @property
    def rank(self) -> int:
        """0 for none, 1 for concern, 2 for urgent."""
        return _RANKS[self.value]

    # A StrEnum compares as text by default ("concern" < "none"); severity is what matters.
    # A plain string that names a level compares by rank too; any other string is an error,
    # never a silent alphabetical comparison.
    def __lt__(self, other: object) -> bool:
        return self.rank < _rank_of(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= _rank_of(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > _rank_of(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= _rank_of(other)


_RANKS = {"none": 0, "concern": 1, "urgent": 2}


def _rank_of(other: object) -> int:
    if isinstance(other, str) and other in _RANKS:
        return _RANKS[other]
    raise TypeError(f"A crisis level compares only with another level, not with {other!r}.")


def more_severe(a: CrisisLevel, b: CrisisLevel) -> CrisisLevel:
    """The more severe of two levels (``a`` when they are equal).

    >>> more_severe(CrisisLevel.CONCERN, CrisisLevel.URGENT)
    <CrisisLevel.URGENT: 'urgent'>
    """
    return b if b.rank > a.rank else a


@dataclass(frozen=True, slots=True)
class CrisisResource:
    """A place to get help now: a helpline, a directory of helplines, or emergency services.

    ``region`` is a country code such as ``"US"``, ``"UK"``, ``"IE"``, ``"AU"``,
    ``"CA"``, ``"EU"``, or ``"international"``.

    >>> CrisisResource("Lifeline", "13 11 14", "AU").line()
    'Lifeline (AU): 13 11 14'
    """

    name: str
    contact: str
    region: str
    url: str | None = None
    note: str | None = None

    def line(self, regions: Iterable[str] | None = None) -> str:
        """One line for a person to read: name, regions, contact, then the address and note if any."""
        where = ", ".join(regions) if regions is not None else self.region
        text = f"{self.name} ({where}): {self.contact}"
        if self.url:
            text += f", {self.url}"
        if self.note:
            text += f" ({self.note})"
        return text


@dataclass(frozen=True)
class CrisisPattern:
    """One authored regular expression and the level its match implies.

    A pattern with ``needs_distress`` is a weak cue: it counts only when the
    emotion model also reads strong distress (see ``attunement.nlp.crisis``).
    Hard negatives (idioms removed before matching) use level ``NONE``.
    Raises ``ValueError`` when the expression does not compile.

    >>> p = CrisisPattern("end-my-life", r"\\bend my life\\b", CrisisLevel.URGENT, "intent")
    >>> bool(p.compiled.search("I want to END MY LIFE"))
    True
    """

    id: str
    regex: str
    level: CrisisLevel
    about: str
    needs_distress: bool = False

    def __post_init__(self) -> None:
        try:  # flags change no expression's validity; without them the screen's compile reuses this
            re.compile(self.regex)
        except re.error as error:
            raise ValueError(f"the pattern '{self.id}' does not compile ({error})") from None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The expression, case-insensitive (``re`` caches it after the first call)."""
        return re.compile(self.regex, re.IGNORECASE)


@dataclass(frozen=True)
class CrisisLexicon:
    """Everything the screen needs: positive patterns, hard negatives and resources.

    Raises ``ValueError`` for an id used twice, a positive pattern at level
    ``NONE`` or a negative with any other level.

    >>> lex = CrisisLexicon(
    ...     patterns=(CrisisPattern("p", "end my life", CrisisLevel.URGENT, "intent"),),
    ...     negatives=(CrisisPattern("n", "killing it", CrisisLevel.NONE, "idiom"),),
    ...     resources=(CrisisResource("Lifeline", "13 11 14", "AU"),),
    ... )
    >>> len(lex.patterns), len(lex.negatives)
    (1, 1)
    """

    patterns: tuple[CrisisPattern, ...]
    negatives: tuple[CrisisPattern, ...]
    resources: tuple[CrisisResource, ...]

    def __post_init__(self) -> None:
        ids = [p.id for p in (*self.patterns, *self.negatives)]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"the pattern id '{twice[0]}' is used twice")
        for pattern in self.patterns:
            if pattern.level is CrisisLevel.NONE:
                raise ValueError(f"the pattern '{pattern.id}' must be at level concern or urgent")
        for negative in self.negatives:
            if negative.level is not CrisisLevel.NONE:
                raise ValueError(f"the negative '{negative.id}' must be at level none")


_OPENINGS = {
    CrisisLevel.URGENT: (
        "It sounds like you are in a lot of pain, and you deserve support right now. Please "
        "reach out to a crisis line, or to emergency services if you might act on these thoughts "
        "or are not safe, and let someone you trust know how you are feeling. You do not have to "
        "go through this alone: talking to someone can help."
    ),
    CrisisLevel.CONCERN: (
        "What you wrote sounds heavy. Whether these are your own thoughts or you are worried "
        "about someone else, you do not have to hold this alone. Crisis lines are free and "
        "confidential, and they can talk it through with you, including how to help someone "
        "you care about. Talking to someone you trust can help too."
    ),
    CrisisLevel.NONE: (
        "If things ever feel like too much, talking to someone you trust or to a helpline can help."
    ),
}


@dataclass(frozen=True)
class CrisisScreen:
    """The outcome of screening one text: its level, the pattern ids that matched, and resources.

    >>> r = CrisisResource("988 Suicide & Crisis Lifeline", "call or text 988", "US")
    >>> screen = CrisisScreen(CrisisLevel.URGENT, ("want-to-die",), (r,))
    >>> screen.flagged, "talk" in screen.message()
    (True, True)
    >>> print(screen.message().splitlines()[-1])
    - 988 Suicide & Crisis Lifeline (US): call or text 988
    """

    level: CrisisLevel
    matched: tuple[str, ...] = ()
    resources: tuple[CrisisResource, ...] = ()

    @classmethod
    def none(cls) -> CrisisScreen:
        """The screen of a text with no sign of crisis."""
        return cls(CrisisLevel.NONE)

    @property
    def flagged(self) -> bool:
        """True when the text should route the person to crisis resources."""
        return self.level is not CrisisLevel.NONE

    def message(self) -> str:
        """A warm, plain message for the person, followed by one line per resource.

        Resources with the same name and contact in several regions share a line.
        """
        regions: dict[tuple[str, str], list[str]] = {}
        first: dict[tuple[str, str], CrisisResource] = {}
        for resource in self.resources:
            key = (resource.name, resource.contact)
            regions.setdefault(key, []).append(resource.region)
            first.setdefault(key, resource)
        lines = [_OPENINGS[self.level]]
        lines += [f"- {first[key].line(where)}" for key, where in regions.items()]
        return "\n".join(lines)
