"""Readers for the three training corpora in their original formats, and the task examples built from them.

* GoEmotions: ``train.tsv``-style files, tab-separated, no header, CSV quoting;
* EPITOME: the three ``*-reddit.csv`` files, one per empathy mechanism, joined on
  ``(sp_id, rp_id)``;
* ESConv: the released JSON-lines splits (``usr``/``sys``, ``text``, ``strategy``) and
  the raw collection format (one JSON array, ``seeker``/``supporter`` or
  ``speaker``/``listener``, ``content``, ``annotation.strategy``).

Every reader raises :class:`~attunement.errors.InvalidInputError` with one sentence that
names the file and the line or record at fault; it never lets a parser's traceback through.

Examples
--------
>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "train.tsv"
...     _ = path.write_text('Thanks a lot!\\t15\\tc1\\n"So ""fun"" lol"\\t1,17\\tc2\\n', encoding="utf-8")
...     examples = load_goemotions(path)
>>> [(e.text, e.label_names) for e in examples]
[('Thanks a lot!', ('gratitude',)), ('So "fun" lol', ('amusement', 'joy'))]
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from attunement.errors import InvalidInputError
from attunement.nlp.labels import EMOTIONS, LEVELS, MECHANISMS, STRATEGIES, canonical_strategy

Speaker = Literal["seeker", "supporter"]

GOEMOTIONS_COLUMNS = ("text", "labels", "id")
EPITOME_COLUMNS = ("sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales")
EPITOME_FILES: dict[str, str] = {
    "emotional_reactions": "emotional-reactions-reddit.csv",
    "interpretations": "interpretations-reddit.csv",
    "explorations": "explorations-reddit.csv",
}
# Speaker names of the released splits, the raw ESConv.json and FailedESConv.json, in that order.
_SPEAKERS: dict[str, Speaker] = {
    "usr": "seeker",
    "sys": "supporter",
    "seeker": "seeker",
    "supporter": "supporter",
    "speaker": "seeker",
    "listener": "supporter",
}
_STRATEGY_ID = {name: index for index, name in enumerate(STRATEGIES)}


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmotionExample:
    """A GoEmotions comment and its label ids (indices into ``EMOTIONS``, ascending).

    Examples
    --------
    >>> EmotionExample("Thank you so much!", (0, 15), "eabc12").label_names
    ('admiration', 'gratitude')
    """

    text: str
    labels: tuple[int, ...]
    id: str

    @property
    def label_names(self) -> tuple[str, ...]:
        """The emotion names of ``labels``."""
        return tuple(EMOTIONS[label] for label in self.labels)


@dataclass(frozen=True, slots=True)
class EmpathyExample:
    """An EPITOME (seeker post, response) pair with a level and rationale spans per mechanism.

    ``levels`` maps each of ``MECHANISMS`` to 0, 1, 2, or None when that mechanism's file
    was not read; ``rationales`` maps each mechanism to the spans justifying its level.

    Examples
    --------
    >>> example = EmpathyExample(
    ...     "s1", "r1", "I feel alone.", "That sounds hard. What happened?",
    ...     {"emotional_reactions": 1, "interpretations": 0, "explorations": 2},
    ...     {"emotional_reactions": ("That sounds hard.",), "interpretations": (), "explorations": ()},
    ... )
    >>> example.level_names["explorations"]
    'strong'
    """

    sp_id: str
    rp_id: str
    seeker_post: str
    response_post: str
    levels: dict[str, int | None]
    rationales: dict[str, tuple[str, ...]]

    @property
    def level_names(self) -> dict[str, str | None]:
        """``levels`` as "none" / "weak" / "strong" (None where unknown)."""
        return {name: None if level is None else LEVELS[level] for name, level in self.levels.items()}


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance of an ESConv dialogue; ``strategy`` (one of ``STRATEGIES``) only on supporter turns.

    Examples
    --------
    >>> Turn("supporter", "How long has this been going on?", "Question").strategy_id
    0
    """

    speaker: Speaker
    text: str
    strategy: str | None = None

    @property
    def strategy_id(self) -> int | None:
        """The index of ``strategy`` in ``STRATEGIES``, or None for a turn without one."""
        return None if self.strategy is None else _strategy_id(self.strategy)


