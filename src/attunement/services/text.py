"""Text understanding as a use case: analyse messages and replies, evaluate the shipped heads.

The encoder and heads load on first use and stay loaded for the process.

Examples
--------
>>> from attunement.config import Settings
>>> service = TextService(Settings())
>>> result = service.analyze("Thank you so much, that really helped!")
>>> "gratitude" in result.emotions
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from attunement.config import Settings
from attunement.content.crisis import load_crisis_lexicon
from attunement.domain.safety import CrisisScreen
from attunement.nlp.analyzer import Analysis, Analyzer
from attunement.nlp.crisis import CrisisScreener
from attunement.nlp.encoder import Encoder
from attunement.nlp.evaluation import TASKS, evaluate

BATCH = 64


class TextService:
    """Analysis and evaluation over one lazily loaded :class:`Analyzer`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._analyzer: Analyzer | None = None
        self._screener: CrisisScreener | None = None
        self._lock = threading.Lock()

    @property
    def screener(self) -> CrisisScreener:
        """The crisis screen alone (patterns only; no model is loaded)."""
        if self._screener is None:
            self._screener = CrisisScreener(load_crisis_lexicon(), self.settings.data_dir / "models")
        return self._screener

    def screen(self, text: str) -> CrisisScreen:
        """Screen ``text`` for crisis language without loading the models."""
        return self.screener.screen(text)

    @property
    def analyzer(self) -> Analyzer:
        """The loaded analyzer; raises :class:`ModelError` when a model file is missing or damaged."""
        with self._lock:
            if self._analyzer is None:
                threads = self.settings.model_threads
                if threads:
                    # The heads are numpy matrix products on one text at a time: BLAS's own
                    # threads only spin against the encoder's and other requests' for the cores.
                    threadpool_limits(threads, user_api="blas")
                encoder = Encoder.shared(cache_dir=self.settings.data_dir / "models", threads=threads)
                self._analyzer = Analyzer.load(encoder, self.screener)
            return self._analyzer

    def analyze(
        self, text: str, reply_to: str | None = None, conversation: Sequence[tuple[str, str]] = ()
    ) -> Analysis:
        """Emotions, next strategy and crisis screen of ``text``; empathy and strategy of a reply too."""
        return self.analyzer.analyze(text, reply_to, conversation)

    def analyze_many(
        self,
        texts: Sequence[str],
        reply_to: Sequence[str | None] | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> list[Analysis]:
        """Analyse texts in batches, calling ``advance(done)`` after each batch (for a progress bar)."""
        results: list[Analysis] = []
        for start in range(0, len(texts), BATCH):
            chunk = texts[start : start + BATCH]
            replies = reply_to[start : start + BATCH] if reply_to is not None else None
            results.extend(self.analyzer.analyze_batch(chunk, replies))
            if advance:
                advance(len(chunk))
        return results

    def evaluate(
        self,
        task: str,
        data: Path,
        *,
        dev_split: bool = False,
        advance: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Score one head on a data file in its original format: metrics as one JSON-ready dict."""
        analyzer = self.analyzer
        return evaluate(
            analyzer.encoder,
            analyzer.heads,
            analyzer.lexical,
            task,
            data,
            dev_split=dev_split,
            advance=advance,
        )


_default: TextService | None = None


def default_service() -> TextService:
    """The process-wide text service, on the settings read from ``ATTUNE_`` variables."""
    global _default
    if _default is None:
        from attunement.config import get_settings

        _default = TextService(get_settings())
    return _default


__all__ = ["TASKS", "Analysis", "TextService", "default_service"]
