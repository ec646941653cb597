"""Rank English 4-character strings by how common they are: ``nlp/models/common-grams.json``.

The crisis screen skips an expression when a text lacks the strings its matches
must contain (:mod:`attunement.nlp.literals`). It tests one 4-character piece of
each such string, and the piece to test is the rarest one: "jump" says far more
than " to " about whether "want to jump" is in a text. This script counts, over
the GoEmotions train comments (normalised as the screen sees text), the share of
comments that contain each 4-character string, and keeps the most common ones,
most common first. A string not in the list counts as rare.

Only the ranking is kept (no counts, no text): about 40 KB. Deterministic; no
extra packages::

    python training/common_grams.py                       # ../shared/data/goemotions/train.tsv
    python training/common_grams.py --data PATH/train.tsv --keep 4000
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from attunement.nlp.crisis import normalise
from attunement.nlp.datasets import load_goemotions
from attunement.nlp.literals import GRAM, GRAMS_PATH

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "goemotions" / "train.tsv"


def rank_grams(texts: list[str], keep: int) -> list[str]:
    """The ``keep`` most common 4-character strings of ``texts`` (by how many texts hold each),
    most common first, ties in code-point order.

    >>> rank_grams(["the cat", "the dog", "a cat"], keep=3)
    [' cat', 'the ', ' dog']
    """
    counts: Counter[str] = Counter()
    for text in texts:
        cleaned = normalise(text)
        counts.update({cleaned[i : i + GRAM] for i in range(len(cleaned) - GRAM + 1)})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [gram for gram, _ in ranked[:keep]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a GoEmotions TSV")
    parser.add_argument("--keep", type=int, default=4000, help="how many strings to rank")
    parser.add_argument("--out", type=Path, default=GRAMS_PATH)
    args = parser.parse_args()
    texts = [example.text for example in load_goemotions(args.data)]
    grams = rank_grams(texts, args.keep)
    args.out.write_text(json.dumps(grams, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{args.out}: the {len(grams)} most common of {len(texts)} comments' 4-character strings")


if __name__ == "__main__":
    main()
