"""Required literals: the crisis screen's prefilter may skip a search, never a match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attunement.content.crisis import load_crisis_lexicon
from attunement.nlp.crisis import CrisisScreener
from attunement.nlp.literals import (
    Prefilter,
    commonness,
    covering_pieces,
    gram_ranks,
    required_clauses,
    required_literals,
)

PATTERNS = load_crisis_lexicon().patterns
EXPRESSIONS = PATTERNS + load_crisis_lexicon().negatives


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (r"suicidal", {"suicidal"}),
        (r"\bkil{1,2} myself\b", {" myself"}),
        (r"(?:ending|end) it all|unalive", {"end it all", "ending it all", "unalive"}),
        (r"hopeless(?:ness)?", {"hopeless"}),
        (r"(?:a|b)(?:c|d)", {"ac", "ad", "bc", "bd"}),
        (r"(?:over)+dose", {"dose"}),  # the rarer of "over" and "dose"
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


def test_each_literal_is_tested_by_its_rarest_piece() -> None:
    ranks = gram_ranks()
    assert ranks[" the"] < ranks["ing "] < 100  # the ranking file is there and ordered
    (piece,) = covering_pieces(["going to jump"])
    assert piece == "jump"
    assert all(ranks.get(piece, len(ranks)) >= ranks.get(g, len(ranks)) for g in ("goin", " to ", "g to"))


def test_clauses_keep_every_required_part() -> None:
    regex = r"\b(?:i|we) (?:want|need) to [a-z]+ off (?:a|the) bridge\b"
    clauses = required_clauses(regex)
    assert clauses == (
        frozenset({"i want to ", "i need to ", "we want to ", "we need to "}),
        frozenset({" off a bridge", " off the bridge"}),
    )
    assert required_literals(regex) == clauses[1]  # the most telling of them


def test_commonness_orders_sets_by_how_often_texts_hold_them() -> None:
    assert commonness(["x"]) > commonness([" the", " and"]) > commonness([" the"]) > commonness(["noose"])


def test_prefilter_passes_every_expression_that_can_match() -> None:
    regexes = [r"\bwant to (?:jump|die)\b", r"\bnoose\b", r"[a-z]+\d?", r"(?:over)+dose"]
    prefilter = Prefilter([required_clauses(r) for r in regexes])
    for text in ["i want to jump", "a noose", "hey want to die", "an overoverdose", "nothing here"]:
        can = prefilter.candidates(text)
        assert all(i in can for i, r in enumerate(regexes) if re.search(r, text)), text
    assert prefilter.candidates("i want to go home") == [2]  # only the expression with no literal


def test_most_crisis_patterns_get_a_prefilter() -> None:
    found = [required_literals(p.regex) for p in PATTERNS]
    assert sum(f is not None for f in found) >= 0.85 * len(PATTERNS)


@pytest.mark.parametrize("pattern", EXPRESSIONS, ids=[p.id for p in EXPRESSIONS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_match_of_a_crisis_expression_passes_the_prefilter(pattern, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    """Texts generated to match each pattern and idiom all pass its prefilter."""
    compiled = re.compile(pattern.regex)
    clauses = required_clauses(pattern.regex)
    if clauses is None:
        return
    text = data.draw(st.from_regex(compiled))
    match = compiled.search(text)
    if match is None:  # hypothesis cannot always honour look-behinds
        return
    assert Prefilter([clauses]).candidates(match.group()) == [0], (text, clauses)


def test_screen_with_prefilter_agrees_with_every_pattern_run() -> None:
    screener = CrisisScreener(load_crisis_lexicon())
    plain = CrisisScreener(load_crisis_lexicon())
    plain._prefilter = Prefilter([None] * (plain._idioms + len(plain._patterns)))  # every expression runs
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


def test_the_prefilter_is_kept_between_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A screener with a cache folder keeps its prefilter there; the next one reads it back
    instead of reading the expressions, and screens alike; a damaged file is built again."""
    from attunement.nlp import crisis

    lexicon = load_crisis_lexicon()
    first = CrisisScreener(lexicon, tmp_path)
    (kept,) = tmp_path.glob("crisis-prefilter-*.json")
    with monkeypatch.context() as patch:
        patch.setattr(crisis, "_clauses", lambda regex: pytest.fail("the prefilter was built again"))
        second = CrisisScreener(lexicon, tmp_path)
    assert second._prefilter.piece_sets == first._prefilter.piece_sets
    for text in ["I want to k!ll myself tonight", "this deadline is killing me lol", "I feel hopeless"]:
        assert second.screen(text, {"sadness": 0.9}) == CrisisScreener(lexicon).screen(text, {"sadness": 0.9})
    kept.write_text('[["not", "a prefilter"]]')
    third = CrisisScreener(lexicon, tmp_path)
    assert third._prefilter.piece_sets == first._prefilter.piece_sets
    assert json.loads(kept.read_text()) == first._prefilter.piece_sets


def test_a_cache_folder_that_cannot_be_written_only_costs_time(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    screener = CrisisScreener(load_crisis_lexicon(), blocked / "models")
    assert screener.screen("i want to kill myself").flagged


def test_kept_pieces_of_any_length_are_looked_for() -> None:
    """Pieces are 4 characters or shorter when built; a kept file with longer ones still works."""
    prefilter = Prefilter.from_piece_sets([[["noose"]], [["od"]], None])
    assert prefilter.candidates("a noose") == [0, 2]
    assert prefilter.candidates("an od") == [1, 2]
    with pytest.raises(ValueError, match="piece sets"):
        Prefilter.from_piece_sets([[["ok"], []]])
