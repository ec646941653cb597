"""The lexical half of a head: a linear model over hashed word n-grams, blended with the MLP.

Empathy in a reply often lives in a few words ("I'm so sorry", "that must
be", "what happened?"), which the frozen sentence encoder blurs. A linear
model over hashed word unigrams and bigrams sees them directly; its
log-probabilities are mixed with the MLP's, per group of classes, with
weights chosen on dev (``training/train_heads.py``). No vocabulary file is
needed: every n-gram is hashed (CRC-32) into ``dim`` buckets, so training and
use agree by construction.

A lexical model is stored as ``<head>-lexical.npz`` beside its head: float16
weights ``w`` (dim x classes), biases ``b`` and a JSON ``meta`` with ``dim``,
``groups`` (classes per softmax group), ``mix`` (weight of the lexical part,
one per group) and ``bias`` (class biases added after mixing). With
``groups`` 1 the classes are independent yes/no labels (sigmoid outputs) and
their logits are mixed directly.

Examples
--------
>>> columns, values = ngram_buckets("So sorry. What happened?", dim=1024)
>>> len(columns) == len(values), round(float((values**2).sum()), 3)
(True, 1.0)
"""

from __future__ import annotations

import functools
import json
import re
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from attunement.errors import ModelError
from attunement.nlp.heads import MODELS_DIR, REBUILD

TOKEN = re.compile(r"[a-z']+|[?!]")
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
DIM = 1 << 15


def ngram_buckets(text: str, dim: int = DIM) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Hashed unigram and bigram buckets of ``text`` and their L2-normalised log counts (read-only).

    Recent texts are remembered: one analysis hashes a message for two heads, and
    written practice re-reads a reply as it grows.
    """
    return _ngram_buckets(text, dim)


@functools.lru_cache(maxsize=256)
def _ngram_buckets(text: str, dim: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    words = TOKEN.findall(text.lower())
    counts: dict[int, int] = {}
    for gram in [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]:
        bucket = zlib.crc32(gram.encode()) % dim
        counts[bucket] = counts.get(bucket, 0) + 1
    columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
    values = np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    norm = np.float32(np.linalg.norm(values))
    values = (values / norm if norm else values).astype(np.float32)
    columns.setflags(write=False)  # shared between callers through the cache
    values.setflags(write=False)
    return columns, values


def log_softmax(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Log-probabilities along the last axis."""
    z = x - x.max(axis=-1, keepdims=True)
    out: NDArray[np.float32] = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return out


