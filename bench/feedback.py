"""Feedback benchmark: do the suggestions name what a reply is actually missing?

Run ``python bench/feedback.py [--data ../shared/data/epitome] [--all]``. For
every EPITOME (seeker post, reply) pair of the seeded fifth (``--all``: every pair
in the folder, e.g. a held-back test split), attunement composes feedback on
the reply exactly as written practice does, then, per mechanism, against the
annotators' levels. The shipped empathy head is fitted on every pair of the
released EPITOME data, so on it the figures check the feedback rules in-sample;
the held-back test split with ``--all`` gives the real ones.

* **coverage**: over pairs whose reply is low on the mechanism (level 0), the
  share whose suggestions name that mechanism (target at least 0.80);
* **false naming**: over pairs whose reply already shows it strongly
  (level 2), the share whose suggestions name it anyway (target at most 0.10).

Peers in the same run, on the same pairs: **random** suggestions (as many
mechanisms per pair as attunement named, drawn uniformly; expected values),
and **every mechanism** (always suggest all three). The headline ratio is
attunement's precision (share of its mechanism-naming suggestions that point
at something the reply lacks, level 0 or 1) over random's. It also counts
feedback phrasings from the never-say list (must be 0). The last line of output
is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.progress import Progress

from attunement.config import Settings
from attunement.domain.guidance import MECHANISMS
from attunement.nlp import datasets as ds
from attunement.services.text import TextService
from attunement.services.written import FeedbackService

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "epitome"
TARGETS = {"coverage_min": 0.80, "false_naming_max": 0.10}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="an EPITOME folder or CSV")
    parser.add_argument("--all", action="store_true", help="every pair, not the seeded fifth")
    parser.add_argument("--limit", type=int, default=None, help="at most this many pairs (for a quick run)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    pairs = ds.load_epitome(args.data)
    if not args.all:
        pairs = ds.epitome_split(pairs)[1]
    pairs = pairs[: args.limit] if args.limit else pairs
    service = FeedbackService(TextService(Settings()))
    items = [(p.seeker_post, p.response_post, (), "them") for p in pairs]
    began = time.perf_counter()
    with Progress(disable=args.quiet, transient=True, console=None) as bar:
        task = bar.add_task("Composing feedback", total=len(items))
        results = service.read_many(items, advance=lambda n: bar.advance(task, n))
    seconds = time.perf_counter() - began

    kept = [(p, f) for p, (f, _) in zip(pairs, results, strict=True) if f is not None]
    crisis = len(pairs) - len(kept)
    out: dict[str, Any] = {
        "pairs": len(pairs),
        "scored": len(kept),
        "crisis_screened": crisis,
        "ms_per_reply": round(1000 * seconds / max(1, len(pairs)), 2),
    }
    per: dict[str, dict[str, Any]] = {}
    low_named = low_total = strong_named = strong_total = 0
    named_total = named_lacking = 0
    random_precision_num = random_precision_den = 0.0
    for mechanism in MECHANISMS:
        rows = [(p.levels[mechanism], f.names(mechanism)) for p, f in kept if p.levels[mechanism] is not None]
        low = [named for level, named in rows if level == 0]
        strong = [named for level, named in rows if level == 2]
        per[mechanism] = {
            "coverage": round(sum(low) / len(low), 3) if low else None,
            "low_pairs": len(low),
            "false_naming": round(sum(strong) / len(strong), 3) if strong else None,
            "strong_pairs": len(strong),
        }
        low_named, low_total = low_named + sum(low), low_total + len(low)
        strong_named, strong_total = strong_named + sum(strong), strong_total + len(strong)
        named_total += sum(named for _, named in rows)
        named_lacking += sum(named for level, named in rows if level < 2)
    # Random peer: each pair names as many mechanisms as attunement did, drawn uniformly from the three.
    for p, f in kept:
        k = sum(f.names(m) for m in MECHANISMS)
        lacking = sum(1 for m in MECHANISMS if p.levels[m] is not None and p.levels[m] < 2)
        known = sum(1 for m in MECHANISMS if p.levels[m] is not None)
        random_precision_num += k * lacking / max(1, known)
        random_precision_den += k
    precision = named_lacking / named_total if named_total else 0.0
    random_precision = random_precision_num / random_precision_den if random_precision_den else 0.0
    every_precision = sum(
        1 for p, _ in kept for m in MECHANISMS if p.levels[m] is not None and p.levels[m] < 2
    ) / max(1, sum(1 for p, _ in kept for m in MECHANISMS if p.levels[m] is not None))
    guide = service.guide
    unkind = sum(len(guide.unkind_phrases(s.text)) for _, f in kept for s in (*f.suggestions, *f.praise))
    out.update(
        {
            "coverage": round(low_named / low_total, 3) if low_total else None,
            "false_naming": round(strong_named / strong_total, 3) if strong_total else None,
            "per_mechanism": per,
            "precision": round(precision, 3),
            "peers": {
                "random_precision": round(random_precision, 3),
                "every_mechanism": {
                    "coverage": 1.0,
                    "false_naming": 1.0,
                    "precision": round(every_precision, 3),
                },
            },
            "precision_ratio_vs_random": round(precision / random_precision, 3) if random_precision else None,
            "suggestions_per_reply": round(sum(len(f.suggestions) for _, f in kept) / max(1, len(kept)), 2),
            "unkind_phrasings": unkind,
            "targets": TARGETS,
        }
    )
    out["targets_met"] = {
        "coverage": out["coverage"] is not None and out["coverage"] >= TARGETS["coverage_min"],
        "false_naming": out["false_naming"] is not None
        and out["false_naming"] <= TARGETS["false_naming_max"],
        "never_unkind": unkind == 0,
    }
    for mechanism, figures in per.items():
        print(
            f"{mechanism:>20}: coverage {figures['coverage']} of {figures['low_pairs']} low, "
            f"false naming {figures['false_naming']} of {figures['strong_pairs']} strong",
            file=sys.stderr,
        )
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
