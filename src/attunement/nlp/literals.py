"""Required literals of a regular expression: strings some of which every match must contain.

The crisis screen runs about seventy expressions over every text, and almost
every text matches none of them. Python's ``re`` tries each expression at
every position; a set lookup is many times cheaper. :func:`required_clauses`
reads an expression's parse tree and returns sets of strings such that **every**
match contains at least one string of **each** set, so an expression one of
whose sets is absent from a text cannot match there and need not run. When it
cannot be sure (a character class, a back-reference, an optional part), it says
so by returning None, and the expression always runs: the prefilter may skip
work, never a match.

Each string is then cut to one 4-character piece, its rarest in English
comments (:func:`covering_pieces`, ranked by ``training/common_grams.py``), and
:class:`Prefilter` finds the pieces of a text with one set of its 4-character
substrings. This is the "required factor" idea behind RE2's prefilter and
trigram code search, kept to what the crisis patterns need.

Examples
--------
>>> sorted(required_literals(r"\\bkil{1,2}(?:ing|ed)? (?:myself|my own self)\\b"))
[' my own self', ' myself']
>>> sorted(required_literals(r"\\bend(?:ing)? it all\\b|\\bunalive\\b"))
['end it all', 'ending it all', 'unalive']
>>> [sorted(c) for c in required_clauses(r"\\b(?:want|need) to [a-z]+ (?:jump|leap)\\b")]
[['need to ', 'want to '], [' jump', ' leap']]
>>> required_literals(r"[a-z]+ing")
frozenset({'ing'})
>>> required_literals(r"[a-z]+!*") is None
True
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

MAX_SET = 64  # alternatives kept when literal pieces multiply out ("my" x {"self", " own self"})
GRAM = 4  # length of the pieces a prefilter looks for
GRAMS_PATH = Path(__file__).parent / "models" / "common-grams.json"

try:  # the parser behind ``re`` (``re._parser`` since 3.11); without it, every expression runs
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python implementations
    _c = _p = None

Literals = frozenset[str]
Clauses = tuple[Literals, ...]
_log = logging.getLogger(__name__)


def required_clauses(regex: str, ignore_case: bool = False) -> Clauses | None:
    """Sets of strings such that every match of ``regex`` contains one string of each set,
    or None when no such set can be said.

    With ``ignore_case`` the strings are lower-cased: test them against lower-cased text.

    >>> [sorted(c) for c in required_clauses(r"\\bi (?:feel|am) [a-z]+ hopeless")]
    [['i am ', 'i feel '], [' hopeless']]
    >>> required_clauses("a?b?") is None
    True
    """
    if _p is None:
        return None
    try:
        tree = _p.parse(regex)
    except (re.error, RecursionError):
        return None
    if tree.state.flags & re.IGNORECASE:
        ignore_case = True
    try:
        found = _candidates(list(tree), {})
    except (ValueError, TypeError, RecursionError):  # a construct this reader does not know
        return None
    if not found:
        return None
    if ignore_case:
        found = [frozenset(s.lower() for s in clause) for clause in found]
    return tuple(found)


def required_literals(regex: str, ignore_case: bool = False) -> Literals | None:
    """Strings one of which every match of ``regex`` contains (the most telling of
    :func:`required_clauses`), or None when that cannot be said.

    >>> required_literals("hopeless(?:ness)?")
    frozenset({'hopeless'})
    >>> required_literals("a?b?") is None
    True
    """
    clauses = required_clauses(regex, ignore_case)
    return _best(list(clauses)) if clauses else None


@functools.cache
def gram_ranks() -> dict[str, int]:
    """How common each 4-character string is in English comments: 0 for the most common.

    A string not listed is rare. Without the ranking file, every string counts as rare: the
    prefilter stays correct, only less selective.
    """
    try:
        grams = json.loads(GRAMS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        _log.warning(
            "Cannot read %s (%s); the crisis screen runs slower without it. Rebuild it with: "
            "python training/common_grams.py",
            GRAMS_PATH,
            error,
        )
        return {}
    return {gram: rank for rank, gram in enumerate(grams) if isinstance(gram, str)}


def covering_pieces(literals: Iterable[str], length: int = GRAM) -> tuple[str, ...]:
    """One piece of at most ``length`` characters for each literal: its rarest in English
    (:func:`gram_ranks`), or the literal itself when it is that short.

    A text that contains a literal contains its piece, so testing the pieces keeps the
    guarantee of :func:`required_clauses`.

    >>> covering_pieces(["want to jump", "going to jump", "od"])
    ('jump', 'od')
    """
    return tuple(sorted({_rarest_piece(literal, length) for literal in literals}))


@functools.lru_cache(maxsize=4096)
def _rarest_piece(literal: str, length: int) -> str:
    if len(literal) <= length:
        return literal
    ranks = gram_ranks()
    grams = sorted({literal[i : i + length] for i in range(len(literal) - length + 1)})
    # Rarest; among equally rare, one without spaces ("jump" rather than " jum").
    return max(grams, key=lambda g: (ranks.get(g, len(ranks)), " " not in g))


class Prefilter:
    """Which of several expressions can match a text, from the pieces the text holds.

    ``clauses[i]`` are expression ``i``'s required sets (:func:`required_clauses`), or None
    for an expression that always runs. Each set becomes the set of its strings' pieces
    (:func:`covering_pieces`), the most telling set first (:attr:`piece_sets`).
    :meth:`candidates` makes one set of the text's 4-character substrings and looks the
    pieces up in it.

    >>> prefilter = Prefilter([required_clauses(r"want to (?:jump|die)"), None])
    >>> prefilter.candidates("i want to jump"), prefilter.candidates("i want to go home")
    ([0, 1], [1])
    """

    def __init__(self, clauses: Sequence[Clauses | None]) -> None:
        piece_sets = [
            None if found is None else sorted((covering_pieces(c) for c in found), key=commonness)
            for found in clauses
        ]
        self._index(piece_sets)

    def _index(self, piece_sets: Sequence[Sequence[Sequence[str]] | None]) -> None:
        """Index each expression's piece sets, the most telling first."""
        self.piece_sets = [None if sets is None else [sorted(s) for s in sets] for sets in piece_sets]
        self._always = [i for i, sets in enumerate(piece_sets) if sets is None]
        self._first: dict[str, list[int]] = {}  # piece -> expressions whose most telling set holds it
        self._rest: dict[int, list[frozenset[str]]] = {}
        pieces: set[str] = set()
        for i, sets in enumerate(piece_sets):
            if sets is None:
                continue
            for piece in sets[0]:
                self._first.setdefault(piece, []).append(i)
            self._rest[i] = [frozenset(s) for s in sets[1:]]
            pieces.update(*sets)
        self._grams = frozenset(p for p in pieces if len(p) == GRAM)
        self._other = tuple(sorted(p for p in pieces if len(p) != GRAM))  # tested one by one

    @classmethod
    def from_piece_sets(cls, piece_sets: object) -> Prefilter:
        """A prefilter from the :attr:`piece_sets` of another (as JSON gives them back); raises
        :class:`ValueError` when ``piece_sets`` is not such a list.

        >>> Prefilter.from_piece_sets(Prefilter([required_clauses("noose"), None]).piece_sets).piece_sets
        [[['noos']], None]
        """
        if not isinstance(piece_sets, list) or not all(
            sets is None
            or (
                isinstance(sets, list)
                and sets
                and all(isinstance(s, list) and s and all(isinstance(p, str) and p for p in s) for s in sets)
            )
            for sets in piece_sets
        ):
            raise ValueError("not the piece sets of a prefilter")
        prefilter = cls.__new__(cls)
        prefilter._index(piece_sets)
        return prefilter

    def pieces(self, text: str) -> set[str]:
        """The pieces of any expression that ``text`` contains."""
        found = {text[i : i + GRAM] for i in range(len(text) - GRAM + 1)}
        found &= self._grams
        found.update(p for p in self._other if p in text)
        return found

    def candidates(self, text: str) -> list[int]:
        """Indices, in order, of the expressions that may match ``text``: every other cannot."""
        present = self.pieces(text)
        hits = set(self._always)
        for piece in present:
            hits.update(self._first.get(piece, ()))
        return sorted(i for i in hits if all(not s.isdisjoint(present) for s in self._rest.get(i, ())))


