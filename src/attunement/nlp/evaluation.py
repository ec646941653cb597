"""Score a shipped head on data in its original format (the held-back test splits included).

Tasks and the files they read:

* ``emotion``: a GoEmotions TSV; multi-label macro-F1 over the 28 labels with
  the shipped thresholds, plus exact-match accuracy;
* ``empathy``: an EPITOME folder (or one mechanism's CSV); macro-F1 and
  accuracy per mechanism;
* ``next-strategy``: an ESConv JSON-lines file; the strategy of every
  supporter turn predicted from the conversation before it;
* ``reply-strategy``: the same file; the strategy each supporter turn uses.

``dev_split`` evaluates only the seeded fifth of an EPITOME folder
(:func:`~attunement.nlp.datasets.epitome_split`). The shipped empathy head is
fitted on every pair of the released training data, so on that data this is a
quick check, not a held-out figure (``training/tuning_optimism.py`` gives those).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from attunement.errors import InvalidInputError
from attunement.nlp import datasets as ds
from attunement.nlp import metrics
from attunement.nlp.encoder import Encoder
from attunement.nlp.heads import Head
from attunement.nlp.labels import EMOTIONS, LEVELS, MECHANISMS, STRATEGIES
from attunement.nlp.lexical import LexicalModel
from attunement.nlp.tasks import (
    conversation_text,
    emotion_input,
    empathy_input,
    lexical_context,
    next_strategy_input,
    reply_strategy_input,
    strategy_history,
)

TASKS = ("emotion", "empathy", "next-strategy", "reply-strategy")
Advance = Callable[[int, int], None]
_STEP = 256


def _encode(
    encoder: Encoder, texts: Sequence[str], advance: Advance | None, done: int, total: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    features, embeddings = [], []
    for start in range(0, len(texts), _STEP):
        batch = encoder.encode(texts[start : start + _STEP])
        features.append(batch.features)
        embeddings.append(batch.embeddings)
        if advance:
            advance(done + start + len(batch.features), total)
    if not features:
        return np.zeros((0, 1152), np.float32), np.zeros((0, 384), np.float32)
    return np.vstack(features), np.vstack(embeddings)


def emotion_probabilities(
    encoder: Encoder,
    heads: Mapping[str, Head],
    lexical: Mapping[str, LexicalModel],
    examples: Sequence[ds.EmotionExample],
    advance: Advance | None = None,
) -> NDArray[np.float32]:
    """The emotion head's probability of each label for each comment, (n, 28), before thresholds."""
    texts = [e.text for e in examples]
    x, _ = _encode(encoder, texts, advance, 0, len(texts))
    logits = lexical["emotion"].blend(heads["emotion"].logits(emotion_input(x)), texts)
    return (1 / (1 + np.exp(-logits))).astype(np.float32)


def next_strategy_logits(
    encoder: Encoder,
    heads: Mapping[str, Head],
    lexical: Mapping[str, LexicalModel],
    examples: Sequence[ds.StrategyExample],
    advance: Advance | None = None,
) -> NDArray[np.float32]:
    """The next-strategy head's scores of each strategy for each example, (n, 8), class biases included."""
    contexts = [conversation_text(e.turns) for e in examples]
    seekers = [e.last_seeker_text for e in examples]
    f, _ = _encode(encoder, contexts + seekers, advance, 0, 2 * len(examples))
    n = len(examples)
    history = np.stack([strategy_history(e.previous_strategies, len(STRATEGIES)) for e in examples])
    return lexical["next_strategy"].blend(
        heads["next_strategy"].logits(next_strategy_input(f[:n], f[n:], history)),
        [lexical_context(e.turns) for e in examples],
    )


def evaluate(
    encoder: Encoder,
    heads: Mapping[str, Head],
    lexical: Mapping[str, LexicalModel],
    task: str,
    data: Path,
    *,
    dev_split: bool = False,
    advance: Advance | None = None,
) -> dict[str, Any]:
    """Metrics of ``task`` on ``data``: macro-F1, accuracy and per-class F1, JSON-ready.

    Raises :class:`InvalidInputError` for an unknown task or unreadable data.
    """
    if task not in TASKS:
        raise InvalidInputError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    if task == "emotion":
        examples = ds.load_goemotions(data)
        probs = emotion_probabilities(encoder, heads, lexical, examples, advance)
        thresholds = np.asarray(heads["emotion"].meta["thresholds"], dtype=np.float32)
        truth = np.zeros_like(probs)
        for i, e in enumerate(examples):
            truth[i, list(e.labels)] = 1
        report = metrics.multilabel_report(truth, (probs >= thresholds).astype(np.float32), list(EMOTIONS))
        return {"task": task, "data": str(data), "examples": len(examples), **report}
    if task == "empathy":
        pairs = ds.load_epitome(data)
        if dev_split:
            pairs = ds.epitome_split(pairs)[1]
        texts = [e.seeker_post for e in pairs] + [e.response_post for e in pairs]
        f, emb = _encode(encoder, texts, advance, 0, len(texts))
        n = len(pairs)
        logits = lexical["empathy"].blend(
            heads["empathy"].logits(empathy_input(f[:n], f[n:], emb[:n], emb[n:])),
            [e.response_post for e in pairs],
        )
        predicted = logits.reshape(n, len(MECHANISMS), 3).argmax(2)
        out: dict[str, Any] = {"task": task, "data": str(data), "examples": n}
        for j, mechanism in enumerate(MECHANISMS):
            rows = [i for i, e in enumerate(pairs) if e.levels.get(mechanism) is not None]
            if rows:
                truth_m = np.array([pairs[i].levels[mechanism] for i in rows])
                out[mechanism] = metrics.classification_report(truth_m, predicted[rows, j], list(LEVELS))
        return out
    dialogues = ds.load_esconv(data)
    if task == "next-strategy":
        examples_s = ds.next_strategy_examples(dialogues)
        logits = next_strategy_logits(encoder, heads, lexical, examples_s, advance)
    else:
        examples_s = ds.reply_strategy_examples(dialogues, context_turns=4)
        texts = [e.reply or "" for e in examples_s] + [e.last_seeker_text for e in examples_s]
        f, _ = _encode(encoder, texts, advance, 0, len(texts))
        n = len(examples_s)
        logits = lexical["reply_strategy"].blend(
            heads["reply_strategy"].logits(reply_strategy_input(f[:n], f[n:])), texts[:n]
        )
    truth_s = np.array([e.label for e in examples_s])
    report = metrics.classification_report(truth_s, logits.argmax(1), list(STRATEGIES))
    return {"task": task, "data": str(data), "examples": len(examples_s), **report}
