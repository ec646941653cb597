"""How much tuning on a dev set flatters its figures: each head scored on data nothing was tuned on.

Run ``python training/tuning_optimism.py --data ../shared/data`` (extra ``train``; about 15
minutes on 2 cores, most of it the EPITOME part). It prints one line per measurement and, last,
one JSON object with every figure.

* **EPITOME** has no official split. ``train_heads.py`` fits the empathy head on every pair and
  makes its choices (the epoch count, the lexical half's C and weight, the class biases) on
  out-of-fold predictions (:func:`train_heads.fit_mechanism`). Here that protocol runs inside
  five-fold cross-validation by seeker post (folds seeded with ``--seed``) and is scored on the
  fifth it never saw. So does the protocol it replaced, which split off a seeded fifth by post,
  fitted on the rest, tuned early stopping and every choice on that fifth and reported it: the
  estimate of each on new pairs (each fit sees 80% of the pairs, or 64% for the old protocol).
* **GoEmotions and ESConv** have official dev splits, and only the emotion thresholds and the
  strategy class biases are tuned on them. Here the shipped heads' scores on dev are re-tuned on
  one random half (by conversation for ESConv) and scored on the other, both ways, five times;
  the same halves scored with their own tuning give the in-sample figure. Tuning on half the
  data overfits more than tuning on all of it, so the gap is an upper bound.
* **The fine-tuned encoder** was trained on EPITOME's folds 1-4 (``finetune_encoder.py``), so
  cross-validated figures of heads on its features are in-sample for it, and the comparison of
  protocols above runs on the published encoder. ``--adapter PATH --fold K`` instead scores the
  shipped empathy protocol on EPITOME's fold ``K`` (of the folds ``train_heads.py`` uses), once
  with the published encoder and once with an adapter fine-tuned without that fold; the shipped
  adapter left out fold 0::

      python training/tuning_optimism.py --data ../shared/data \\
          --adapter src/attunement/nlp/models/encoder-adapter.npz
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from train_heads import (
    CACHE,
    EMPATHY_C,
    FOLDS,
    MIXES,
    SEED,
    SMALL_DATA,
    class_weights,
    epitome_input,
    fit_mechanism,
    hashed,
    lexical_scores,
    mixed,
    train_mlp,
    tune_biases,
)

from attunement.nlp import datasets as ds
from attunement.nlp import metrics
from attunement.nlp.encoder import Encoder
from attunement.nlp.evaluation import emotion_probabilities, next_strategy_logits
from attunement.nlp.heads import Head
from attunement.nlp.labels import MECHANISMS, STRATEGIES
from attunement.nlp.lexical import LexicalModel

Array = NDArray[np.float32]
Ints = NDArray[np.int64]


def dev_split_protocol(
    x: Array, hashes: Any, y: Ints, fit_rows: Ints, tune_rows: Ints, test_rows: list[int]
) -> float:
    """The empathy protocol before 2026-12-02: fit, tune on ``tune_rows``, score ``test_rows``."""
    fit = train_mlp(
        x[fit_rows],
        y[fit_rows],
        x[tune_rows],
        lambda lg: metrics.macro_f1(y[tune_rows], lg.argmax(1), 3),
        outputs=3,
        loss=torch.nn.CrossEntropyLoss(weight=class_weights(y[fit_rows], 3)),
        **SMALL_DATA,
    )

    best: tuple[float, float, float, Array, LogisticRegression] | None = None
    for c in EMPATHY_C:
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(
            hashes[fit_rows], y[fit_rows]
        )
        lexical = lexical_scores(model, hashes[tune_rows])
        for mix in MIXES:
            z = mixed(fit.dev_logits, lexical, mix)
            bias = tune_biases(z, y[tune_rows], 3)
            score = metrics.macro_f1(y[tune_rows], (z + bias).argmax(1), 3)
            if best is None or (score, -mix) > (best[0], -best[1]):
                best = (score, mix, c, bias, model)
    assert best is not None
    _, mix, _, bias, model = best
    lexical = lexical_scores(model, hashes[test_rows])
    z = mixed(fit.head.logits(x[test_rows]), lexical, mix) + bias
    return metrics.macro_f1(y[test_rows], z.argmax(1), 3)


def epitome(encoder: Encoder, data: Path, seed: int) -> dict[str, Any]:
    pairs = ds.load_epitome(data / "epitome")
    x, hashes = epitome_input(encoder, pairs), hashed([e.response_post for e in pairs])
    out: dict[str, Any] = {}
    for mechanism in MECHANISMS:
        y = np.array([e.levels[mechanism] for e in pairs], dtype=np.int64)
        scores: dict[str, list[float]] = {"out_of_fold": [], "dev_split": []}
        for rest, held_out in ds.epitome_folds(pairs, 5, seed):
            subset = [pairs[i] for i in rest]
            inner = ds.epitome_folds(subset, FOLDS, SEED)
            fit = fit_mechanism(x[rest], hashes[rest], y[rest], inner)
            predicted = fit.logits(x[held_out], hashes[held_out]).argmax(1)
            scores["out_of_fold"].append(metrics.macro_f1(y[held_out], predicted, 3))
            fit_part, tune_part = ds.epitome_split(subset)  # the old protocol's split
            fit_ids, tune_ids = {id(e) for e in fit_part}, {id(e) for e in tune_part}
            fit_rows = np.array([i for i in rest if id(pairs[i]) in fit_ids])
            tune_rows = np.array([i for i in rest if id(pairs[i]) in tune_ids])
            scores["dev_split"].append(dev_split_protocol(x, hashes, y, fit_rows, tune_rows, held_out))
        out[mechanism] = {}
        for protocol, values in scores.items():
            mean, low, high = float(np.mean(values)), min(values), max(values)
            out[mechanism][protocol] = {"macro_f1": round(mean, 4), "folds": [round(v, 4) for v in values]}
            print(f"EPITOME {mechanism}, {protocol}: macro-F1 on new pairs {mean:.3f} ({low:.3f}-{high:.3f})")
    return out


def _encoder(adapter: Path | None) -> Encoder:
    """An encoder other than the shipped one, with an int8 cache folder of its own: a build removes
    the other caches in its folder as stale, so sharing one would rebuild on every switch."""
    folder = CACHE / ("encoder-published" if adapter is None else f"encoder-{adapter.stem}")
    return Encoder(cache_dir=folder, adapter=adapter)


def fine_tuned(data: Path, adapter: Path, fold: int) -> dict[str, Any]:
    """The empathy protocol on EPITOME fold ``fold``: published encoder against ``adapter``."""
    pairs = ds.load_epitome(data / "epitome")
    rest, held = ds.epitome_folds(pairs, FOLDS, SEED)[fold]
    inner = ds.epitome_folds([pairs[i] for i in rest], FOLDS, SEED)
    hashes = hashed([e.response_post for e in pairs])
    out: dict[str, Any] = {}
    for name, path in (("published", None), ("fine_tuned", adapter)):
        x = epitome_input(_encoder(path), pairs)
        out[name] = {}
        for mechanism in MECHANISMS:
            y = np.array([e.levels[mechanism] for e in pairs], dtype=np.int64)
            fit = fit_mechanism(x[rest], hashes[rest], y[rest], inner)
            score = metrics.macro_f1(y[held], fit.logits(x[held], hashes[held]).argmax(1), 3)
            out[name][mechanism] = round(score, 4)
            print(f"EPITOME fold {fold}, {name} encoder, {mechanism}: macro-F1 {score:.3f}")
    return out


def halves(groups: NDArray[Any], rng: np.random.Generator) -> tuple[Ints, Ints]:
    distinct = np.unique(groups)
    first = set(rng.permutation(distinct)[: len(distinct) // 2].tolist())
    mask = np.array([g in first for g in groups])
    return np.flatnonzero(mask), np.flatnonzero(~mask)


def emotion(encoder: Encoder, data: Path, rng: np.random.Generator) -> dict[str, Any]:
    examples = ds.load_goemotions(data / "goemotions" / "dev.tsv")
    heads, lexical = {"emotion": Head.load("emotion")}, {"emotion": LexicalModel.load("emotion")}
    probs = emotion_probabilities(encoder, heads, lexical, examples)
    truth = np.zeros_like(probs)
    for i, e in enumerate(examples):
        truth[i, list(e.labels)] = 1
    held, own = [], []
    for _ in range(5):
        a, b = halves(np.arange(len(examples)), rng)
        for tune, test in ((a, b), (b, a)):
            t = metrics.tune_thresholds(probs[tune], truth[tune])
            held.append(metrics.multilabel_macro_f1(truth[test], (probs[test] >= t).astype(np.float32)))
            own.append(metrics.multilabel_macro_f1(truth[tune], (probs[tune] >= t).astype(np.float32)))
    print(f"GoEmotions: macro-F1 {np.mean(held):.3f} on the other half, {np.mean(own):.3f} in-sample")
    return {
        "held_out_macro_f1": round(float(np.mean(held)), 4),
        "in_sample_macro_f1": round(float(np.mean(own)), 4),
    }


def next_strategy(encoder: Encoder, data: Path, rng: np.random.Generator) -> dict[str, Any]:
    dialogues = ds.load_esconv(data / "esconv" / "valid.json")
    examples, conversation = [], []
    for d, dialogue in enumerate(dialogues):
        found = ds.next_strategy_examples([dialogue])
        examples += found
        conversation += [d] * len(found)
    lexical = LexicalModel.load("next_strategy")  # its class biases are what is re-tuned here
    heads = {"next_strategy": Head.load("next_strategy")}
    raw = next_strategy_logits(encoder, heads, {"next_strategy": lexical}, examples) - lexical.bias
    y, n = np.array([e.label for e in examples]), len(STRATEGIES)
    held, own, accuracy = [], [], []
    for _ in range(5):
        a, b = halves(np.array(conversation), rng)
        for tune, test in ((a, b), (b, a)):
            bias = tune_biases(raw[tune], y[tune], n)
            predicted = (raw[test] + bias).argmax(1)
            held.append(metrics.macro_f1(y[test], predicted, n))
            accuracy.append(float((predicted == y[test]).mean()))
            own.append(metrics.macro_f1(y[tune], (raw[tune] + bias).argmax(1), n))
    print(
        f"ESConv next strategy: macro-F1 {np.mean(held):.3f} (accuracy {np.mean(accuracy):.3f}) "
        f"on the other half, {np.mean(own):.3f} in-sample"
    )
    return {
        "held_out_macro_f1": round(float(np.mean(held)), 4),
        "held_out_accuracy": round(float(np.mean(accuracy)), 4),
        "in_sample_macro_f1": round(float(np.mean(own)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--seed", type=int, default=1, help="seed of the folds and halves (default 1)")
    parser.add_argument("--adapter", type=Path, help="an adapter fine-tuned without EPITOME fold --fold")
    parser.add_argument(
        "--fold", type=int, default=0, choices=range(5), help="the fold it left out (default 0)"
    )
    args = parser.parse_args()
    if not (args.data / "epitome").is_dir():
        sys.exit(f"No EPITOME folder under {args.data}; pass --data with the shared data folder.")
    encoder = Encoder(cache_dir=CACHE)
    rng = np.random.default_rng(args.seed)
    result = {
        "emotion": emotion(encoder, args.data, rng),
        "next_strategy": next_strategy(encoder, args.data, rng),
    }
    if args.adapter:
        result["empathy_fine_tuned"] = fine_tuned(args.data, args.adapter, args.fold)
    else:  # the shipped encoder has seen four folds of five: compare the protocols on the published one
        result["empathy"] = epitome(_encoder(None), args.data, args.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