Item = tuple[Any, Any]  # (opcode, argument) of re's parse tree
Memo = dict[int, "Literals | None"]  # _exact's answers by id of the parse-tree item, for one expression


def _exact(item: Item, memo: Memo) -> Literals | None:
    """Every string ``item`` can match, when it matches only a few fixed strings."""
    key = id(item)
    if key not in memo:
        memo[key] = _exact_uncached(item, memo)
    return memo[key]


def _exact_uncached(item: Item, memo: Memo) -> Literals | None:
    op, av = item
    if op is _c.LITERAL:
        return frozenset({chr(av)})
    if op is _c.IN:  # a class of a few plain characters, such as [sz]
        members = list(av)
        if all(kind is _c.LITERAL for kind, _ in members):
            return frozenset(chr(code) for _, code in members)
        return None
    if op is _c.SUBPATTERN:
        _no_scoped_flags(av)
        return _exact_sequence(list(av[-1]), memo)
    if op is _c.BRANCH:
        options: set[str] = set()
        for branch in av[1]:
            exact = _exact_sequence(list(branch), memo)
            if exact is None:
                return None
            options |= exact
        return frozenset(options) if len(options) <= MAX_SET else None
    if op is _c.MAX_REPEAT or op is _c.MIN_REPEAT:
        low, high, body = av
        exact = _exact_sequence(list(body), memo)
        if exact is None or high > 1 or low > 1:
            return None
        return exact | {""} if low == 0 else exact
    return None


