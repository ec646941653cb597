"""The feedback guide: enough kind, specific tips per case, emotion words that match, loud load errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from attunement.content.guidance import FEEDBACK_FILE, MINIMUM_TIPS, load_feedback_guide
from attunement.domain.guidance import FEELINGS, MECHANISMS, EmotionWords, FeedbackGuide, Tip, TipKind
from attunement.domain.labels import EMOTIONS
from attunement.errors import ContentError

SAMPLES = (("sad", "Amara"), ("let down", "your brother"))
# Each missing or weak tip says in words which mechanism it is about.
KEYWORDS = {
    "emotional_reactions": ("feel",),
    "interpretations": ("understand", "reflect", "what happened"),
    "explorations": ("ask", "question"),
}


@pytest.fixture(scope="module")
def guide() -> FeedbackGuide:
    return load_feedback_guide()


@pytest.fixture(scope="module")
def packaged_text() -> str:
    return FEEDBACK_FILE.read_text(encoding="utf-8")


def _rendered(tip: Tip) -> list[str]:
    return [tip.render(feeling=feeling, name=name) for feeling, name in SAMPLES]


def test_the_packaged_guide_loads_once(guide: FeedbackGuide) -> None:
    assert load_feedback_guide() is guide  # served from the cache
    assert set(guide.mechanism_names) == set(MECHANISMS) == set(guide.mechanism_blurbs)
    assert guide.mechanism_names["emotional_reactions"] == "responding to their feelings"
    assert all(len(blurb) > 40 for blurb in guide.mechanism_blurbs.values())
    ids = [tip.id for tip in guide.tips]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", tip_id) for tip_id in ids)


def test_every_section_has_enough_tips(guide: FeedbackGuide) -> None:
    for kind in (TipKind.MISSING, TipKind.WEAK, TipKind.STRONG):
        for mechanism in MECHANISMS:
            assert len(guide.tips_for(kind, mechanism)) >= MINIMUM_TIPS[kind], (kind, mechanism)
    assert MINIMUM_TIPS[TipKind.MISSING] == 4 and MINIMUM_TIPS[TipKind.WEAK] == 3
    assert len(guide.tips_for(TipKind.ADVICE_FIRST)) >= 3
    assert len(guide.tips_for(TipKind.MISSED_EMOTION)) >= 4
    assert len(guide.tips_for(TipKind.STRETCH)) >= 4
    assert len(guide.never_say) >= 30


def test_tips_for_filters_by_kind_and_mechanism(guide: FeedbackGuide) -> None:
    missing = guide.tips_for(TipKind.MISSING)
    assert {tip.mechanism for tip in missing} == set(MECHANISMS)
    asking = guide.tips_for("missing", "explorations")
    assert asking and all(t.kind is TipKind.MISSING and t.mechanism == "explorations" for t in asking)
    assert set(asking) < set(missing)
    assert all(tip.mechanism is None for tip in guide.tips_for(TipKind.STRETCH))
    for kind in (TipKind.ADVICE_FIRST, TipKind.MISSED_EMOTION):
        assert all(tip.mechanism == "emotional_reactions" for tip in guide.tips_for(kind))
    assert guide.tips_for(TipKind.STRETCH, "explorations") == ()
    assert sum(len(guide.tips_for(kind)) for kind in TipKind) == len(guide.tips)
    with pytest.raises(ValueError, match="not a mechanism"):
        guide.tips_for(TipKind.WEAK, "sympathy")


def test_every_tip_renders_with_sample_values(guide: FeedbackGuide) -> None:
    for tip in guide.tips:
        for text in _rendered(tip):
            assert "{" not in text and "}" not in text, (tip.id, text)
            assert text[0].isupper() or text[0] == '"', (tip.id, text)
    for tip in guide.tips_for(TipKind.MISSED_EMOTION):
        assert all(feeling in text for (feeling, _), text in zip(SAMPLES, _rendered(tip), strict=True))
        with pytest.raises(ValueError, match="needs the feeling"):
            tip.render(name="Amara")
    # A name at the start of a sentence is capitalised; elsewhere it is kept as given.
    first = guide.tips_for(TipKind.MISSED_EMOTION)[0]
    assert first.render("sad", "your brother").startswith("Your brother may also be feeling sad.")
    assert "your brother" in guide.tips_for(TipKind.ADVICE_FIRST)[0].render(name="your brother")


def test_no_tip_ever_says_something_unkind(guide: FeedbackGuide) -> None:
    displays = [entry.display for entry in guide.emotion_words.values()]
    for tip in guide.tips:
        feelings = displays if tip.kind is TipKind.MISSED_EMOTION else ["sad"]
        for feeling in feelings:
            for _, name in SAMPLES:
                text = tip.render(feeling=feeling, name=name)
                assert guide.unkind_phrases(text) == (), (tip.id, text)
    for text in [*guide.mechanism_names.values(), *guide.mechanism_blurbs.values()]:
        assert guide.unkind_phrases(text) == ()


def test_missing_and_weak_tips_name_their_mechanism_in_words(guide: FeedbackGuide) -> None:
    for kind in (TipKind.MISSING, TipKind.WEAK):
        for mechanism, keywords in KEYWORDS.items():
            for tip in guide.tips_for(kind, mechanism):
                assert any(word in tip.text.lower() for word in keywords), (tip.id, keywords)


def test_strong_tips_praise_what_was_done(guide: FeedbackGuide) -> None:
    for tip in guide.tips_for(TipKind.STRONG):
        assert re.search(r"\byou(r)?\b", tip.text, re.IGNORECASE), tip.id  # about the reply, in 2nd person


def test_unkind_phrases_are_found_case_insensitively(guide: FeedbackGuide) -> None:
    assert "you lack empathy" in guide.unkind_phrases("Honestly, YOU LACK   EMPATHY here.")
    assert "diagnos" in guide.unkind_phrases("This is not a diagnosis.")
    assert guide.unkind_phrases("Try not to intrude; ask first.") == ()  # 'rude' must start a word
    assert guide.unkind_phrases("You can\u2019t fix it, and that is okay.") == ()


def test_emotion_words_cover_every_feeling(guide: FeedbackGuide) -> None:
    assert tuple(guide.emotion_words) == FEELINGS
    assert len(FEELINGS) == 27 and "neutral" not in FEELINGS and set(FEELINGS) < set(EMOTIONS)
    for label, entry in guide.emotion_words.items():
        assert entry.emotion == label
        assert 6 <= len(entry.words) <= 20, (label, len(entry.words))
        assert entry.display and entry.display == entry.display.lower()
        assert all(word == word.lower().strip() and word for word in entry.words)
        assert entry.named_in(f"you sound {entry.words[0]}"), label
    displays = {entry.display for entry in guide.emotion_words.values()}
    assert len(displays) == 27  # no two feelings look the same in a tip


@pytest.mark.parametrize(
    ("emotion", "text", "named"),
    [
        ("fear", "That sounds so scary", True),
        ("fear", "I'm scarred by that", False),
        ("fear", "you must be FREAKED-OUT", True),
        ("fear", "you must be freaked out", True),
        ("sadness", "I'm heartbroken for you", True),
        ("sadness", "HEARTBROKEN for you", True),
        ("sadness", "heart broken for you", True),
        ("sadness", "Sadly, the shop was closed", False),
        ("excitement", "I can\u2019t wait to hear how it goes!", True),
        ("excitement", "cant wait!!", True),
        ("disappointment", "what a let-down, I'm sorry", True),
        ("gratitude", "Thank you for telling me", True),
        ("pride", "I'm so proud of you", True),
        ("pride", "reproduce the results", False),
    ],
)
def test_emotion_words_match_whole_words(guide: FeedbackGuide, emotion: str, text: str, named: bool) -> None:
    assert guide.emotion_words[emotion].named_in(text) is named


def test_domain_values_refuse_bad_shapes() -> None:
    with pytest.raises(ValueError, match="only"):
        Tip("x", TipKind.STRETCH, None, "Tell {who} more.")
    with pytest.raises(ValueError, match="must have the mechanism"):
        Tip("x", TipKind.ADVICE_FIRST, "explorations", "Ask before advising.")
    with pytest.raises(ValueError, match="must be None"):
        Tip("x", TipKind.STRETCH, "explorations", "Leave room.")
    with pytest.raises(ValueError, match="needs a mechanism"):
        Tip("x", TipKind.WEAK, None, "Ask more.")
    with pytest.raises(ValueError, match="feeling"):
        Tip("x", TipKind.STRONG, "explorations", "You noticed they feel {feeling}.")
    with pytest.raises(ValueError, match="not a GoEmotions"):
        EmotionWords("neutral", "calm", ("calm",))
    with pytest.raises(ValueError, match="lower-case"):
        EmotionWords("fear", "scared", ())


# Loader errors: each one names the file, the line and the field of the mistake.


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedback.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str, key: str | None = None) -> int:
    """The line of ``needle``; with ``key``, of the last ``key:`` before it (a folded text's key line)."""
    at = text.index(needle)
    if key is not None:
        at = text.rindex(f"{key}:", 0, at)
    return text[:at].count("\n") + 1


def _drop_tip(text: str, tip_id: str) -> str:
    block = re.compile(r"^( *)- id: " + re.escape(tip_id) + r"\n(?:\1  .*\n)+", re.MULTILINE)
    assert block.search(text), tip_id
    return block.sub("", text, count=1)


def _expect_error(tmp_path: Path, text: str, needle: str, field: str, problem: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_feedback_guide(path)
    message = str(caught.value)
    line = _line_of(text, needle, "text" if field == "text" else None)
    assert message.startswith(f"{path}, line {line}"), message
    assert f"field '{field}'" in message, message
    assert re.search(problem, message), message


def test_the_packaged_text_loads_from_a_copy(tmp_path: Path, packaged_text: str) -> None:
    copy = load_feedback_guide(_write(tmp_path, packaged_text))
    assert copy == load_feedback_guide()


def test_an_unknown_placeholder_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text.replace("invite {name} to say more", "invite {person} to say more")
    _expect_error(tmp_path, text, "invite {person}", "text", r"placeholder \{person\} is unknown")


def test_a_positional_or_broken_placeholder_is_refused(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text.replace("invite {name} to say more", "invite {} to say more")
    _expect_error(tmp_path, text, "invite {}", "text", "needs a name")
    text = packaged_text.replace("invite {name} to say more", "invite {name to say more")
    _expect_error(tmp_path, text, "invite {name to", "text", "braces are malformed")


def test_a_missed_emotion_tip_must_use_feeling(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text.replace("might be feeling {feeling}. Naming it", "might be feeling more. Naming it")
    text = text.replace("it left you feeling {feeling}", "it left you feeling that way")
    _expect_error(tmp_path, text, "might be feeling more", "text", "must name the feeling with {feeling}")


def test_only_missed_emotion_tips_may_use_feeling(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text.replace('("that sounds lonely")', '("that sounds {feeling}")')
    _expect_error(tmp_path, text, '("that sounds {feeling}")', "text", "only missed_emotion tips")


def test_a_tip_id_used_twice_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text.replace("- id: st-fewer-words", "- id: st-leave-room")
    path = _write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_feedback_guide(path)
    second = text.index("- id: st-leave-room", text.index("- id: st-leave-room") + 1)
    line = text[:second].count("\n") + 1
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}, field 'id'"), message
    assert f"already used on line {_line_of(text, '- id: st-leave-room')}" in message


def test_an_unknown_emotion_label_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text.replace("  - id: surprise\n", "  - id: suprise\n")
    _expect_error(tmp_path, text, "- id: suprise", "id", "'suprise' is not a GoEmotions label")
    text = packaged_text.replace("  - id: surprise\n", "  - id: neutral\n")
    _expect_error(tmp_path, text, "- id: neutral", "id", "names no feeling")


def test_a_missing_emotion_label_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = re.sub(r"  - id: relief\n(?:    .*\n)+", "", packaged_text, count=1)
    assert "id: relief" not in text
    _expect_error(tmp_path, text, "emotion_words:", "emotion_words", "missing: relief")


def test_empty_words_are_refused(tmp_path: Path, packaged_text: str) -> None:
    text = re.sub(r"(  - id: disgust\n    display: disgusted\n    words: )\[[^\]]*\]", r"\1[]", packaged_text)
    needle = "words: []"
    _expect_error(tmp_path, text, needle, "words", "the list is empty")


def test_too_few_tips_in_a_section_are_refused(tmp_path: Path, packaged_text: str) -> None:
    text = _drop_tip(_drop_tip(packaged_text, "af-solutions-can-wait"), "af-acknowledge-then-suggest")
    _expect_error(tmp_path, text, "advice_first:", "advice_first", "at least 3 tips; it has 2")
    text = _drop_tip(packaged_text, "ex-strong-open-question")
    strong = text.index("    strong:", text.index("- id: explorations"))
    path = _write(tmp_path, text)
    with pytest.raises(ContentError, match=r"field 'explorations\.strong': write at least 3 tips") as caught:
        load_feedback_guide(path)
    assert str(caught.value).startswith(f"{path}, line {text[:strong].count(chr(10)) + 1}")


def test_a_tip_with_a_never_say_phrase_is_refused(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text.replace("That is attentive listening.", "Obviously, that is attentive listening.")
    _expect_error(tmp_path, text, "Obviously, that", "text", "contains 'obviously'")


def test_a_never_say_list_that_is_too_short_is_refused(tmp_path: Path, packaged_text: str) -> None:
    head, _, _ = packaged_text.partition("never_say:")
    text = head + "never_say:\n  - you lack empathy\n"
    _expect_error(tmp_path, text, "never_say:", "never_say", "at least 30")


def test_an_unknown_section_or_mechanism_is_named(tmp_path: Path, packaged_text: str) -> None:
    text = packaged_text + "\nencouragement:\n  - id: x\n"
    _expect_error(tmp_path, text, "encouragement:", "encouragement", "section is unknown")
    text = packaged_text.replace("  - id: explorations\n", "  - id: exploration\n")
    _expect_error(tmp_path, text, "- id: exploration\n", "id", "'exploration' is not a mechanism")


def test_malformed_yaml_and_missing_files_are_content_errors(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"line \d+: the YAML is malformed"):
        load_feedback_guide(_write(tmp_path, "mechanisms: [\n  - id: x\n"))
    with pytest.raises(ContentError, match="Cannot read"):
        load_feedback_guide(tmp_path / "nope.yaml")
