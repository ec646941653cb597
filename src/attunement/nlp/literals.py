"""Required literals of a regular expression: strings one of which every match must contain.

The crisis screen runs about seventy expressions over every text, and almost
every text matches none of them. Python's ``re`` tries each expression at
every position; a substring test (``"myself" in text``) is many times
cheaper. :func:`required_literals` reads an expression's parse tree and
returns a set of strings such that **any** match contains at least one of
them, so an expression whose strings are all absent cannot match and need not
run. When it cannot be sure (a character class, a back-reference, an
optional part), it says so by returning None, and the expression always runs:
the prefilter may skip work, never a match.

This is the "required factor" idea behind RE2's prefilter and trigram code
search, kept to what the crisis patterns need.

Examples
--------
>>> sorted(required_literals(r"\\bkil{1,2}(?:ing|ed)? (?:myself|my own self)\\b"))
[' my own self', ' myself']
>>> sorted(required_literals(r"\\bend(?:ing)? it all\\b|\\bunalive\\b"))
['end it all', 'ending it all', 'unalive']
>>> required_literals(r"[a-z]+ing")
frozenset({'ing'})
>>> required_literals(r"[a-z]+!*") is None
True
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

MAX_SET = 64  # alternatives kept when literal pieces multiply out ("my" x {"self", " own self"})

try:  # the parser behind ``re`` (``re._parser`` since 3.11); without it, every expression runs
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python implementations
    _c = _p = None

Literals = frozenset[str]


def required_literals(regex: str, ignore_case: bool = False) -> Literals | None:
    """Strings one of which every match of ``regex`` contains, or None when that cannot be said.

    With ``ignore_case`` the strings are lower-cased: test them against lower-cased text.

    >>> required_literals("hopeless(?:ness)?")
    frozenset({'hopeless'})
    >>> required_literals("a?b?") is None
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
        found = _required(list(tree), {})
    except (ValueError, TypeError, RecursionError):  # a construct this reader does not know
        return None
    if found is None:
        return None
    return frozenset(s.lower() for s in found) if ignore_case else found


def covering_pieces(literals: Iterable[str], length: int = 4) -> tuple[str, ...]:
    """A few strings of at most ``length`` characters such that every literal contains one.

    A text that contains a literal contains its pieces, so testing the pieces keeps the
    guarantee of :func:`required_literals` with far fewer substring tests (greedy set cover:
    the piece shared by most literals first).

    >>> covering_pieces(["end it all", "ending it all", "end it for good", "unalive"])
    (' it ', 'aliv')
    """
    left = set(literals)
    pieces: set[str] = set()
    while left:
        short = min(left, key=len)
        if len(short) <= length:
            best = short
        else:
            counts = Counter(g for s in left for g in {s[i : i + length] for i in range(len(s) - length + 1)})
            best = max(sorted(counts), key=counts.__getitem__)
        pieces.add(best)
        left = {s for s in left if best not in s}
    return tuple(sorted(pieces))


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


def _required(items: list[Item], memo: Memo) -> Literals | None:
    """Required strings of a sequence: the most selective of its pieces' required strings."""
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
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


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
    # Too many alternatives: their short pieces keep the guarantee in far fewer strings.
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
