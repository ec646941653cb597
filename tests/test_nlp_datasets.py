"""Dataset readers on small files written here in each corpus's original format, and on the real data."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from attunement.errors import InvalidInputError
from attunement.nlp import labels
from attunement.nlp.datasets import (
    Dialogue,
    EmpathyExample,
    Turn,
    epitome_folds,
    epitome_split,
    load_epitome,
    load_esconv,
    load_goemotions,
    next_strategy_examples,
    reply_strategy_examples,
)

SHARED_DATA = Path(
    os.environ.get("ATTUNE_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
)
HEADER = "sp_id,rp_id,seeker_post,response_post,level,rationales\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- labels -------------------------------------------------------------------------------------


def test_label_sets_cover_every_emotion_once() -> None:
    assert (
        len(labels.EMOTIONS) == 28 and labels.EMOTIONS[0] == "admiration" and labels.EMOTIONS[-1] == "neutral"
    )
    for grouping in (labels.EKMAN, labels.SENTIMENT):
        members = [name for group in grouping.values() for name in group]
        assert sorted(members) == sorted(labels.EMOTIONS)
    assert len(labels.STRATEGIES) == 8 and labels.STRATEGIES[0] == "Question"
    assert labels.RAW_STRATEGY_NAMES["Questions"] == "Question"
    assert labels.RAW_STRATEGY_NAMES["Other"] == "Others"
    assert [labels.MECHANISM_SHORT[m] for m in labels.MECHANISMS] == ["er", "ip", "ex"]


# --- GoEmotions ---------------------------------------------------------------------------------


def test_goemotions_reads_quoted_and_multi_label_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path / "train.tsv",
        'I like how it\'s ""fine"" now.\t27\ta1\n'
        '"Well, that was ""great"" lol."\t1,3\ta2\n'
        "So grateful for you [NAME]\t15,0\ta3\n",
    )
    examples = load_goemotions(path)
    assert [e.id for e in examples] == ["a1", "a2", "a3"]
    assert examples[1].text == 'Well, that was "great" lol.'
    assert examples[1].label_names == ("amusement", "annoyance")
    assert examples[2].labels == (0, 15)


# --- EPITOME ------------------------------------------------------------------------------------


def epitome_folder(tmp_path: Path, files: dict[str, list[tuple[str, str, int, str]]]) -> Path:
    """Write mechanism files whose rows are (sp_id, rp_id, level, rationales)."""
    folder = tmp_path / "epitome"
    folder.mkdir()
    for mechanism, rows in files.items():
        with open(folder / f"{mechanism}-reddit.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"])
            for sp_id, rp_id, level, rationales in rows:
                writer.writerow(
                    [sp_id, rp_id, f'post {sp_id}, "quoted"', f"reply {rp_id}", level, rationales]
                )
    return folder


def test_epitome_joins_mechanisms_and_votes_on_duplicates(tmp_path: Path) -> None:
    folder = epitome_folder(
        tmp_path,
        {
            "emotional-reactions": [
                ("s1", "r1", 1, "So sorry|"),
                ("s2", "r2", 0, ""),
                ("s1", "r1", 0, "I hear you|So sorry|"),
            ],
            "interpretations": [("s1", "r1", 2, "Same here|"), ("s2", "r2", 1, ""), ("s1", "r1", 2, "")],
        },
    )
    pairs = load_epitome(folder)
    assert [(p.sp_id, p.rp_id) for p in pairs] == [("s1", "r1"), ("s2", "r2")]
    first = pairs[0]
    assert first.seeker_post == 'post s1, "quoted"'
    # ER 1 vs 0 is a tie: the lower level wins; IP 2, 2 is a majority; EX has no file.
    assert first.levels == {"emotional_reactions": 0, "interpretations": 2, "explorations": None}
    assert first.rationales["emotional_reactions"] == ("So sorry", "I hear you")
    assert first.rationales["explorations"] == ()
    assert pairs[1].levels["interpretations"] == 1


def test_epitome_reads_a_single_file(tmp_path: Path) -> None:
    folder = epitome_folder(tmp_path, {"explorations": [("s1", "r1", 2, "Why?|")]})
    (pair,) = load_epitome(folder / "explorations-reddit.csv")
    assert pair.levels == {"emotional_reactions": None, "interpretations": None, "explorations": 2}
    renamed = (folder / "explorations-reddit.csv").rename(folder / "held_out.csv")
    with pytest.raises(InvalidInputError, match="which mechanism"):
        load_epitome(renamed)
    assert load_epitome(renamed, mechanism="explorations")[0].levels["explorations"] == 2


def test_epitome_split_is_grouped_and_deterministic(tmp_path: Path) -> None:
    rows = [(f"s{i % 17}", f"r{i}", i % 3, "") for i in range(60)]
    pairs = load_epitome(epitome_folder(tmp_path, {"emotional-reactions": rows}))
    train, dev = epitome_split(pairs, dev_share=0.3, seed=5)
    assert not {p.sp_id for p in train} & {p.sp_id for p in dev}
    assert len(train) + len(dev) == len(pairs) and len({p.sp_id for p in dev}) == 5
    assert epitome_split(pairs, dev_share=0.3, seed=5) == (train, dev)
    assert epitome_split(list(reversed(pairs)), dev_share=0.3, seed=5)[1] == list(reversed(dev))
    assert epitome_split(pairs, dev_share=0.3, seed=6)[1] != dev
    with pytest.raises(InvalidInputError):
        epitome_split(pairs, dev_share=1.0)


# --- ESConv -------------------------------------------------------------------------------------


def split_dialogue() -> dict[str, Any]:
    return {
        "experience_type": "Current Experience",
        "emotion_type": "anxiety",
        "problem_type": "job crisis",
        "situation": "I may lose my job.",
        "survey_score": {"seeker": {"initial_emotion_intensity": "4"}, "supporter": {}},
        "dialog": [
            {"text": "Hi there.", "speaker": "sys", "strategy": "Question"},
            {"text": "I'm worried about work.", "speaker": "usr"},
            {"text": "That sounds stressful.", "speaker": "sys", "strategy": "Reflection of feelings"},
            {"text": "Have you talked to your boss?", "speaker": "sys", "strategy": "Providing Suggestions"},
            {"text": "Not yet.", "speaker": "usr"},
        ],
        "seeker_question1": "",
    }


def raw_dialogue(seeker: str = "speaker", supporter: str = "listener") -> dict[str, Any]:
    return {
        "experience_type": "Previous Experience",
        "emotion_type": "sadness",
        "problem_type": "breakup with partner",
        "situation": "My partner left.",
        "survey_score": {"seeker": {}, "supporter": {}},
        "dialog": [
            {"speaker": seeker, "annotation": {}, "content": "hello\n"},
            {"speaker": supporter, "annotation": {"strategy": "Questions"}, "content": "How are you?"},
            {"speaker": seeker, "annotation": {"feedback": "4"}, "content": "Sad.\n"},
            {"speaker": supporter, "annotation": {"strategy": "Other"}, "content": "I see."},
        ],
    }


def test_esconv_reads_json_lines(tmp_path: Path) -> None:
    lines = json.dumps(split_dialogue()) + "\n\n" + json.dumps(split_dialogue()) + "\n"
    dialogues = load_esconv(write(tmp_path / "train.json", lines))
    assert len(dialogues) == 2
    dialogue = dialogues[0]
    assert (dialogue.situation, dialogue.emotion_type, dialogue.problem_type) == (
        "I may lose my job.",
        "anxiety",
        "job crisis",
    )
    assert dialogue.turns[1] == Turn("seeker", "I'm worried about work.", None)
    assert dialogue.supporter_turns == 3


@pytest.mark.parametrize(("seeker", "supporter"), [("speaker", "listener"), ("seeker", "supporter")])
def test_esconv_reads_the_raw_array_format(tmp_path: Path, seeker: str, supporter: str) -> None:
    text = "  \n" + json.dumps([raw_dialogue(seeker, supporter)], indent=1)
    (dialogue,) = load_esconv(write(tmp_path / "FailedESConv.json", text))
    assert [(t.speaker, t.text, t.strategy) for t in dialogue.turns] == [
        ("seeker", "hello", None),
        ("supporter", "How are you?", "Question"),
        ("seeker", "Sad.", None),
        ("supporter", "I see.", "Others"),
    ]


def dialogue_for_examples() -> Dialogue:
    return Dialogue(
        "Work stress.",
        "anxiety",
        "job crisis",
        (
            Turn("supporter", "Hi, what's up?", "Question"),
            Turn("seeker", "Work."),
            Turn("supporter", "Work can be a lot.", "Reflection of feelings"),
            Turn("supporter", "Take a break?", "Providing Suggestions"),
            Turn("supporter", "untagged", None),
        ),
    )


def test_reply_strategy_examples_name_the_reply_and_its_label() -> None:
    examples = reply_strategy_examples([dialogue_for_examples()], context_turns=2)
    assert [(e.reply, e.strategy) for e in examples] == [
        ("Hi, what's up?", "Question"),
        ("Work can be a lot.", "Reflection of feelings"),
        ("Take a break?", "Providing Suggestions"),
    ]
    assert [len(e.context) for e in examples] == [0, 2, 2]
    assert examples[2].context[-1].text == "Work can be a lot."
    assert reply_strategy_examples([dialogue_for_examples()])[1].context == ()


def test_next_strategy_examples_see_only_the_past() -> None:
    examples = next_strategy_examples([dialogue_for_examples()])
    assert [e.reply for e in examples] == [None, None, None]
    assert [e.label for e in examples] == [0, 2, 5]
    assert [len(e.context) for e in examples] == [0, 2, 3]
    assert [e.previous_strategies for e in examples] == [(), (0,), (0, 2)]
    assert examples[2].emotion_type == "anxiety" and examples[2].situation == "Work stress."
    short = next_strategy_examples([dialogue_for_examples()], max_context_turns=1, include_situation=True)
    assert [[t.text for t in e.context] for e in short] == [
        ["Work stress."],
        ["Work stress.", "Work."],
        ["Work stress.", "Work can be a lot."],
    ]


# --- errors -------------------------------------------------------------------------------------

Loader = Callable[[Path], object]
GOOD_EPITOME_ROW = "s1,r1,post,reply,1,Sorry|\n"
ERROR_CASES: list[tuple[str, Loader, str, bytes, str]] = [
    ("goemotions-binary", load_goemotions, "train.tsv", b"text\t1\tid\n\x00\x01", "line 2"),
    ("goemotions-not-utf8", load_goemotions, "train.tsv", b"ok\t1\ta\nbad \xff\t1\tb\n", "line 2"),
    ("goemotions-empty", load_goemotions, "train.tsv", b"\n", "empty"),
    ("goemotions-columns", load_goemotions, "train.tsv", b"ok\t1\ta\nno id\t2\n", "line 2"),
    ("goemotions-label-range", load_goemotions, "train.tsv", b'ok\t1\ta\n"two\nlines"\t28\tb\n', "line 2"),
    ("goemotions-label-text", load_goemotions, "train.tsv", b"ok\tjoy\ta\n", "line 1"),
    ("goemotions-label-empty", load_goemotions, "train.tsv", b"ok\t\ta\n", "line 1"),
    ("epitome-header", load_epitome, "interpretations-reddit.csv", b"sp_id,rp_id,level\ns1,r1,1\n", "line 1"),
    (
        "epitome-columns",
        load_epitome,
        "interpretations-reddit.csv",
        (HEADER + GOOD_EPITOME_ROW + "s2,r2,post,1\n").encode(),
        "line 3",
    ),
    (
        "epitome-level",
        load_epitome,
        "explorations-reddit.csv",
        (HEADER + GOOD_EPITOME_ROW + 's2,r2,"multi\nline post",reply,3,\n').encode(),
        "line 3",
    ),
    ("epitome-binary", load_epitome, "explorations-reddit.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    ("esconv-json-line", load_esconv, "train.json", b'{"dialog": []}\n{"dialog": [}\n', "line 2"),
    ("esconv-json-array", load_esconv, "raw.json", b'[\n {"dialog": []},\n {"dialog": [\n]', "line 4"),
    ("esconv-not-json", load_esconv, "train.json", b"dialog,text\n", "neither JSON lines"),
    (
        "esconv-strategy",
        load_esconv,
        "valid.json",
        b'{"dialog": [{"text": "x", "speaker": "usr"}, '
        b'{"text": "y", "speaker": "sys", "strategy": "Hugs"}]}\n',
        "line 1, turn 2",
    ),
    (
        "esconv-raw-strategy",
        load_esconv,
        "raw.json",
        b'[{"dialog": []}, {"dialog": [{"speaker": "listener", '
        b'"annotation": {"strategy": "Hug"}, "content": "y"}]}]',
        "dialogue 2, turn 1",
    ),
    (
        "esconv-speaker",
        load_esconv,
        "train.json",
        b'{"dialog": [{"text": "x", "speaker": "bot"}]}\n',
        "turn 1",
    ),
    ("esconv-no-dialog", load_esconv, "train.json", b'{"situation": "x"}\n', "line 1"),
]


@pytest.mark.parametrize(
    ("loader", "name", "content", "where"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_bad_files_raise_one_sentence_naming_file_and_place(
    tmp_path: Path, loader: Loader, name: str, content: bytes, where: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as caught:
        loader(path)
    message = str(caught.value)
    assert str(path) in message and where in message
    assert "\n" not in message and message.endswith(".")


@pytest.mark.parametrize("loader", [load_goemotions, load_epitome, load_esconv])
def test_missing_files_raise_a_clear_error(tmp_path: Path, loader: Loader) -> None:
    path = tmp_path / "nowhere" / "train.tsv"
    with pytest.raises(InvalidInputError, match="does not exist") as caught:
        loader(path)
    assert str(path) in str(caught.value)


def test_a_folder_without_epitome_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "notes.csv", "a,b\n")
    with pytest.raises(InvalidInputError, match="holds none of the EPITOME files"):
        load_epitome(tmp_path)


def test_a_turn_built_in_code_with_an_unknown_strategy_is_refused() -> None:
    dialogue = Dialogue("", "", "", (Turn("supporter", "hi", "Hugging"),))
    with pytest.raises(InvalidInputError, match="not an ESConv strategy"):
        next_strategy_examples([dialogue])


# --- the real corpora ---------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"no shared data at {SHARED_DATA}")
def test_real_train_and_dev_files_have_the_documented_sizes() -> None:
    goemotions = SHARED_DATA / "goemotions"
    train = load_goemotions(goemotions / "train.tsv")
    assert len(train) == 43_410 and sum(len(e.labels) > 1 for e in train) == 7_102
    assert len(load_goemotions(goemotions / "dev.tsv")) == 5_426

    epitome = SHARED_DATA / "epitome"
    pairs: set[tuple[str, str]] = set()
    for file_name in (
        "emotional-reactions-reddit.csv",
        "interpretations-reddit.csv",
        "explorations-reddit.csv",
    ):
        with open(epitome / file_name, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 2_526
        pairs |= {(row["sp_id"], row["rp_id"]) for row in rows}
    examples = load_epitome(epitome)
    assert len(examples) == len(pairs) < 2_526
    assert all(level is not None for e in examples for level in e.levels.values())

    esconv = SHARED_DATA / "esconv"
    dialogues = load_esconv(esconv / "train.json")
    assert len(dialogues) == 910 and sum(len(d.turns) for d in dialogues) == 26_648
    assert len(reply_strategy_examples(dialogues)) == len(next_strategy_examples(dialogues)) == 12_759
    valid = load_esconv(esconv / "valid.json")
    assert len(valid) == 195 and sum(d.supporter_turns for d in valid) == 2_722
    failed = load_esconv(esconv / "FailedESConv.json")
    assert len(failed) == 196 and sum(len(d.turns) for d in failed) == 5_230


def test_epitome_folds_hold_each_post_out_once_and_refuse_bad_counts() -> None:
    pairs = [EmpathyExample(f"s{i % 7}", f"r{i}", "post", "reply", {}, {}) for i in range(30)]
    folds = epitome_folds(pairs, k=3, seed=5)
    held = sorted(i for _, out in folds for i in out)
    assert held == list(range(30))
    for fit, out in folds:
        assert not {pairs[i].sp_id for i in fit} & {pairs[i].sp_id for i in out}
        assert sorted(fit + out) == list(range(30))
    assert epitome_folds(pairs, k=3, seed=5) == folds
    for k in (1, 8):
        with pytest.raises(InvalidInputError, match="number of folds"):
            epitome_folds(pairs, k=k)
