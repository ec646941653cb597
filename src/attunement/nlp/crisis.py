"""The crisis screen: authored patterns over normalised text, with emotion signals as a tiebreak.

The rule, in order:

1. Normalise the text (:func:`normalise`): NFKC, lower case, zero-width
   characters removed, curly quotes straightened, light leetspeak undone,
   letters stretched three times or more cut to two, apostrophes inside words
   dropped, a few spellings made canonical (``i am`` -> ``im``, ``wanna`` ->
   ``want to``), whitespace collapsed.
2. Cut out every hard negative (idioms such as "this project is killing me"),
   leaving a sentence break so no pattern can reach across the gap.
3. Match every pattern; the level is the most severe match.
4. Weak cues (patterns marked ``needs_distress``, such as "I feel hopeless")
   count, at concern level, only when the emotion model's ``signals`` read
   strong distress: one of :data:`DISTRESS_LABELS` at or above
   :data:`DISTRESS_THRESHOLD`. Signals never flag a text that matches no
   pattern, never raise concern to urgent, and never lower a level.

Examples
--------
>>> from attunement.domain.safety import CrisisLevel, CrisisLexicon, CrisisPattern, CrisisResource
>>> lexicon = CrisisLexicon(
...     patterns=(
...         CrisisPattern("kill-myself", r"\\bkill myself\\b", CrisisLevel.URGENT, "intent"),
...         CrisisPattern("hopeless", r"\\bhopeless\\b", CrisisLevel.CONCERN, "weak", needs_distress=True),
...     ),
...     negatives=(CrisisPattern("laughing", r"kill myself laughing", CrisisLevel.NONE, "idiom"),),
...     resources=(CrisisResource("Lifeline", "call 13 11 14", "AU"),),
... )
>>> screener = CrisisScreener(lexicon)
>>> screener.screen("I want to K!LL   MYSELF").level
<CrisisLevel.URGENT: 'urgent'>
>>> screener.screen("that sketch had me kill myself laughing").flagged
False
>>> screener.screen("I feel hopeless").level, screener.screen("I feel hopeless", {"sadness": 0.9}).level
(<CrisisLevel.NONE: 'none'>, <CrisisLevel.CONCERN: 'concern'>)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from attunement.domain.safety import CrisisLexicon, CrisisPattern, CrisisScreen
from attunement.nlp.literals import covering_pieces, required_literals

DISTRESS_LABELS: tuple[str, ...] = ("sadness", "grief", "fear", "nervousness", "remorse", "disappointment")
"""GoEmotions labels whose probability counts as distress for weak cues."""
DISTRESS_THRESHOLD = 0.5
"""A weak cue counts when one distress label reaches this probability."""

_ZERO_WIDTH = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad\u180e")
)
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'"}
    | {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'}
)
_LEET = str.maketrans("013457@$!|", "oieastasii")
# A word that starts with a letter (or $/@ before one) and may hide letters behind digits or symbols.
_LEET_WORD = re.compile(r"(?<![\w@$!|])[@$]?[a-z][a-z0-9@$!|]*")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_APOSTROPHE = re.compile(r"(?<=[a-z])'(?=[a-z])")
_SPACES = re.compile(r"\s+")
_TWO_AS_TO = re.compile(r"\b(want|wanted|going|need|have|got|try|trying|ready|about|deserve|how) 2 (?=[a-z])")
_CANONICAL = {
    "i am": "im",
    "iam": "im",
    "do not": "dont",
    "dnt": "dont",
    "cannot": "cant",
    "can not": "cant",
    "will not": "wont",
    "does not": "doesnt",
    "is not": "isnt",
    "would not": "wouldnt",
    "did not": "didnt",
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "gona": "going to",
    "imma": "im going to",
    "ima": "im going to",
    "gotta": "got to",
    "u": "you",
    "ur": "your",
    "b": "be",
    "wud": "would",
    "cud": "could",
    "shud": "should",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "any more": "anymore",
    "my self": "myself",
    "myslef": "myself",
    "mysefl": "myself",
    "meself": "myself",
    "everybody": "everyone",
    "no one": "nobody",
    "noone": "nobody",
}
_CANONICAL_WORDS = re.compile(
    r"\b(?:" + "|".join(re.escape(k) for k in sorted(_CANONICAL, key=len, reverse=True)) + r")\b"
)


def _unleet(match: re.Match[str]) -> str:
    word = match.group()
    core = word.rstrip("!|")  # "help!" keeps its "!"; "k!ll" loses it
    if core.isalpha():
        return word
    return core.translate(_LEET) + word[len(core) :]


def normalise(text: str) -> str:
    """The text as the patterns see it (see the module docstring for each step).

    >>> normalise("I\u2019m  gonna   k!ll my self\u200b, I CAN NOT go on")
    'im going to kill myself, i cant go on'
    >>> normalise("su1c1dal thoughts at 3am, took 2 pills")
    'suicidal thoughts at 3am, took 2 pills'
    """
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).translate(_QUOTES).lower()
    text = _LEET_WORD.sub(_unleet, text)
    text = _STRETCHED.sub(r"\1\1", text)
    text = _APOSTROPHE.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    text = _TWO_AS_TO.sub(r"\1 to ", text)
    return _CANONICAL_WORDS.sub(lambda m: _CANONICAL[m.group()], text)


class CrisisScreener:
    """Screens texts for suicide and self-harm language with the patterns of a :class:`CrisisLexicon`.

    Every expression is compiled once, here, with the short strings one of which
    any of its matches must contain (:mod:`attunement.nlp.literals`): most texts
    hold none of them for most expressions, which then never run. Screening a
    short text takes about 0.1 ms.
    """

    def __init__(self, lexicon: CrisisLexicon) -> None:
        self.lexicon = lexicon
        negatives = [n.regex for n in lexicon.negatives]
        try:  # one pass for all idioms; separate passes if some expression cannot be joined
            self._negatives = [_fast("|".join(f"(?:{regex})" for regex in negatives))] if negatives else []
        except re.error:
            self._negatives = [_fast(regex) for regex in negatives]
        self._strong = [_compiled(p) for p in lexicon.patterns if not p.needs_distress]
        self._weak = [_compiled(p) for p in lexicon.patterns if p.needs_distress]
        self._order = {p.id: i for i, p in enumerate(lexicon.patterns)}

    def screen(self, text: str, signals: Mapping[str, float] | None = None) -> CrisisScreen:
        """The crisis screen of ``text``: level, matched pattern ids, and resources when flagged.

        ``signals`` are the emotion model's probabilities by GoEmotions label;
        they only let weak cues count (see the module docstring). Empty text
        screens as :meth:`CrisisScreen.none`. Raises nothing.
        """
        cleaned = normalise(text)
        if not cleaned:
            return CrisisScreen.none()
        for negative in self._negatives:  # a sentence break, so no pattern reaches across the gap
            cleaned = negative.sub(" . ", cleaned)
        candidates = list(self._strong)
        if signals is not None and _distressed(signals):
            candidates += self._weak
        # A pattern none of whose required strings is in the text cannot match: skip its search.
        matched = [
            p
            for p, compiled, needs in candidates
            if (needs is None or any(map(cleaned.__contains__, needs))) and compiled.search(cleaned)
        ]
        if not matched:
            return CrisisScreen.none()
        level = max(p.level for p in matched)
        ids = tuple(sorted((p.id for p in matched), key=self._order.__getitem__))
        return CrisisScreen(level, ids, self.lexicon.resources)


def _compiled(pattern: CrisisPattern) -> tuple[CrisisPattern, re.Pattern[str], tuple[str, ...] | None]:
    """The pattern, its compiled expression, and short strings one of which any match contains
    (None when that cannot be said, and the expression always runs)."""
    compiled = _fast(pattern.regex)
    needs = required_literals(pattern.regex, bool(compiled.flags & re.IGNORECASE))
    return pattern, compiled, covering_pieces(needs) if needs else None


def _fast(regex: str) -> re.Pattern[str]:
    # The text is lower-cased before matching, so a pattern without upper-case letters gives
    # the same answers case-sensitively, several times faster than with re.IGNORECASE.
    has_upper = any(ch.isupper() for ch in re.sub(r"\\.", "", regex))
    return re.compile(regex, re.IGNORECASE if has_upper else 0)


def _distressed(signals: Mapping[str, float]) -> bool:
    return max((float(signals.get(label, 0.0)) for label in DISTRESS_LABELS), default=0.0) >= (
        DISTRESS_THRESHOLD
    )
