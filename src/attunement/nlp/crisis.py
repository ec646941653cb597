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

import hashlib
import json
import re
import sys
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

from attunement.domain.safety import CrisisLexicon, CrisisScreen
from attunement.nlp import literals
from attunement.nlp.literals import Clauses, Prefilter, required_clauses

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
_LEET_CHAR = re.compile(r"[013457@$!|]")  # without one, _LEET_WORD changes nothing
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
    if _LEET_CHAR.search(text):  # most texts hide no letters: skip the word-by-word pass
        text = _LEET_WORD.sub(_unleet, text)
    text = _STRETCHED.sub(r"\1\1", text)
    text = _APOSTROPHE.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if " 2 " in text:
        text = _TWO_AS_TO.sub(r"\1 to ", text)
    return _CANONICAL_WORDS.sub(lambda m: _CANONICAL[m.group()], text)


class CrisisScreener:
    """Screens texts for suicide and self-harm language with the patterns of a :class:`CrisisLexicon`.

    Every expression is compiled once, here, with the strings its matches must
    contain (:mod:`attunement.nlp.literals`): most texts hold them for no
    expression, or one or two, and the others never run. Screening a short text
    takes about 50 microseconds.

    Reading those strings out of the expressions takes about 0.1 s; with a
    ``cache_dir`` the result is kept there, for the same expressions and the
    same code, and a later process starts without that work.
    """

    def __init__(self, lexicon: CrisisLexicon, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        negatives = [n.regex for n in lexicon.negatives]
        try:  # one pass for all idioms; separate passes if some expression cannot be joined
            self._negatives = [_fast("|".join(f"(?:{regex})" for regex in negatives))] if negatives else []
        except re.error:
            self._negatives = [_fast(regex) for regex in negatives]
        strong = [p for p in lexicon.patterns if not p.needs_distress]
        weak = [p for p in lexicon.patterns if p.needs_distress]
        self._patterns = [(p, _fast(p.regex)) for p in strong + weak]
        # One prefilter over every expression, idioms first (each on its own, as they are more
        # telling apart than joined): a text is read once for all of them.
        self._prefilter = _prefilter([*negatives, *(p.regex for p, _ in self._patterns)], cache_dir)
        self._idioms = len(negatives)
        self._first_weak = len(negatives) + len(strong)
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
        # Expressions whose required pieces are all in the text; no other can match.
        candidates = self._prefilter.candidates(cleaned)
        if candidates and candidates[0] < self._idioms:  # an idiom may be in the text: cut them all out
            cut = cleaned
            for negative in self._negatives:  # a sentence break, so no pattern reaches across the gap
                cut = negative.sub(" . ", cut)
            if cut != cleaned:
                cleaned, candidates = cut, self._prefilter.candidates(cut)
        last = self._idioms + len(self._patterns)
        if signals is None or not _distressed(signals):
            last = self._first_weak
        matched = []
        for i in candidates:
            if self._idioms <= i < last:
                pattern, compiled = self._patterns[i - self._idioms]
                if compiled.search(cleaned):
                    matched.append(pattern)
        if not matched:
            return CrisisScreen.none()
        level = max(p.level for p in matched)
        ids = tuple(sorted((p.id for p in matched), key=self._order.__getitem__))
        return CrisisScreen(level, ids, self.lexicon.resources)


def _prefilter(regexes: Sequence[str], cache_dir: Path | None) -> Prefilter:
    """The prefilter of ``regexes``, from ``cache_dir`` when it holds one for them, else built
    (and kept there when it can be; a cache that cannot be written is only slower)."""
    if cache_dir is None:
        return Prefilter([_clauses(r) for r in regexes])
    digest = hashlib.sha256(json.dumps([sys.version_info[:2], *regexes]).encode())
    for source in (Path(__file__), Path(literals.__file__), literals.GRAMS_PATH):  # the rules that made it
        digest.update(source.read_bytes() if source.exists() else b"")
    path = cache_dir / f"crisis-prefilter-{digest.hexdigest()[:16]}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if len(kept) == len(regexes):
            return Prefilter.from_piece_sets(kept)
    except (OSError, ValueError, TypeError):
        pass  # not there yet, or damaged: build it again
    prefilter = Prefilter([_clauses(r) for r in regexes])
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache_dir, suffix=".partial", delete=False) as handle:
            json.dump(prefilter.piece_sets, handle)
        Path(handle.name).replace(path)  # atomic: a crash never leaves half a file
        for stale in cache_dir.glob("crisis-prefilter-*.json"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
    return prefilter


def _clauses(regex: str) -> Clauses | None:
    """Sets of strings one of each of which any match contains (None: the expression always runs)."""
    return required_clauses(regex, bool(_flags(regex) & re.IGNORECASE))


def _fast(regex: str) -> re.Pattern[str]:
    return re.compile(regex, _flags(regex))


def _flags(regex: str) -> int:
    # The text is lower-cased before matching, so a pattern without upper-case letters gives
    # the same answers case-sensitively, several times faster than with re.IGNORECASE.
    has_upper = any(ch.isupper() for ch in re.sub(r"\\.", "", regex))
    return re.IGNORECASE if has_upper else 0


def _distressed(signals: Mapping[str, float]) -> bool:
    return max((float(signals.get(label, 0.0)) for label in DISTRESS_LABELS), default=0.0) >= (
        DISTRESS_THRESHOLD
    )
