"""How each head's input is built from encoder outputs: one definition for training and use.

* emotion: the text's features (1152 values);
* empathy: seeker post features, reply features, and the element-wise product
  of their embeddings (1152 + 1152 + 384);
* reply strategy: the reply's features and those of the seeker turn it answers;
* next strategy: the features of the recent conversation, those of the
  seeker's last turn, and the strategies the supporter used so far (share of
  each, the last one, and how far into the conversation this is).

Examples
--------
>>> print(conversation_text([("seeker", "I lost my job."), ("supporter", "I am sorry.")]))
Seeker: I lost my job.
Supporter: I am sorry.
>>> [round(float(v), 2) for v in strategy_history([0, 0, 5], n_strategies=8)[:9]]
[0.67, 0.0, 0.0, 0.0, 0.0, 0.33, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

CONTEXT_TURNS = 4  # turns of conversation the next-strategy head reads
HISTORY_DIM = 8 + 8 + 1
_SPEAKERS = {"seeker": "Seeker", "supporter": "Supporter"}


def conversation_text(turns: Sequence[tuple[str, str]], last: int = CONTEXT_TURNS) -> str:
    """The last ``last`` turns as "Seeker: ..."/"Supporter: ..." lines (newest last).

    A single turn is its text alone, so a lone message and its conversation are
    one encoder pass, not two.

    >>> conversation_text([("seeker", "I lost my job.")])
    'I lost my job.'
    """
    chosen = turns[-last:] if last else turns
    if len(chosen) == 1:
        return chosen[0][1]
    return "\n".join(f"{_SPEAKERS.get(speaker, speaker.title())}: {text}" for speaker, text in chosen)


def lexical_context(turns: Sequence[tuple[str, str]]) -> str:
    """What the next-strategy head's lexical half reads: the last two turns.

    >>> print(lexical_context([("seeker", "Hi."), ("supporter", "Hello!"), ("seeker", "I'm stuck.")]))
    Supporter: Hello!
    Seeker: I'm stuck.
    """
    return conversation_text(turns, last=2)


def strategy_history(previous: Sequence[int], n_strategies: int = 8) -> NDArray[np.float32]:
    """Share of each strategy used so far, the last one (one-hot), and the turn count / 30."""
    out = np.zeros(2 * n_strategies + 1, dtype=np.float32)
    if previous:
        counts = np.bincount(np.asarray(previous), minlength=n_strategies)[:n_strategies]
        out[:n_strategies] = counts / counts.sum()
        out[n_strategies + previous[-1]] = 1.0
    out[-1] = min(len(previous), 30) / 30.0
    return out


def emotion_input(features: NDArray[np.float32]) -> NDArray[np.float32]:
    """Head input for emotions: the text's features as they are."""
    return features


def empathy_input(
    seeker_features: NDArray[np.float32],
    reply_features: NDArray[np.float32],
    seeker_embeddings: NDArray[np.float32],
    reply_embeddings: NDArray[np.float32],
) -> NDArray[np.float32]:
    """Head input for EPITOME's mechanisms: both texts and how the reply relates to the post."""
    return np.hstack([seeker_features, reply_features, seeker_embeddings * reply_embeddings])


def reply_strategy_input(
    reply_features: NDArray[np.float32], seeker_features: NDArray[np.float32]
) -> NDArray[np.float32]:
    """Head input for the strategy a reply uses: the reply and the turn it answers."""
    return np.hstack([reply_features, seeker_features])


def next_strategy_input(
    context_features: NDArray[np.float32],
    seeker_features: NDArray[np.float32],
    histories: NDArray[np.float32],
) -> NDArray[np.float32]:
    """Head input for the strategy to use next: conversation, last seeker turn, strategy history."""
    return np.hstack([context_features, seeker_features, histories])
