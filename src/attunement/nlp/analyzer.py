"""Every head at once: emotions, empathy, support strategies and the crisis screen for a text.

One :class:`Analyzer` per process holds the encoder and the heads. A text is
read as a message from someone who may need support; with ``reply_to`` it is
read as a reply to that message, so the empathy it expresses and the strategy
it uses are scored too. ``conversation`` (earlier turns, oldest first) lets
the next-strategy head see more than the last message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from attunement.domain.safety import CrisisScreen
from attunement.errors import InvalidInputError
from attunement.nlp.crisis import CrisisScreener
from attunement.nlp.encoder import MAX_TOKENS, EncodedBatch, Encoder
from attunement.nlp.heads import Head, sigmoid, softmax
from attunement.nlp.labels import EKMAN, EMOTIONS, MECHANISMS, SENTIMENT, STRATEGIES
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

MAX_CHARS = 20_000  # longer input is cut before tokenising; the encoder reads 256 word pieces anyway
LEVELS = ("none", "weak", "strong")
LEXICAL_HEADS = ("emotion", "empathy", "reply_strategy", "next_strategy")
# Unicode's control characters (category Cc) but line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Label:
    """A predicted class and the probability of every class."""

    label: str
    probabilities: dict[str, float]
    evidence: tuple[str, ...] = ()
    """For an empathy mechanism found present: the sentences of the reply that carry it."""


@dataclass(frozen=True)
class Analysis:
    """What the models read in one text (and, with ``reply_to``, in the reply)."""

    emotions: tuple[str, ...]
    """Emotions above their tuned thresholds, most likely first ("neutral" when none)."""
    emotion_probabilities: dict[str, float]
    ekman: dict[str, float]
    sentiment: dict[str, float]
    next_strategy: Label
    """The support strategy that fits best as the next reply."""
    crisis: CrisisScreen
    empathy: dict[str, Label] | None = None
    """With ``reply_to``: EPITOME's three mechanisms, each none/weak/strong, with the sentences
    that carry a mechanism found present."""
    reply_strategy: Label | None = None
    """With ``reply_to``: the strategy the reply uses."""
    notes: tuple[str, ...] = field(default=())
    """Caveats: truncation, a language the models were not trained on."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view of every field."""
        out: dict[str, Any] = {
            "emotions": list(self.emotions),
            "emotion_probabilities": self.emotion_probabilities,
            "ekman": self.ekman,
            "sentiment": self.sentiment,
            "next_strategy": _label_dict(self.next_strategy),
            "crisis": {
                "level": self.crisis.level.value,
                "matched": list(self.crisis.matched),
            },
            "notes": list(self.notes),
        }
        if self.empathy is not None:
            out["empathy"] = {k: _label_dict(v) for k, v in self.empathy.items()}
        if self.reply_strategy is not None:
            out["reply_strategy"] = _label_dict(self.reply_strategy)
        return out


def _label_dict(label: Label) -> dict[str, Any]:
    out: dict[str, Any] = {"label": label.label, "probabilities": label.probabilities}
    if label.evidence:
        out["evidence"] = list(label.evidence)
    return out


def _rounded(names: Sequence[str], values: NDArray[np.float32]) -> dict[str, float]:
    return {name: round(v, 4) for name, v in zip(names, values.tolist(), strict=True)}