@dataclass(frozen=True, slots=True)
class Dialogue:
    """An ESConv conversation: the seeker's situation, emotion and problem, and its turns in order.

    Examples
    --------
    >>> dialogue = Dialogue("I lost my job.", "anxiety", "job crisis", (
    ...     Turn("seeker", "Hi."), Turn("supporter", "Hello, how are you?", "Question")))
    >>> dialogue.supporter_turns
    1
    """

    situation: str
    emotion_type: str
    problem_type: str
    turns: tuple[Turn, ...]

    @property
    def supporter_turns(self) -> int:
        """How many turns the supporter speaks."""
        return sum(turn.speaker == "supporter" for turn in self.turns)


@dataclass(frozen=True, slots=True)
class StrategyExample:
    """A supporter turn as a strategy-classification example.

    ``label`` indexes ``STRATEGIES``. ``reply`` is the supporter's text for "which
    strategy does this reply use", None for "which strategy should come next".
    ``previous_strategies`` are the ids the supporter used earlier in the dialogue.

    Examples
    --------
    >>> StrategyExample(context=(), reply="I'm sorry to hear that.", label=2).strategy
    'Reflection of feelings'
    """

    context: tuple[Turn, ...]
    reply: str | None
    label: int
    previous_strategies: tuple[int, ...] = ()
    situation: str = ""
    emotion_type: str = ""
    problem_type: str = ""

    @property
    def strategy(self) -> str:
        """The strategy name of ``label``."""
        return STRATEGIES[self.label]

    @property
    def turns(self) -> list[tuple[str, str]]:
        """``context`` as (speaker, text) pairs, the input of :func:`~attunement.nlp.tasks.conversation_text`.

        >>> StrategyExample((Turn("seeker", "Work."),), None, 0).turns
        [('seeker', 'Work.')]
        """
        return [(t.speaker, t.text) for t in self.context]

    @property
    def last_seeker_text(self) -> str:
        """The seeker's last turn in ``context`` ("" when the seeker has not spoken yet).

        >>> StrategyExample((Turn("seeker", "Hi."), Turn("supporter", "Hello!")), None, 0).last_seeker_text
        'Hi.'
        """
        return next((t.text for t in reversed(self.context) if t.speaker == "seeker"), "")


# --- shared helpers -----------------------------------------------------------------------------