class LexicalModel:
    """Linear scores over hashed n-grams, and the rule that blends them with an MLP's logits."""

    def __init__(
        self, weights: NDArray[np.float32], biases: NDArray[np.float32], meta: dict[str, Any]
    ) -> None:
        self.weights = weights.astype(np.float32, copy=False)
        self.biases = biases.astype(np.float32, copy=False)
        self.meta = meta
        self.dim = int(meta["dim"])
        self.group = int(meta["groups"])
        self.mix = np.asarray(meta["mix"], dtype=np.float32)
        self.bias = np.asarray(meta["bias"], dtype=np.float32)

    def logits(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Raw linear scores, one row per text."""
        out = np.tile(self.biases, (len(texts), 1))
        for i, text in enumerate(texts):
            columns, values = ngram_buckets(text, self.dim)
            if len(columns):
                out[i] += values @ self.weights[columns]
        return out

    def blend(self, mlp_logits: NDArray[np.float32], texts: Sequence[str]) -> NDArray[np.float32]:
        """Mixed scores: per group, ``(1 - mix) log p_mlp + mix log p_lexical + bias``.

        The result are logits of the same shape as ``mlp_logits``: a softmax
        per group of ``groups`` classes (a sigmoid when ``groups`` is 1) gives
        the blended probabilities.
        """
        return blend(mlp_logits, self.logits(texts), self.group, self.mix, self.bias)

    def contrast(self, group: int) -> NDArray[np.float32]:
        """Per bucket, how much it moves group ``group`` away from its first class ("none").

        For a three-level group: the mean score of the two upper levels minus the
        first's, so a positive value is evidence that the mechanism is present.
        """
        k = self.group
        block = self.weights[:, group * k : (group + 1) * k]
        out: NDArray[np.float32] = block[:, 1:].mean(axis=1) - block[:, 0]
        return out

    def sentence_scores(self, text: str, group: int) -> list[tuple[str, float]]:
        """Each sentence of ``text`` with the summed :func:`word_scores` of its words for ``group``."""
        spans = word_spans(text)
        scores = word_scores(text, self.contrast(group), self.dim)
        out = []
        for match in SENTENCE.finditer(text):
            inside = [i for i, (a, b) in enumerate(spans) if a >= match.start() and b <= match.end()]
            if inside:
                out.append((match.group().strip(), float(scores[inside].sum())))
        return out

    def evidence(self, text: str, group: int) -> tuple[str, ...]:
        """The sentences of ``text`` that carry group ``group``'s upper levels, strongest first.

        Sentences whose summed word scores pass the threshold tuned on
        EPITOME's rationales (``meta["evidence_thresholds"]``), or else the
        single strongest sentence: call it for a mechanism the head found present.
        """
        thresholds = self.meta.get("evidence_thresholds")
        sentences = sorted(self.sentence_scores(text, group), key=lambda pair: -pair[1])
        if not thresholds or not sentences:
            return ()
        chosen = [sentence for sentence, score in sentences if score > thresholds[group]]
        return tuple(chosen or [sentences[0][0]])

    def save(self, path: Path) -> None:
        """Write float16 weights and the metadata."""
        np.savez_compressed(
            path,
            w=self.weights.astype(np.float16),
            b=self.biases,
            meta=np.frombuffer(json.dumps(self.meta).encode(), dtype=np.uint8),
        )

    @classmethod
    def load(cls, name: str, directory: Path = MODELS_DIR) -> LexicalModel:
        """Load ``<directory>/<name>-lexical.npz``; raises :class:`ModelError` naming the file and fix."""
        path = directory / f"{name}-lexical.npz"
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                model = cls(data["w"], data["b"], meta)
        except FileNotFoundError:
            raise ModelError(f"The model file {path} is missing; rebuild it with: {REBUILD}.") from None
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, UnicodeDecodeError):
            raise ModelError(f"The model file {path} is damaged; rebuild it with: {REBUILD}.") from None
        classes = model.weights.shape[1] if model.weights.ndim == 2 else -1
        if (
            model.weights.shape[0] != model.dim
            or model.biases.shape != (classes,)
            or classes % model.group
            or model.mix.shape != (classes // model.group,)
            or model.bias.shape != (classes,)
        ):
            raise ModelError(f"The model file {path} is damaged; rebuild it with: {REBUILD}.")
        return model


def blend(
    mlp_logits: NDArray[np.float32],
    lexical_logits: NDArray[np.float32],
    group: int,
    mix: NDArray[np.float32],
    bias: NDArray[np.float32],
) -> NDArray[np.float32]:
    """Per group of ``group`` classes, mix log-probabilities of the two models, then add ``bias``.

    With ``group`` 1 (independent labels) the logits themselves are mixed.

    >>> a = np.log(np.array([[0.5, 0.5]], dtype=np.float32))
    >>> b = np.log(np.array([[0.9, 0.1]], dtype=np.float32))
    >>> [round(float(v), 3) for v in blend(a, b, 2, np.array([0.0], np.float32), np.zeros(2, np.float32))[0]]
    [-0.693, -0.693]
    """
    n = len(mlp_logits)
    if group == 1:
        out: NDArray[np.float32] = ((1 - mix) * mlp_logits + mix * lexical_logits + bias).astype(np.float32)
        return out
    groups = mlp_logits.shape[1] // group
    a = log_softmax(mlp_logits.reshape(n, groups, group))
    b = log_softmax(lexical_logits.reshape(n, groups, group))
    w = mix.reshape(1, groups, 1)
    mixed: NDArray[np.float32] = ((1 - w) * a + w * b).reshape(n, groups * group) + bias
    return mixed.astype(np.float32)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words the lexical model reads, in order."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare character whose lower case has another length
        return []
    return [m.span() for m in TOKEN.finditer(lowered)]


def word_scores(text: str, contrast: NDArray[np.float32], dim: int = DIM) -> NDArray[np.float32]:
    """How much each word of ``text`` pushes a linear score up: its unigram's share plus half of
    each bigram it is in, with ``contrast`` the score each hashed bucket adds.

    >>> contrast = np.zeros(64, np.float32)
    >>> contrast[zlib.crc32(b"sorry") % 64] = 1.0
    >>> [round(float(v), 2) for v in word_scores("so sorry", contrast, dim=64)]
    [0.0, 0.58]
    """
    words = [text[a:b].lower() for a, b in word_spans(text)]
    if not words:
        return np.zeros(0, np.float32)
    columns, values = ngram_buckets(text, dim)
    weight = dict(zip(columns.tolist(), (values * contrast[columns]).tolist(), strict=True))
    counts: dict[int, int] = {}
    grams = [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]
    buckets = [zlib.crc32(g.encode()) % dim for g in grams]
    for bucket in buckets:
        counts[bucket] = counts.get(bucket, 0) + 1
    share = [weight[b] / counts[b] for b in buckets]  # a repeated n-gram's weight is split
    n = len(words)
    scores = np.array(share[:n], dtype=np.float32)
    for i, s in enumerate(share[n:]):
        scores[i] += s / 2
        scores[i + 1] += s / 2
    return scores