def check_text(text: object, what: str = "text") -> str:
    """The text, cleaned, or :class:`InvalidInputError` for empty or binary input.

    >>> check_text("  hello  ")
    'hello'
    >>> check_text("\\x00\\x01\\x02")
    Traceback (most recent call last):
    ...
    attunement.errors.InvalidInputError: The text looks like binary data, not words.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(f"The {what} is not UTF-8 text.") from None
    if not isinstance(text, str):
        raise InvalidInputError(f"The {what} must be a string, not {type(text).__name__}.")
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInputError(f"There is no {what} to analyse.")
    control = len(_CONTROL.findall(cleaned))
    if control > max(2, len(cleaned) // 20):
        raise InvalidInputError(f"The {what} looks like binary data, not words.")
    return cleaned


def _mostly_english(text: str) -> bool:
    if text.isascii():
        return True
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 8:
        return True
    return sum(ch.isascii() for ch in letters) / len(letters) >= 0.8


class Analyzer:
    """The encoder, the four heads (each with its lexical half) and the crisis screen, loaded once."""

    def __init__(
        self,
        encoder: Encoder,
        heads: dict[str, Head],
        lexical: dict[str, LexicalModel],
        screener: CrisisScreener,
    ) -> None:
        self.encoder = encoder
        self.heads = heads
        self.lexical = lexical
        self.screener = screener
        meta = heads["emotion"].meta
        self.thresholds = np.asarray(meta["thresholds"], dtype=np.float32)

    @classmethod
    def load(cls, encoder: Encoder, screener: CrisisScreener) -> Analyzer:
        """Load the shipped heads; raises :class:`ModelError` naming a missing or damaged file."""
        names = ("emotion", "empathy", "reply_strategy", "next_strategy")
        heads = {name: Head.load(name) for name in names}
        lexical = {name: LexicalModel.load(name) for name in LEXICAL_HEADS}
        return cls(encoder, heads, lexical, screener)

    def analyze(
        self, text: str, reply_to: str | None = None, conversation: Sequence[tuple[str, str]] = ()
    ) -> Analysis:
        """Analyse one text; see :meth:`analyze_batch`."""
        return self.analyze_batch([text], [reply_to], [conversation])[0]

    def analyze_batch(
        self,
        texts: Sequence[str],
        replies_to: Sequence[str | None] | None = None,
        conversations: Sequence[Sequence[tuple[str, str]]] | None = None,
    ) -> list[Analysis]:
        """Analyse many texts in one pass through the encoder (the fast way for files).

        Raises :class:`InvalidInputError` for an empty or binary text.
        """
        n = len(texts)
        replies = list(replies_to) if replies_to is not None else [None] * n
        histories = list(conversations) if conversations is not None else [()] * n
        cleaned = [check_text(t)[:MAX_CHARS] for t in texts]
        seekers = [
            check_text(r, "message replied to")[:MAX_CHARS] if r is not None else None for r in replies
        ]
        # The message a supporter answers next: the text itself, or the seeker's message it replies to.
        turns = [
            [*history, ("seeker", seeker if seeker is not None else text)]
            for text, seeker, history in zip(cleaned, seekers, histories, strict=True)
        ]
        contexts = [conversation_text(t) for t in turns]
        unique = list(dict.fromkeys([*cleaned, *(s for s in seekers if s is not None), *contexts]))
        batch = self.encoder.encode(unique)
        row = {t: i for i, t in enumerate(unique)}
        idx = np.array([row[t] for t in cleaned])
        feats, embs = batch.features, batch.embeddings

        emotion_logits = self.heads["emotion"].logits(emotion_input(feats[idx]))
        emotion_probs = sigmoid(self.lexical["emotion"].blend(emotion_logits, cleaned))
        last_seeker = np.array(
            [row[s if s is not None else t] for t, s in zip(cleaned, seekers, strict=True)]
        )
        history = np.stack([strategy_history([], len(STRATEGIES)) for _ in range(n)])
        ctx = np.array([row[c] for c in contexts])
        next_logits = self.heads["next_strategy"].logits(
            next_strategy_input(feats[ctx], feats[last_seeker], history)
        )
        next_probs = softmax(
            self.lexical["next_strategy"].blend(next_logits, [lexical_context(t) for t in turns])
        )
        with_reply = [i for i, s in enumerate(seekers) if s is not None]
        empathy_probs = reply_probs = None
        if with_reply:
            r = idx[with_reply]
            s = np.array([row[seekers[i]] for i in with_reply])  # type: ignore[index]
            empathy_logits = self.lexical["empathy"].blend(
                self.heads["empathy"].logits(empathy_input(feats[s], feats[r], embs[s], embs[r])),
                [cleaned[i] for i in with_reply],
            )
            empathy_probs = softmax(empathy_logits.reshape(len(with_reply), len(MECHANISMS), 3))
            reply_logits = self.heads["reply_strategy"].logits(reply_strategy_input(feats[r], feats[s]))
            reply_probs = softmax(
                self.lexical["reply_strategy"].blend(reply_logits, [cleaned[i] for i in with_reply])
            )

        results = []
        for i in range(n):
            results.append(
                self._one(
                    i,
                    cleaned[i],
                    seekers[i],
                    batch,
                    idx,
                    emotion_probs[i],
                    next_probs[i],
                    with_reply,
                    empathy_probs,
                    reply_probs,
                )
            )
        return results

    def _one(
        self,
        i: int,
        text: str,
        seeker: str | None,
        batch: EncodedBatch,
        idx: NDArray[np.int64],
        emotion: NDArray[np.float32],
        next_probs: NDArray[np.float32],
        with_reply: list[int],
        empathy_probs: NDArray[np.float32] | None,
        reply_probs: NDArray[np.float32] | None,
    ) -> Analysis:
        probabilities = _rounded(EMOTIONS, emotion)
        above = [j for j in np.argsort(-emotion) if emotion[j] >= self.thresholds[j]]
        emotions = tuple(EMOTIONS[j] for j in above) or ("neutral",)
        ekman = {group: max(probabilities[m] for m in members) for group, members in EKMAN.items()}
        sentiment = {group: max(probabilities[m] for m in members) for group, members in SENTIMENT.items()}
        notes = []
        if batch.truncated[idx[i]]:
            notes.append(f"The text is long; only its first {MAX_TOKENS} word pieces were read.")
        if not _mostly_english(text):
            notes.append("The models were trained on English; results for other languages are unreliable.")
        screened = self.screener.screen(text, signals=probabilities)
        if seeker is not None:
            other = self.screener.screen(seeker)
            if other.level > screened.level:
                screened = other
        empathy = reply_strategy = None
        if seeker is not None and empathy_probs is not None and reply_probs is not None:
            k = with_reply.index(i)
            empathy = {}
            for j, mechanism in enumerate(MECHANISMS):
                level = LEVELS[int(empathy_probs[k, j].argmax())]
                evidence = self.lexical["empathy"].evidence(text, j) if level != "none" else ()
                empathy[mechanism] = Label(level, _rounded(LEVELS, empathy_probs[k, j]), evidence)
            reply_strategy = Label(
                STRATEGIES[int(reply_probs[k].argmax())], _rounded(STRATEGIES, reply_probs[k])
            )
        return Analysis(
            emotions=emotions,
            emotion_probabilities=probabilities,
            ekman=ekman,
            sentiment=sentiment,
            next_strategy=Label(STRATEGIES[int(next_probs.argmax())], _rounded(STRATEGIES, next_probs)),
            crisis=screened,
            empathy=empathy,
            reply_strategy=reply_strategy,
            notes=tuple(notes),
        )
