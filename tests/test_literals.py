"""Required literals: the crisis screen's prefilter may skip a search, never a match."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attunement.content.crisis import load_crisis_lexicon
from attunement.nlp.crisis import CrisisScreener
from attunement.nlp.literals import covering_pieces, required_literals

PATTERNS = load_crisis_lexicon().patterns


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (r"suicidal", {"suicidal"}),
        (r"\bkil{1,2} myself\b", {" myself"}),
        (r"(?:ending|end) it all|unalive", {"end it all", "ending it all", "unalive"}),
        (r"hopeless(?:ness)?", {"hopeless"}),
        (r"(?:a|b)(?:c|d)", {"ac", "ad", "bc", "bd"}),
        (r"(?:over)+dose", {"over"}),
        (r"(?i)Noose", {"noose"}),
    ],
)
def test_required_literals_of_simple_expressions(regex: str, expected: set[str]) -> None:
    assert required_literals(regex) == expected


@pytest.mark.parametrize(
    "regex", [r"[a-z]+", r"a?b?", r"(\w)\1", r"\w*", r"(?:x|[0-9])y?", r"(?i:abc)d", r"x(?-i:Ab)"]
)
def test_unsure_expressions_always_run(regex: str) -> None:
    assert required_literals(regex) is None


def test_invalid_expression_is_left_to_re() -> None:
    assert required_literals("(unclosed") is None


def test_covering_pieces_are_short_and_cover_every_literal() -> None:
    literals = ["take my life", "taking my own life", "took my life", "od"]
    pieces = covering_pieces(literals, length=4)
    assert all(len(piece) <= 4 for piece in pieces)
    assert all(any(piece in literal for piece in pieces) for literal in literals)
    assert len(pieces) < len(literals)


def test_most_crisis_patterns_get_a_prefilter() -> None:
    found = [required_literals(p.regex) for p in PATTERNS]
    assert sum(f is not None for f in found) >= 0.85 * len(PATTERNS)


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.id for p in PATTERNS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_match_of_a_crisis_pattern_contains_a_piece(pattern, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    """Texts generated to match each pattern all pass its prefilter."""
    compiled = re.compile(pattern.regex)
    needs = required_literals(pattern.regex)
    if needs is None:
        return
    pieces = covering_pieces(needs)
    text = data.draw(st.from_regex(compiled))
    match = compiled.search(text)
    if match is None:  # hypothesis cannot always honour look-behinds
        return
    assert any(piece in match.group() for piece in pieces), (text, pieces)


def test_screen_with_prefilter_agrees_with_every_pattern_run() -> None:
    screener = CrisisScreener(load_crisis_lexicon())
    plain = CrisisScreener(load_crisis_lexicon())
    plain._strong = [(p, c, None) for p, c, _ in plain._strong]
    plain._weak = [(p, c, None) for p, c, _ in plain._weak]
    texts = [
        "I want to k!ll myself tonight",
        "this deadline is killing me lol",
        "i have been thinking about ending it all",
        "I feel hopeless and trapped",
        "my friend said she wants to end her life",
        "We watched a film about a bridge",
    ]
    for text in texts:
        signals = {"sadness": 0.9}
        assert screener.screen(text, signals) == plain.screen(text, signals)
