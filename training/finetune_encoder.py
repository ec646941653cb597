"""Fine-tune all-MiniLM-L6-v2 for attunement's heads: a low-rank adapter, ``nlp/models/encoder-adapter.npz``.

The encoder is trained on three tasks at once, so that its features serve every head:

* EPITOME: emotional reactions, interpretations and explorations (none / weak / strong) from the
  (seeker post, reply) input the empathy head reads (:func:`attunement.nlp.tasks.empathy_input`);
* GoEmotions train: the 28 labels, multi-label;
* ESConv train: the strategy a supporter's reply uses, and the strategy to use next from the
  conversation so far (the next-strategy head's input: the last turns, the seeker's last turn and
  the strategies used so far).

Each step takes one batch of every task (:data:`BATCH`); interpretations, the mechanism the
frozen features serve worst, weighs more in the loss (:data:`MECHANISM_WEIGHTS`).

Only low-rank adapters (LoRA: ``W + B @ A``, rank :data:`RANK`) on every attention and
feed-forward matrix are trained; the package's weights stay frozen. The shipped file holds ``A``
and ``B`` per matrix (float16, 0.6 MB), and :mod:`attunement.nlp.encoder` adds ``B @ A`` to
the package's weights when it builds the ONNX model. The task heads used here are thrown away:
``train_heads.py`` fits the shipped heads afterwards on the adapted encoder's features.

The shipped adapter leaves EPITOME's fold 0 (of ``datasets.epitome_folds(pairs, 5, 13)``, the
folds ``train_heads.py`` uses) out of the fine-tuning, so the whole pipeline can be scored on pairs
its encoder never saw (``training/tuning_optimism.py --adapter``); ``--hold-out-fold`` picks
another fold, or ``none``.

Needs the ``train`` extra; about 45 minutes on two CPU cores with AMX (bfloat16), a minute on a
GPU. The same machine gives the same file; bfloat16 rounds differently on other CPUs::

    python training/finetune_encoder.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from export_encoder import FEATURE_LAYERS, PooledEncoder
from rich.console import Console
from rich.progress import Progress
from train_heads import FOLDS, SEED, UNSEEN_FOLD
from transformers import AutoModel, AutoTokenizer

from attunement.nlp import datasets as ds
from attunement.nlp.encoder import ADAPTED, ADAPTER_PATH, MAX_TOKENS, locate_model_dir
from attunement.nlp.tasks import HISTORY_DIM, conversation_text, strategy_history

RANK = 8
ALPHA = 16.0
BATCH = {"empathy": 16, "emotion": 64, "reply": 32, "next": 16}
MECHANISM_WEIGHTS = (1.0, 1.5, 1.0)  # emotional reactions, interpretations, explorations
console = Console(stderr=True)


class LoRALinear(torch.nn.Module):
    """``base(x) + scale * x @ A.T @ B.T`` with ``base`` frozen; ``B`` starts at zero."""

    def __init__(self, base: torch.nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base.requires_grad_(False)
        self.a = torch.nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale


def add_adapters(model: torch.nn.Module, rank: int = RANK, alpha: float = ALPHA) -> dict[str, LoRALinear]:
    """Replace every matrix named in :data:`ADAPTED` with a :class:`LoRALinear`; freeze the rest."""
    model.requires_grad_(False)
    adapters: dict[str, LoRALinear] = {}
    for name, module in list(model.named_modules()):
        if isinstance(module, torch.nn.Linear) and any(name.endswith(suffix) for suffix in ADAPTED):
            parent, _, child = name.rpartition(".")
            adapter = LoRALinear(module, rank, alpha)
            setattr(model.get_submodule(parent), child, adapter)
            adapters[f"{name}.weight"] = adapter
    return adapters


def adapter_arrays(adapters: dict[str, LoRALinear]) -> dict[str, np.ndarray]:
    """The file's contents: ``<weight>.A`` and ``<weight>.B`` (scale folded into B), float16."""
    out: dict[str, np.ndarray] = {}
    for name, adapter in adapters.items():
        out[f"{name}.A"] = adapter.a.detach().float().numpy().astype(np.float16)
        out[f"{name}.B"] = (adapter.b.detach().float() * adapter.scale).numpy().astype(np.float16)
    return out


