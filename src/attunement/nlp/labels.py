"""Label sets of the three training corpora, written out so nothing reads the data folder at run time.

* GoEmotions: 27 emotions + neutral (``EMOTIONS``, in label-id order), grouped
  into Ekman categories (``EKMAN``) and sentiments (``SENTIMENT``);
* EPITOME: three empathy mechanisms (``MECHANISMS``), each at level 0, 1 or 2;
* ESConv: eight support strategies (``STRATEGIES``, in ``strategy.json`` order).

Examples
--------
>>> EMOTIONS[4], EMOTIONS.index("neutral"), len(EMOTIONS)
('approval', 27, 28)
>>> MECHANISM_SHORT["interpretations"], LEVELS[2]
('ip', 'strong')
>>> canonical_strategy("Questions"), canonical_strategy("[Others]")
('Question', 'Others')
>>> canonical_strategy("Small talk") is None
True
"""

from __future__ import annotations

from typing import Final

from attunement.domain.labels import EMOTIONS, STRATEGIES

# --- GoEmotions ---------------------------------------------------------------------------------

NEUTRAL: Final = "neutral"

# ekman_mapping.json of the official release, plus neutral so every label has a group.
EKMAN: Final[dict[str, tuple[str, ...]]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": (
        "joy",
        "amusement",
        "approval",
        "excitement",
        "gratitude",
        "love",
        "optimism",
        "relief",
        "pride",
        "admiration",
        "desire",
        "caring",
    ),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}

# sentiment_dict.json of the official release, plus neutral.
SENTIMENT: Final[dict[str, tuple[str, ...]]] = {
    "positive": (
        "amusement",
        "excitement",
        "joy",
        "love",
        "desire",
        "optimism",
        "caring",
        "pride",
        "admiration",
        "gratitude",
        "relief",
        "approval",
    ),
    "negative": (
        "fear",
        "nervousness",
        "remorse",
        "embarrassment",
        "disappointment",
        "sadness",
        "grief",
        "disgust",
        "anger",
        "annoyance",
        "disapproval",
    ),
    "ambiguous": ("realization", "surprise", "curiosity", "confusion"),
    "neutral": ("neutral",),
}

# --- EPITOME ------------------------------------------------------------------------------------

MECHANISMS: Final[tuple[str, ...]] = ("emotional_reactions", "interpretations", "explorations")
MECHANISM_SHORT: Final[dict[str, str]] = {
    "emotional_reactions": "er",
    "interpretations": "ip",
    "explorations": "ex",
}
LEVELS: Final[tuple[str, ...]] = ("none", "weak", "strong")  # index = EPITOME level

# --- ESConv -------------------------------------------------------------------------------------


# Names in the raw collection format (ESConv.json, FailedESConv.json) that differ from the release.
# The last three are older names found only in FailedESConv.json (11, 7 and 3 turns).
RAW_STRATEGY_NAMES: Final[dict[str, str]] = {
    "Questions": "Question",
    "Other": "Others",
    "Direct Guidance": "Providing Suggestions",
    "Approval and Reassurance": "Affirmation and Reassurance",
    "Restatement": "Restatement or Paraphrasing",
}


def canonical_strategy(name: str) -> str | None:
    """The standard ESConv strategy a raw or bracketed name stands for.

    Returns
    -------
    str or None
        One of ``STRATEGIES``, or None when ``name`` is none of them or their raw spellings.
    """
    bare = name.strip()
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1].strip()
    bare = RAW_STRATEGY_NAMES.get(bare, bare)
    return bare if bare in STRATEGIES else None


__all__ = [
    "EKMAN",
    "EMOTIONS",
    "LEVELS",
    "MECHANISMS",
    "MECHANISM_SHORT",
    "NEUTRAL",
    "RAW_STRATEGY_NAMES",
    "SENTIMENT",
    "STRATEGIES",
    "canonical_strategy",
]
