"""The support guide: every kind has distinct, kind phrasings per emotion family, and mistakes load loudly."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from attunement.content.support import (
    ESCONV_STRATEGIES,
    SUPPORT_FILE,
    load_support_guide,
)
from attunement.domain.support import (
    EMOTION_FAMILIES,
    SUPPORT_KINDS,
    EmotionFamily,
    SupportGuide,
    SupportKind,
)
from attunement.errors import ContentError, NotFoundError
from attunement.nlp.labels import STRATEGIES

# Words and phrases that shame, dismiss or diagnose; none belongs in a suggestion to a partner.
UNKIND = (
    "calm down",
    "overreact",
    "dramatic",
    "just get over",
    "you always",
    "you never",
    "disorder",
    "diagnos",
    "crazy",
    "hysterical",
)


@pytest.fixture(scope="module")
def guide() -> SupportGuide:
    return load_support_guide()


@pytest.fixture(scope="module")
def packaged_text() -> str:
    return SUPPORT_FILE.read_text(encoding="utf-8")


def _all_phrasings(guide: SupportGuide) -> list[str]:
    return [p for g in guide.kinds.values() for family in g.phrasings.values() for p in family]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def test_the_packaged_guide_loads_once(guide: SupportGuide) -> None:
    assert load_support_guide() is guide  # served from the cache
    assert tuple(guide.kinds) == SUPPORT_KINDS
    for kind, kind_guide in guide.kinds.items():
        assert kind_guide.kind is kind
        assert kind_guide.description.endswith(".") and len(kind_guide.why) > 60
        assert "\n" not in kind_guide.why  # folded YAML is flattened
    assert guide.kind(SupportKind.CLOSENESS).phrasings[EmotionFamily.SAD]
    assert 4 <= len(guide.talk_together) <= 6
    help_text = guide.professional_help.lower()
    assert all(word in help_text for word in ("counsellor", "strength", "couples", "crisis"))


def test_every_kind_has_two_to_four_phrasings_per_family(guide: SupportGuide) -> None:
    for kind_guide in guide.kinds.values():
        assert tuple(kind_guide.phrasings) == EMOTION_FAMILIES, kind_guide.kind
        for family, phrasings in kind_guide.phrasings.items():
            assert 2 <= len(phrasings) <= 4, (kind_guide.kind, family)
    assert len(_all_phrasings(guide)) >= 80


def test_phrasings_are_distinct_and_not_near_duplicates(guide: SupportGuide) -> None:
    phrasings = _all_phrasings(guide)
    assert len({p.lower() for p in phrasings}) == len(phrasings)
    for first, second in itertools.combinations(phrasings, 2):
        a, b = _words(first), _words(second)
        assert len(a & b) / len(a | b) < 0.7, (first, second)


def test_phrasings_never_shame_or_diagnose(guide: SupportGuide) -> None:
    for text in [*_all_phrasings(guide), *guide.talk_together, guide.professional_help]:
        lowered = text.lower()
        assert not [word for word in UNKIND if word in lowered], text


def test_phrasings_are_short_spoken_sentences(guide: SupportGuide) -> None:
    for text in _all_phrasings(guide):
        assert text[0].isupper() and text[-1] in ".?!", text
        assert len(text.split()) <= 20, text


def test_good_news_is_celebrated_not_consoled(guide: SupportGuide) -> None:
    for kind_guide in guide.kinds.values():
        for text in kind_guide.phrasings[EmotionFamily.GLAD]:
            assert not re.search(r"\b(sorry|worr|sad|sounds hard)", text.lower()), text


def test_every_esconv_strategy_but_others_belongs_to_a_kind(guide: SupportGuide) -> None:
    assert ESCONV_STRATEGIES == STRATEGIES
    for strategy in STRATEGIES:
        if strategy != "Others":
            assert guide.kinds_for_strategy(strategy), strategy
    assert all(s in STRATEGIES for g in guide.kinds.values() for s in g.esconv)


def test_kinds_for_strategy_follows_the_documented_map(guide: SupportGuide) -> None:
    assert guide.kinds_for_strategy("Question") == (SupportKind.LISTENING,)
    assert guide.kinds_for_strategy("Restatement or Paraphrasing") == (SupportKind.LISTENING,)
    assert guide.kinds_for_strategy("Reflection of feelings") == (SupportKind.REFLECTION,)
    assert guide.kinds_for_strategy("Affirmation and Reassurance") == (SupportKind.REASSURANCE,)
    assert guide.kinds_for_strategy("Self-disclosure") == (SupportKind.REASSURANCE,)
    assert guide.kinds_for_strategy("Providing Suggestions") == (SupportKind.PRACTICAL,)
    assert guide.kinds_for_strategy("Information") == (SupportKind.INFORMATION,)
    assert guide.kinds_for_strategy("Small talk") == ()


def test_cutrona_suhr_types_follow_the_documented_map(guide: SupportGuide) -> None:
    types = {kind: g.cutrona_suhr for kind, g in guide.kinds.items()}
    assert types == {
        SupportKind.LISTENING: "emotional",
        SupportKind.REASSURANCE: "esteem",
        SupportKind.REFLECTION: "emotional",
        SupportKind.PRACTICAL: "informational",
        SupportKind.INFORMATION: "informational",
        SupportKind.TOGETHER: "network",
        SupportKind.CLOSENESS: "emotional",
        SupportKind.SPACE: "emotional",
    }


def test_an_unknown_kind_is_not_found() -> None:
    guide = SupportGuide(kinds={}, talk_together=(), professional_help="")
    with pytest.raises(NotFoundError, match="no guide for the support kind 'space'"):
        guide.kind(SupportKind.SPACE)


# Loading mistakes: each names the file, the line and the field.


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "support.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str, key: str | None = None, nth: int = 1) -> int:
    """The line of the ``nth`` ``needle``; with ``key``, of the last ``key:`` before it."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    if key is not None:
        at = text.rindex(f"{key}:", 0, at)
    return text[:at].count("\n") + 1


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _expect_error(tmp_path: Path, text: str, line: int, field: str, problem: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_support_guide(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}"), message
    assert f"field '{field}'" in message, message
    assert re.search(problem, message), message


def test_the_packaged_text_loads_from_a_copy(tmp_path: Path, packaged_text: str) -> None:
    assert load_support_guide(_write(tmp_path, packaged_text)) == load_support_guide()


def test_an_unknown_kind_id_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(packaged_text, "- id: space", "- id: solitude")
    _expect_error(tmp_path, text, _line_of(text, "- id: solitude"), "id", "'solitude' is not a support kind")


def test_a_missing_kind_id_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(packaged_text, "  - id: together\n", "  - name: together\n")
    _expect_error(tmp_path, text, _line_of(text, "- name: together"), "id", "is missing")


def test_a_kind_left_out_is_named(tmp_path: Path, packaged_text: str) -> None:
    start, end = packaged_text.index("  - id: space"), packaged_text.index("talk_together:")
    text = packaged_text[:start] + packaged_text[end:]
    _expect_error(tmp_path, text, _line_of(text, "kinds:"), "kinds", "missing: space")


def test_a_kind_described_twice_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(packaged_text, "- id: space", "- id: listening")
    line = _line_of(text, "- id: listening", nth=2)
    first = _line_of(text, "- id: listening")
    _expect_error(tmp_path, text, line, "id", f"'listening' is already described on line {first}")


def test_an_unknown_emotion_family_is_named(tmp_path: Path, packaged_text: str) -> None:
    needle = "        - Wait, tell me everything!"
    text = _replace(packaged_text, f"      glad:\n{needle}", f"      happy:\n{needle}")
    _expect_error(tmp_path, text, _line_of(text, "happy:"), "phrasings.happy", "'happy' is not an emotion")


def test_a_missing_emotion_family_is_named(tmp_path: Path, packaged_text: str) -> None:
    block = (
        "      unsure:\n"
        "        - How are you doing, really? There's no right answer.\n"
        "        - You seem a bit somewhere else today. Want to talk?\n"
        "        - What's on your mind? Even if it comes out as a jumble.\n"
    )
    text = _replace(packaged_text, block, "")
    line = _line_of(text, "phrasings:")  # the first kind's, listening's
    _expect_error(tmp_path, text, line, "phrasings", "'listening' needs phrasings .* missing: unsure")


def test_too_few_phrasings_are_refused(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(
        packaged_text, "        - I'll give you some quiet. Just shout if you want company.\n", ""
    )
    line = _line_of(text, "Take all the time you need", key="sad")
    _expect_error(tmp_path, text, line, "phrasings.sad", "'space' needs 2 to 4 phrasings for 'sad'; it has 1")


def test_too_many_phrasings_are_refused(tmp_path: Path, packaged_text: str) -> None:
    needle = "        - What's been the hardest part of today?\n"
    extra = "        - Tell me more.\n        - I'm all ears.\n"
    text = _replace(packaged_text, needle, needle + extra)
    line = _line_of(text, needle, key="sad")
    _expect_error(tmp_path, text, line, "phrasings.sad", "needs 2 to 4 phrasings for 'sad'; it has 5")


def test_an_empty_phrasing_is_refused(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(packaged_text, "        - Honestly, I'd have been furious too.", '        - "  "')
    line = _line_of(text, '- "  "', key="angry")
    _expect_error(tmp_path, text, line, "phrasings.angry", "phrasing 3 must be a non-empty sentence")


def test_a_repeated_phrasing_is_refused(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(
        packaged_text, "        - Do you want a hug, or is it too soon?", "        - You sound so relieved!"
    )
    line = _line_of(text, "You sound so relieved!", key="angry", nth=2)
    _expect_error(tmp_path, text, line, "phrasings.angry", "already a phrasing of 'reflection' for 'glad'")


def test_an_unknown_esconv_strategy_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(packaged_text, "esconv: [Information]", "esconv: [Informing]")
    _expect_error(tmp_path, text, _line_of(text, "[Informing]"), "esconv", "'Informing' is not an ESConv")


def test_an_unknown_cutrona_suhr_type_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(packaged_text, "cutrona_suhr: network", "cutrona_suhr: companionship")
    line = _line_of(text, "companionship")
    _expect_error(tmp_path, text, line, "cutrona_suhr", "'companionship' is not a Cutrona and Suhr")


def test_a_strategy_no_kind_lists_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = _replace(packaged_text, "esconv: [Information]", "esconv: []")
    _expect_error(tmp_path, text, _line_of(text, "kinds:"), "esconv", "no kind lists: Information")


def test_too_few_talk_together_lines_are_refused(tmp_path: Path, packaged_text: str) -> None:
    start = packaged_text.index("  - Their support map")
    end = packaged_text.index("professional_help:")
    text = packaged_text[:start] + packaged_text[end:]
    line = _line_of(text, "talk_together:")
    _expect_error(tmp_path, text, line, "talk_together", "at least 3 lines .* it has 2")


def test_an_empty_professional_help_text_is_refused(tmp_path: Path, packaged_text: str) -> None:
    start = packaged_text.index("professional_help:")
    text = packaged_text[:start] + 'professional_help: ""\n'
    _expect_error(
        tmp_path, text, _line_of(text, "professional_help:"), "professional_help", "short paragraph"
    )
    _expect_error(tmp_path, packaged_text[:start], 1, "professional_help", "short paragraph")


def test_an_unknown_section_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text + "phrasebook: []\n"
    _expect_error(tmp_path, text, _line_of(text, "phrasebook:"), "phrasebook", "section is unknown")