class Tasks(torch.nn.Module):
    """The encoder and throwaway heads for the three tasks, over the features the shipped heads read."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.pooled = PooledEncoder(encoder)
        width = 384 * FEATURE_LAYERS

        def mlp(inputs: int, outputs: int) -> torch.nn.Module:
            return torch.nn.Sequential(
                torch.nn.Dropout(0.1),
                torch.nn.Linear(inputs, 256),
                torch.nn.ReLU(),
                torch.nn.Linear(256, outputs),
            )

        self.empathy = torch.nn.ModuleList(mlp(2 * width + 384, 3) for _ in ds.MECHANISMS)
        self.emotion = mlp(width, len(ds.EMOTIONS))
        self.strategy = mlp(width, len(ds.STRATEGIES))
        self.next_strategy = mlp(2 * width + HISTORY_DIM, len(ds.STRATEGIES))

    def features(self, ids: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """The features and the embedding of each token sequence, padded to the longest."""
        longest = max(len(x) for x in ids)
        input_ids = torch.tensor([list(x) + [0] * (longest - len(x)) for x in ids])
        embedding, features = self.pooled(input_ids, (input_ids != 0).long())
        return features, embedding

    def empathy_logits(
        self, seekers: Sequence[Sequence[int]], replies: Sequence[Sequence[int]]
    ) -> list[torch.Tensor]:
        fs, es = self.features(seekers)
        fr, er = self.features(replies)
        x = torch.cat([fs, fr, es * er], 1)
        return [head(x) for head in self.empathy]

    def next_strategy_logits(
        self, contexts: Sequence[Sequence[int]], seekers: Sequence[Sequence[int]], history: torch.Tensor
    ) -> torch.Tensor:
        return self.next_strategy(
            torch.cat([self.features(contexts)[0], self.features(seekers)[0], history], 1)
        )


def length_batches(
    lengths: Sequence[int], rows: Sequence[int], size: int, rng: np.random.Generator
) -> list[list[int]]:
    """Shuffled batches of ``rows``, each of similar lengths (sorted within windows of 8 batches)."""
    order = [rows[i] for i in rng.permutation(len(rows))]
    batches = []
    for start in range(0, len(order), size * 8):
        window = sorted(order[start : start + size * 8], key=lambda r: lengths[r])
        batches += [window[i : i + size] for i in range(0, len(window), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def endless(n: int, size: int, rng: np.random.Generator) -> Iterator[list[int]]:
    """Batches of ``range(n)`` forever, a fresh shuffle each pass."""
    while True:
        order = rng.permutation(n)
        for start in range(0, n - size + 1, size):
            yield order[start : start + size].tolist()


def balanced_weights(y: torch.Tensor, n: int) -> torch.Tensor:
    """Inverse class frequencies, as scikit-learn's "balanced" (``train_heads.class_weights`` softens
    them with a square root for the small heads)."""
    counts = torch.bincount(y, minlength=n).float().clamp(min=1)
    return counts.sum() / (n * counts)


def finetune(data: Path, epochs: int, lr: float, hold_out: int | None, bf16: bool) -> dict[str, np.ndarray]:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model_dir = locate_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)

    def tokens(texts: Sequence[str]) -> list[list[int]]:
        return tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]

    pairs = ds.load_epitome(data / "epitome")
    rows = list(range(len(pairs)))
    if hold_out is not None:
        rows = ds.epitome_folds(pairs, FOLDS, SEED)[hold_out][0]
    seekers, replies = tokens([p.seeker_post for p in pairs]), tokens([p.response_post for p in pairs])
    levels = torch.tensor([[p.levels[m] for m in ds.MECHANISMS] for p in pairs])
    comments = ds.load_goemotions(data / "goemotions" / "train.tsv")
    comment_ids = tokens([c.text for c in comments])
    emotions = torch.zeros(len(comments), len(ds.EMOTIONS))
    for i, comment in enumerate(comments):
        emotions[i, list(comment.labels)] = 1.0
    dialogues = ds.load_esconv(data / "esconv" / "train.json")
    turns = ds.reply_strategy_examples(dialogues)
    turn_ids = tokens([t.reply or "" for t in turns])
    strategies = torch.tensor([t.label for t in turns])
    nexts = ds.next_strategy_examples(dialogues)
    context_ids = tokens([conversation_text(e.turns) for e in nexts])
    next_seeker_ids = tokens([e.last_seeker_text for e in nexts])
    histories = torch.tensor(np.stack([strategy_history(e.previous_strategies) for e in nexts]))
    next_labels = torch.tensor([e.label for e in nexts])

    encoder = AutoModel.from_pretrained(model_dir)
    adapters = add_adapters(encoder)
    net = Tasks(encoder)
    empathy_weights = [balanced_weights(levels[rows, k], 3) for k in range(len(ds.MECHANISMS))]
    strategy_weights = balanced_weights(strategies, len(ds.STRATEGIES))
    next_weights = balanced_weights(next_labels, len(ds.STRATEGIES))
    optimiser = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(rows) / BATCH["empathy"])
    total = epochs * steps_per_epoch
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: s / warmup if s < warmup else max(0.0, (total - s) / (total - warmup))
    )
    comment_batches = endless(len(comments), BATCH["emotion"], rng)
    turn_batches = endless(len(turns), BATCH["reply"], rng)
    next_batches = endless(len(nexts), BATCH["next"], rng)
    net.train()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("fine-tuning", total=total)
        for epoch in range(1, epochs + 1):
            started, running = time.perf_counter(), 0.0
            for batch in length_batches([len(s) for s in seekers], rows, BATCH["empathy"], rng):
                comment_batch, turn_batch, next_batch = (
                    next(comment_batches),
                    next(turn_batches),
                    next(next_batches),
                )
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    empathy = net.empathy_logits([seekers[r] for r in batch], [replies[r] for r in batch])
                    emotion = net.emotion(net.features([comment_ids[i] for i in comment_batch])[0])
                    strategy = net.strategy(net.features([turn_ids[i] for i in turn_batch])[0])
                    next_strategy = net.next_strategy_logits(
                        [context_ids[i] for i in next_batch],
                        [next_seeker_ids[i] for i in next_batch],
                        histories[next_batch],
                    )
                loss = sum(
                    MECHANISM_WEIGHTS[k]
                    * torch.nn.functional.cross_entropy(
                        z.float(), levels[batch, k], weight=empathy_weights[k]
                    )
                    for k, z in enumerate(empathy)
                )
                loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                    emotion.float(), emotions[comment_batch], reduction="sum"
                ) / len(comment_batch)
                loss = loss + torch.nn.functional.cross_entropy(
                    strategy.float(), strategies[turn_batch], weight=strategy_weights
                )
                loss = loss + torch.nn.functional.cross_entropy(
                    next_strategy.float(), next_labels[next_batch], weight=next_weights
                )
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                running += loss.item()
                progress.advance(task)
            seconds = time.perf_counter() - started
            console.print(f"epoch {epoch}: mean loss {running / steps_per_epoch:.3f} ({seconds:.0f} s)")
    return adapter_arrays(adapters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="shared data folder")
    parser.add_argument("--epochs", type=int, default=4, help="passes over EPITOME (default 4)")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate of the adapters")
    parser.add_argument(
        "--hold-out-fold",
        default=str(UNSEEN_FOLD),
        choices=[*map(str, range(5)), "none"],
        help=f"the EPITOME fold to leave out (default {UNSEEN_FOLD}, as shipped)",
    )
    parser.add_argument("--fp32", action="store_true", help="train in float32 (bfloat16 is slow without AMX)")
    parser.add_argument(
        "--out", type=Path, default=ADAPTER_PATH, help=f"where to write (default {ADAPTER_PATH})"
    )
    args = parser.parse_args()
    missing = [name for name in ("epitome", "goemotions", "esconv") if not (args.data / name).is_dir()]
    if missing:
        sys.exit(f"No {', '.join(missing)} folder under {args.data}; pass --data with the shared data.")
    hold_out = None if args.hold_out_fold == "none" else int(args.hold_out_fold)
    arrays = finetune(args.data, args.epochs, args.lr, hold_out, bf16=not args.fp32)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    console.print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, {len(arrays) // 2} adapted matrices)"
    )


if __name__ == "__main__":
    main()
