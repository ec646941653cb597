"""attunement: local-first personalization for empathy practice and support between partners.

Examples
--------
>>> import attunement
>>> attunement.__version__
'0.1.0'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attunement.errors import AttunementError

if TYPE_CHECKING:
    from attunement.coach import Coach
    from attunement.services.text import Analysis

__version__ = "0.1.0"
__all__ = ["AttunementError", "Coach", "__version__", "analyze"]


def __getattr__(name: str) -> Any:
    # Coach pulls in the database layer; load it on first use so `attune analyze` starts quickly.
    if name == "Coach":
        from attunement.coach import Coach

        return Coach
    raise AttributeError(f"module 'attunement' has no attribute {name!r}")


def analyze(text: str, reply_to: str | None = None, conversation: Sequence[tuple[str, str]] = ()) -> Analysis:
    """Every text model at once: emotions, empathy and strategy of a reply, the next strategy, crisis.

    The models load on the first call (about a second) and stay loaded.

    >>> result = analyze("I miss you so much.", reply_to="I'm away for work until Friday.")
    >>> sorted(result.to_dict())[:3]
    ['crisis', 'ekman', 'emotion_probabilities']
    """
    from attunement.services.text import default_service

    return default_service().analyze(text, reply_to, conversation)
