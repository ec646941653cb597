"""The label sets the whole package speaks in: GoEmotions' emotions and ESConv's support strategies.

They live in ``domain`` so that content files, the text models and the
feedback rules all name the same labels without reading any data folder.

>>> EMOTIONS[4], len(EMOTIONS), STRATEGIES[0]
('approval', 28, 'Question')
"""

from __future__ import annotations

from typing import Final

EMOTIONS: Final[tuple[str, ...]] = (
    "admiration",
    "amusement",
    "anger",
    "annoyance",
    "approval",
    "caring",
    "confusion",
    "curiosity",
    "desire",
    "disappointment",
    "disapproval",
    "disgust",
    "embarrassment",
    "excitement",
    "fear",
    "gratitude",
    "grief",
    "joy",
    "love",
    "nervousness",
    "optimism",
    "pride",
    "realization",
    "relief",
    "remorse",
    "sadness",
    "surprise",
    "neutral",
)
"""GoEmotions' 27 emotions and neutral, in label-id order."""

STRATEGIES: Final[tuple[str, ...]] = (
    "Question",
    "Restatement or Paraphrasing",
    "Reflection of feelings",
    "Self-disclosure",
    "Affirmation and Reassurance",
    "Providing Suggestions",
    "Information",
    "Others",
)
"""ESConv's eight support strategies, in ``strategy.json`` order."""