def _exact_sequence(items: list[Item], memo: Memo) -> Literals | None:
    out: Literals = frozenset({""})
    for piece in _pieces(items):
        exact = frozenset({piece}) if isinstance(piece, str) else _exact(piece, memo)
        joined = _product(out, exact) if exact is not None else None
        if joined is None:
            return None
        out = joined
    return out


def _pieces(items: list[Item]) -> Iterator[str | Item]:
    """The items of a sequence with each run of plain characters joined into one string, and
    anchors (which match no characters) left out."""
    text: list[str] = []
    for item in items:
        if item[0] is _c.LITERAL:
            text.append(chr(item[1]))
            continue
        if item[0] is _c.AT:
            continue
        if text:
            yield "".join(text)
            text = []
        yield item
    if text:
        yield "".join(text)


def _product(left: Literals, right: Literals) -> Literals | None:
    if len(left) * len(right) > MAX_SET:
        return None
    return frozenset(a + b for a in left for b in right)


def _candidates(items: list[Item], memo: Memo) -> list[Literals]:
    """Every set of strings of a sequence one of which any match contains (each piece's own)."""
    candidates: list[Literals] = []
    run: Literals | None = frozenset({""})
    for piece in _pieces(items):
        exact = frozenset({piece}) if isinstance(piece, str) else _exact(piece, memo)
        if exact is not None and run is not None:
            joined = _product(run, exact)
            if joined is not None:
                run = joined
                continue
        _keep(candidates, run)
        run = exact if exact is not None else None
        if exact is None and not isinstance(piece, str):
            _keep(candidates, _required_item(*piece, memo))
    _keep(candidates, run)
    return candidates


def _best(candidates: list[Literals]) -> Literals | None:
    """The most telling set: the least likely to be in a text (:func:`commonness`), then the one
    with the longest shortest string, then the fewest strings."""
    if not candidates:
        return None
    return min(candidates, key=lambda s: (commonness(s), -min(map(len, s)), len(s)))


def commonness(literals: Iterable[str]) -> float:
    """A rough score of how likely a text is to hold one of ``literals``: the sum, over their
    pieces (:func:`covering_pieces`), of 1 / (2 + rank) for a common 4-character piece, 0 for
    a rare one, and 1 for a piece shorter than 4 characters (such as "d").

    >>> commonness(["d"]) > commonness([" the"]) > commonness(["want to jump"]) == 0.0
    True
    """
    ranks = gram_ranks()
    return sum(
        1.0 if len(p) < GRAM else 1 / (2 + ranks[p]) if p in ranks else 0.0 for p in covering_pieces(literals)
    )


def _required(items: list[Item], memo: Memo) -> Literals | None:
    """Required strings of a sequence: the most selective of its pieces' required strings."""
    return _best(_candidates(items, memo))


def _required_item(op: Any, av: Any, memo: Memo) -> Literals | None:
    if op is _c.SUBPATTERN or op is _c.ATOMIC_GROUP:
        if op is _c.SUBPATTERN:
            _no_scoped_flags(av)
        body = av[-1] if op is _c.SUBPATTERN else av
        return _required(list(body), memo)
    if op is _c.BRANCH:
        return _union(_required(list(branch), memo) for branch in av[1])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _, body = av
        return _required(list(body), memo) if low >= 1 else None
    return None


def _no_scoped_flags(av: Any) -> None:
    """Refuse a group that turns case-insensitivity on or off for its part, such as ``(?i:abc)``."""
    _, add_flags, del_flags, _ = av
    if (add_flags | del_flags) & re.IGNORECASE:
        raise ValueError("a group with its own case flag")


def _union(parts: Iterable[Literals | None]) -> Literals | None:
    out: set[str] = set()
    for part in parts:
        if part is None:
            return None
        out |= part
    # Too many alternatives: one short piece per string keeps the guarantee, and strings share pieces.
    return frozenset(out) if len(out) <= MAX_SET else frozenset(covering_pieces(out))


def _keep(candidates: list[Literals], found: Literals | None) -> None:
    if found and "" not in found:
        # A string that contains another of the set adds nothing: drop it (shortest first, so
        # each is tested against the kept ones only).
        kept: list[str] = []
        for s in sorted(found, key=len):
            if not any(t in s for t in kept):
                kept.append(s)
        candidates.append(frozenset(kept))