def _show(value: object, limit: int = 40) -> str:
    """A short one-line rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(path: Path, where: str, problem: str) -> InvalidInputError:
    return InvalidInputError(f"In {path}, {where} {problem}.")


def _read_text(path: str | Path, what: str) -> tuple[Path, str]:
    """The file's path and UTF-8 text; raises InvalidInputError if missing, unreadable, binary or empty."""
    path = Path(path)
    if not path.exists():
        raise InvalidInputError(f"The {what} file {path} does not exist.")
    if not path.is_file():
        raise InvalidInputError(f"The {what} path {path} is not a file.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInputError(f"The {what} file {path} cannot be read ({error.strerror}).") from error
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise _error(
            path, f"line {line}", f"holds a NUL byte, so this is a binary file, not a {what} text file"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _error(path, f"line {line}", "is not UTF-8 text") from error
    if not text.strip():
        raise InvalidInputError(f"The {what} file {path} is empty.")
    return path, text


def _csv_rows(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on; a parser error becomes InvalidInputError."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if row:  # csv yields [] for a blank line
                yield line, row
    except csv.Error as error:
        raise _error(path, f"line {start}", f"cannot be parsed as CSV ({error})") from error


# --- GoEmotions ---------------------------------------------------------------------------------


def load_goemotions(path: str | Path) -> list[EmotionExample]:
    """Read a GoEmotions TSV (``text``, comma-separated label ids 0-27, ``id``; no header).

    Quoted texts are unescaped as ``csv.reader(delimiter="\\t")`` does with default quoting.

    Returns
    -------
    list of EmotionExample
        In file order, label ids ascending and without repeats.

    Raises
    ------
    InvalidInputError
        The file is missing, unreadable, binary or empty, or a row has other than 3
        columns, no label, or a label that is not an integer from 0 to 27.
    """
    path, text = _read_text(path, "GoEmotions")
    examples: list[EmotionExample] = []
    for line, row in _csv_rows(path, text, "\t"):
        if len(row) != len(GOEMOTIONS_COLUMNS):
            raise _error(
                path, f"line {line}", f"has {len(row)} tab-separated columns, not 3 (text, labels, id)"
            )
        comment, raw_labels, comment_id = row
        labels: set[int] = set()
        for part in raw_labels.split(","):
            part = part.strip()
            if not (part.isascii() and part.isdigit()) or int(part) >= len(EMOTIONS):
                raise _error(
                    path, f"line {line}", f"has the label id {_show(part)}, not an integer from 0 to 27"
                )
            labels.add(int(part))
        examples.append(EmotionExample(comment, tuple(sorted(labels)), comment_id.strip()))
    return examples


# --- EPITOME ------------------------------------------------------------------------------------


def _mechanism_of(file_name: str) -> str | None:
    """The mechanism a file name speaks of ("emotional-reactions-reddit.csv" -> "emotional_reactions")."""
    name = file_name.lower().replace("_", "-")
    for mechanism in MECHANISMS:
        if mechanism.replace("_", "-") in name:
            return mechanism
    return None


def _epitome_files(folder: Path) -> dict[str, Path]:
    """The mechanism files in ``folder``: the official names, else a unique ``*.csv`` naming the mechanism."""
    found: dict[str, Path] = {}
    for mechanism in MECHANISMS:
        official = folder / EPITOME_FILES[mechanism]
        if official.is_file():
            found[mechanism] = official
            continue
        candidates = sorted(p for p in folder.glob("*.csv") if _mechanism_of(p.name) == mechanism)
        if len(candidates) > 1:
            names = ", ".join(p.name for p in candidates)
            raise InvalidInputError(
                f"The folder {folder} holds several {mechanism} files ({names}); pass one file instead."
            )
        if candidates:
            found[mechanism] = candidates[0]
    if not found:
        raise InvalidInputError(
            f"The folder {folder} holds none of the EPITOME files {', '.join(EPITOME_FILES.values())}."
        )
    return found


@dataclass(slots=True)
class _PairVotes:
    seeker_post: str
    response_post: str
    levels: dict[str, list[int]]
    spans: dict[str, dict[str, None]]  # an ordered set


def _read_epitome_file(path: Path, mechanism: str, pairs: dict[tuple[str, str], _PairVotes]) -> None:
    """Add one mechanism file's rows to ``pairs``; raises InvalidInputError for a bad header or row."""
    path, text = _read_text(path, "EPITOME")
    rows = _csv_rows(path, text, ",")
    header_line, header = next(rows)
    header = [name.strip() for name in header]
    missing = [name for name in EPITOME_COLUMNS if name not in header]
    if missing:
        raise _error(
            path,
            f"line {header_line}",
            f"is a header without the column(s) {', '.join(missing)}; "
            f"an EPITOME file has {', '.join(EPITOME_COLUMNS)}",
        )
    column = {name: header.index(name) for name in EPITOME_COLUMNS}
    for line, row in rows:
        if len(row) != len(header):
            raise _error(path, f"line {line}", f"has {len(row)} columns where the header has {len(header)}")
        sp_id, rp_id = row[column["sp_id"]].strip(), row[column["rp_id"]].strip()
        if not sp_id or not rp_id:
            raise _error(path, f"line {line}", "has an empty sp_id or rp_id")
        level = row[column["level"]].strip()
        if level not in ("0", "1", "2"):
            raise _error(path, f"line {line}", f"has the level {_show(level)}, not 0, 1 or 2")
        votes = pairs.get((sp_id, rp_id))
        if votes is None:
            votes = pairs[(sp_id, rp_id)] = _PairVotes(
                row[column["seeker_post"]],
                row[column["response_post"]],
                {name: [] for name in MECHANISMS},
                {name: {} for name in MECHANISMS},
            )
        votes.levels[mechanism].append(int(level))
        # Spans are "|"-separated and usually end with a "|": drop the empty pieces.
        for span in row[column["rationales"]].split("|"):
            if span.strip():
                votes.spans[mechanism][span.strip()] = None


def _majority(levels: list[int]) -> int | None:
    """The most frequent level; a tie goes to the lower level."""
    if not levels:
        return None
    counts = Counter(levels)
    top = max(counts.values())
    return min(level for level, count in counts.items() if count == top)


def load_epitome(path: str | Path, mechanism: str | None = None) -> list[EmpathyExample]:
    """Read EPITOME's mechanism CSVs and join them on ``(sp_id, rp_id)``.

    Parameters
    ----------
    path
        A folder holding any of ``emotional-reactions-reddit.csv``, ``interpretations-reddit.csv``
        and ``explorations-reddit.csv`` (or one ``*.csv`` per mechanism whose name contains
        ``emotional-reactions``, ``interpretations`` or ``explorations``), or one such file.
    mechanism
        For a single file whose name does not say its mechanism: one of ``MECHANISMS``.

    Returns
    -------
    list of EmpathyExample
        One per pair, in order of first occurrence. A pair listed several times gets the
        majority level (a tie goes to the lower level) and the union of its rationales;
        a mechanism without a file gets level None and no rationales.

    Raises
    ------
    InvalidInputError
        The path is missing, the folder holds no EPITOME file, the mechanism of a file
        cannot be told, or a file is unreadable, binary, empty, has a header without the
        six EPITOME columns, a row with the wrong number of columns, an empty id, or a
        level other than 0, 1 or 2.
    """
    path = Path(path)
    if mechanism is not None and mechanism not in MECHANISMS:
        raise InvalidInputError(f"The mechanism {mechanism!r} is not one of {', '.join(MECHANISMS)}.")
    if path.is_dir():
        files = _epitome_files(path)
    elif not path.exists():
        raise InvalidInputError(f"The EPITOME path {path} does not exist.")
    else:
        named = mechanism or _mechanism_of(path.name)
        if named is None:
            raise InvalidInputError(
                f"The name of {path} does not say which mechanism it holds; "
                f"pass mechanism= one of {', '.join(MECHANISMS)}."
            )
        files = {named: path}
    pairs: dict[tuple[str, str], _PairVotes] = {}
    for name in MECHANISMS:
        if name in files:
            _read_epitome_file(files[name], name, pairs)
    return [
        EmpathyExample(
            sp_id=sp_id,
            rp_id=rp_id,
            seeker_post=votes.seeker_post,
            response_post=votes.response_post,
            levels={name: _majority(votes.levels[name]) for name in MECHANISMS},
            rationales={name: tuple(votes.spans[name]) for name in MECHANISMS},
        )
        for (sp_id, rp_id), votes in pairs.items()
    ]


def _shuffled_posts(examples: Sequence[EmpathyExample], seed: int) -> list[str]:
    """The distinct ``sp_id`` values, sorted, then shuffled with ``numpy.random.default_rng(seed)``."""
    posts = sorted({example.sp_id for example in examples})
    return [posts[i] for i in np.random.default_rng(seed).permutation(len(posts))]


def epitome_split(
    examples: Sequence[EmpathyExample], dev_share: float = 0.2, seed: int = 13
) -> tuple[list[EmpathyExample], list[EmpathyExample]]:
    """Split EPITOME pairs into train and dev by seeker post, so no post is on both sides.

    The distinct ``sp_id`` values are sorted, shuffled with ``numpy.random.default_rng(seed)``
    and the first ``round(dev_share * n_posts)`` go to dev; the same input gives the same split.

    Returns
    -------
    tuple of (train, dev) lists
        Each in the input order.

    Raises
    ------
    InvalidInputError
        ``dev_share`` is not in [0, 1).

    Examples
    --------
    >>> pairs = [EmpathyExample(f"s{i % 5}", f"r{i}", "", "", {}, {}) for i in range(10)]
    >>> train, dev = epitome_split(pairs, dev_share=0.4, seed=1)
    >>> len(train), len(dev), {e.sp_id for e in train} & {e.sp_id for e in dev}
    (6, 4, set())
    """
    if not 0.0 <= dev_share < 1.0:
        raise InvalidInputError(f"The dev share must be at least 0 and below 1, not {dev_share}.")
    posts = _shuffled_posts(examples, seed)
    dev_posts = set(posts[: round(dev_share * len(posts))])
    train = [example for example in examples if example.sp_id not in dev_posts]
    dev = [example for example in examples if example.sp_id in dev_posts]
    return train, dev


def epitome_folds(
    examples: Sequence[EmpathyExample], k: int = 5, seed: int = 13
) -> list[tuple[list[int], list[int]]]:
    """``k`` cross-validation folds of EPITOME pairs by seeker post: (fit rows, held-out rows) per fold.

    The distinct ``sp_id`` values are sorted, shuffled with ``numpy.random.default_rng(seed)`` and
    dealt to the folds in turn, so a post's replies are held out together and every row is held
    out exactly once. ``training/train_heads.py`` makes its choices for the empathy head on the
    held-out rows of every fold.

    Raises
    ------
    InvalidInputError
        ``k`` is below 2 or above the number of seeker posts.

    Examples
    --------
    >>> pairs = [EmpathyExample(f"s{i % 4}", f"r{i}", "", "", {}, {}) for i in range(8)]
    >>> folds = epitome_folds(pairs, k=2, seed=1)
    >>> sorted(i for _, held_out in folds for i in held_out) == list(range(8))
    True
    >>> [{pairs[i].sp_id for i in fit} & {pairs[i].sp_id for i in held} for fit, held in folds]
    [set(), set()]
    """
    posts = _shuffled_posts(examples, seed)
    if not 2 <= k <= len(posts):
        raise InvalidInputError(f"The number of folds must be from 2 to {len(posts)}, not {k}.")
    fold_of = {post: rank % k for rank, post in enumerate(posts)}
    folds = [fold_of[example.sp_id] for example in examples]
    return [
        ([i for i, f in enumerate(folds) if f != fold], [i for i, f in enumerate(folds) if f == fold])
        for fold in range(k)
    ]


# --- ESConv -------------------------------------------------------------------------------------


def _strategy_id(name: str) -> int:
    """The index of a standard strategy name; raises InvalidInputError for any other name."""
    try:
        return _STRATEGY_ID[name]
    except KeyError:
        raise InvalidInputError(
            f"{_show(name)} is not an ESConv strategy; the strategies are {', '.join(STRATEGIES)}."
        ) from None


def _json(text: str) -> Any:
    """``json.loads``, with nesting too deep or a number too long reported as a JSON error too."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        reason = "it nests too deeply" if isinstance(error, RecursionError) else "a number is too long"
        raise json.JSONDecodeError(reason, text, 0) from None


def _esconv_records(path: Path, text: str) -> list[tuple[str, Any]]:
    """The dialogue records with where each is ("line 3" / "dialogue 3"), from JSON lines or a JSON array."""
    if text.lstrip()[0] == "[":
        try:
            records = _json(text)
        except json.JSONDecodeError as error:
            raise _error(path, f"line {error.lineno}", f"is not valid JSON ({error.msg})") from error
        return [(f"dialogue {number}", record) for number, record in enumerate(records, 1)]
    found: list[tuple[str, Any]] = []
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and friends unescaped.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            found.append((f"line {number}", _json(line)))
        except json.JSONDecodeError as error:
            if not found:  # perhaps one pretty-printed dialogue object
                try:
                    return [("dialogue 1", _json(text))]
                except json.JSONDecodeError:
                    pass
            raise _error(path, f"line {number}", f"is not valid JSON ({error.msg})") from error
    return found


def _text_field(path: Path, where: str, record: dict[str, Any], key: str) -> str:
    value = record.get(key, "")
    if not isinstance(value, str):
        raise _error(path, where, f"has a {key} that is not a string")
    return value.strip()


def _parse_turn(path: Path, where: str, turn: Any) -> Turn:
    if not isinstance(turn, dict):
        raise _error(path, where, "is not a JSON object")
    speaker = _SPEAKERS.get(str(turn.get("speaker")))
    if speaker is None:
        raise _error(
            path,
            where,
            f"has the speaker {_show(turn.get('speaker'))}, "
            "not usr/sys, seeker/supporter or speaker/listener",
        )
    text = turn["text"] if "text" in turn else turn.get("content")
    if not isinstance(text, str):
        raise _error(path, where, "has no text (a 'text' or 'content' string)")
    raw = turn.get("strategy")
    annotation = turn.get("annotation")
    if raw is None and isinstance(annotation, dict):
        raw = annotation.get("strategy")
    strategy = None
    if speaker == "supporter" and raw is not None:  # a seeker turn has no strategy to learn from
        strategy = canonical_strategy(raw) if isinstance(raw, str) else None
        if strategy is None:
            raise _error(
                path,
                where,
                f"has the unknown strategy {_show(raw)}; the strategies are {', '.join(STRATEGIES)}",
            )
    return Turn(speaker, text.strip(), strategy)


def _parse_dialogue(path: Path, where: str, record: Any) -> Dialogue:
    if not isinstance(record, dict):
        raise _error(path, where, "is not a JSON object (a dialogue)")
    turns = record.get("dialog")
    if not isinstance(turns, list):
        raise _error(path, where, "has no 'dialog' list of turns")
    return Dialogue(
        situation=_text_field(path, where, record, "situation"),
        emotion_type=_text_field(path, where, record, "emotion_type"),
        problem_type=_text_field(path, where, record, "problem_type"),
        turns=tuple(_parse_turn(path, f"{where}, turn {k}", turn) for k, turn in enumerate(turns, 1)),
    )


def load_esconv(path: str | Path) -> list[Dialogue]:
    """Read ESConv dialogues from a JSON-lines split file or a raw JSON-array file.

    A file whose first non-space character is ``[`` is read as one JSON array (the raw
    ``ESConv.json`` / ``FailedESConv.json`` format), anything else as one dialogue per
    line (``train.json``, ``valid.json``, ``test.json``). Turns may use either format's
    speakers (``usr``/``sys``, ``seeker``/``supporter``, ``speaker``/``listener``), text
    key (``text``/``content``) and strategy key (``strategy``/``annotation.strategy``);
    raw strategy names (``Questions``, ``Other``, ...) become the standard ones. Texts are
    stripped of surrounding whitespace.

    Returns
    -------
    list of Dialogue
        In file order.

    Raises
    ------
    InvalidInputError
        The file is missing, unreadable, binary or empty, a line (or the array) is not
        valid JSON, a dialogue has no ``dialog`` list, or a turn has an unknown speaker,
        no text, or an unknown strategy; the message names the line or dialogue and turn.
    """
    path, text = _read_text(path, "ESConv")
    if text.lstrip()[0] not in "[{":
        raise InvalidInputError(
            f"The ESConv file {path} is neither JSON lines nor a JSON array (it starts with "
            f"{_show(text.lstrip()[:20])})."
        )
    return [_parse_dialogue(path, where, record) for where, record in _esconv_records(path, text)]


def reply_strategy_examples(dialogues: Sequence[Dialogue], context_turns: int = 0) -> list[StrategyExample]:
    """One example per supporter turn with a strategy: "which strategy does this reply use".

    ``reply`` is the supporter turn's text; ``context`` the ``context_turns`` turns just
    before it (none by default).

    Raises
    ------
    InvalidInputError
        A turn carries a strategy that is not one of ``STRATEGIES``.

    Examples
    --------
    >>> dialogue = Dialogue("", "sadness", "breakup with partner", (
    ...     Turn("seeker", "She left me."), Turn("supporter", "That must hurt.", "Reflection of feelings"),
    ...     Turn("supporter", "How long were you together?", "Question")))
    >>> [(e.reply, e.label, e.previous_strategies) for e in reply_strategy_examples([dialogue], 1)]
    [('That must hurt.', 2, ()), ('How long were you together?', 0, (2,))]
    """
    examples: list[StrategyExample] = []
    for dialogue in dialogues:
        previous: list[int] = []
        for index, turn in enumerate(dialogue.turns):
            if turn.speaker != "supporter" or turn.strategy is None:
                continue
            label = _strategy_id(turn.strategy)
            context = dialogue.turns[max(0, index - context_turns) : index] if context_turns > 0 else ()
            examples.append(
                StrategyExample(
                    context,
                    turn.text,
                    label,
                    tuple(previous),
                    dialogue.situation,
                    dialogue.emotion_type,
                    dialogue.problem_type,
                )
            )
            previous.append(label)
    return examples


def next_strategy_examples(
    dialogues: Sequence[Dialogue], max_context_turns: int | None = None, include_situation: bool = False
) -> list[StrategyExample]:
    """One example per supporter turn with a strategy: "which strategy should the supporter use next".

    ``context`` is the conversation before that turn (its last ``max_context_turns`` turns
    when given), preceded by the situation as a seeker pseudo-turn when ``include_situation``
    is set and the dialogue has one; ``reply`` is None. Consecutive supporter turns each
    make an example, the later one seeing the earlier in its context and its strategy in
    ``previous_strategies``.

    Raises
    ------
    InvalidInputError
        A turn carries a strategy that is not one of ``STRATEGIES``.

    Examples
    --------
    >>> dialogue = Dialogue("Work stress.", "anxiety", "job crisis", (
    ...     Turn("supporter", "Hi, what's on your mind?", "Question"), Turn("seeker", "Work."),
    ...     Turn("supporter", "Work can be a lot.", "Reflection of feelings")))
    >>> [(len(e.context), e.label, e.previous_strategies) for e in next_strategy_examples([dialogue])]
    [(0, 0, ()), (2, 2, (0,))]
    >>> next_strategy_examples([dialogue], 1, include_situation=True)[1].context[0].text
    'Work stress.'
    """
    if max_context_turns is not None and max_context_turns < 0:
        raise InvalidInputError(f"max_context_turns must be 0 or more, not {max_context_turns}.")
    examples: list[StrategyExample] = []
    for dialogue in dialogues:
        lead = (Turn("seeker", dialogue.situation),) if include_situation and dialogue.situation else ()
        previous: list[int] = []
        for index, turn in enumerate(dialogue.turns):
            if turn.speaker != "supporter" or turn.strategy is None:
                continue
            label = _strategy_id(turn.strategy)
            start = 0 if max_context_turns is None else max(0, index - max_context_turns)
            examples.append(
                StrategyExample(
                    lead + dialogue.turns[start:index],
                    None,
                    label,
                    tuple(previous),
                    dialogue.situation,
                    dialogue.emotion_type,
                    dialogue.problem_type,
                )
            )
            previous.append(label)
    return examples


__all__ = [
    "EPITOME_FILES",
    "Dialogue",
    "EmotionExample",
    "EmpathyExample",
    "StrategyExample",
    "Turn",
    "epitome_folds",
    "epitome_split",
    "load_epitome",
    "load_esconv",
    "load_goemotions",
    "next_strategy_examples",
    "reply_strategy_examples",
]
