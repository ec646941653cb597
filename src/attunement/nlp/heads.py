"""Small classification heads over the encoder's features, run in numpy.

A head is a multi-layer perceptron stored as one ``.npz`` file under
``models/``: float16 weights ``w0, b0, w1, b1, ...`` and a JSON ``meta`` entry
(task, labels, output groups, thresholds, training data and dev metrics).
``training/train_heads.py`` writes them; each has a model card beside it.

Examples
--------
>>> import numpy as np
>>> head = Head("demo", [np.eye(2, dtype=np.float32)], [np.zeros(2, np.float32)], {"labels": ["a", "b"]})
>>> head.logits(np.array([[0.0, 3.0]], dtype=np.float32)).round(1).tolist()
[[0.0, 3.0]]
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from attunement.errors import ModelError

MODELS_DIR = Path(__file__).parent / "models"
REBUILD = "python training/train_heads.py"


class Head:
    """A ReLU multi-layer perceptron on standardised input.

    ``logits = W_k relu(... relu(((x - shift) / scale) W_0 + b_0) ...) + b_k``
    """

    def __init__(
        self,
        name: str,
        weights: list[NDArray[np.float32]],
        biases: list[NDArray[np.float32]],
        meta: dict[str, Any],
        shift: NDArray[np.float32] | None = None,
        scale: NDArray[np.float32] | None = None,
    ) -> None:
        if len(weights) != len(biases) or not weights:
            raise ValueError("A head needs one bias per weight matrix.")
        self.name = name
        self.weights = weights
        self.biases = biases
        self.meta = meta
        dim = weights[0].shape[0]
        self.shift = np.zeros(dim, np.float32) if shift is None else shift.astype(np.float32)
        self.scale = np.ones(dim, np.float32) if scale is None else scale.astype(np.float32)

    @property
    def input_dim(self) -> int:
        """Length of the feature vector the head expects."""
        return int(self.weights[0].shape[0])

    def logits(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """Raw scores, one row per input row."""
        h = (x.astype(np.float32, copy=False) - self.shift) / self.scale
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if i < last:
                np.maximum(h, 0.0, out=h)
        return h

    def save(self, path: Path) -> None:
        """Write the head as float16 arrays plus its metadata."""
        arrays: dict[str, Any] = {
            "meta": np.frombuffer(json.dumps(self.meta).encode(), dtype=np.uint8),
            "shift": self.shift,
            "scale": self.scale,
        }
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            arrays[f"w{i}"], arrays[f"b{i}"] = w.astype(np.float16), b.astype(np.float16)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, name: str, directory: Path = MODELS_DIR) -> Head:
        """Load ``<directory>/<name>.npz``; raises :class:`ModelError` naming the file and the fix."""
        path = directory / f"{name}.npz"
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                count = sum(1 for key in data.files if key.startswith("w"))
                weights = [data[f"w{i}"].astype(np.float32) for i in range(count)]
                biases = [data[f"b{i}"].astype(np.float32) for i in range(count)]
                shift, scale = data["shift"], data["scale"]
        except FileNotFoundError:
            raise ModelError(f"The model file {path} is missing; rebuild it with: {REBUILD}.") from None
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, UnicodeDecodeError):
            raise ModelError(f"The model file {path} is damaged; rebuild it with: {REBUILD}.") from None
        for i in range(1, count):
            if weights[i].shape[0] != weights[i - 1].shape[1]:
                raise ModelError(f"The model file {path} is damaged; rebuild it with: {REBUILD}.")
        if shift.shape != (weights[0].shape[0],) or scale.shape != shift.shape:
            raise ModelError(f"The model file {path} is damaged; rebuild it with: {REBUILD}.")
        return cls(name, weights, biases, meta, shift, scale)


def sigmoid(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Element-wise logistic function."""
    return (1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))).astype(np.float32)


def softmax(x: NDArray[np.float32], axis: int = -1) -> NDArray[np.float32]:
    """Probabilities along ``axis``."""
    z: NDArray[np.float32] = np.exp(x - x.max(axis=axis, keepdims=True)).astype(np.float32)
    out: NDArray[np.float32] = z / z.sum(axis=axis, keepdims=True)
    return out
