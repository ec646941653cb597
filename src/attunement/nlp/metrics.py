"""Classification metrics in numpy, with scikit-learn's definitions.

F1 of a class is ``2 TP / (2 TP + FP + FN)``; a class with no true and no predicted
example (so an undefined F1) counts as 0, which is scikit-learn's ``zero_division=0``.
Macro-F1 is the unweighted mean over the classes asked for (``range(n_classes)``,
every label column, or every name in a report), like ``f1_score(..., labels=range(n),
average="macro", zero_division=0)``. Accuracy of a label matrix is the share of rows
predicted exactly (scikit-learn's subset accuracy).

Examples
--------
>>> f1_per_class([0, 0, 1, 2], [0, 1, 1, 1], n_classes=3).round(4).tolist()
[0.6667, 0.5, 0.0]
>>> round(macro_f1([0, 0, 1, 2], [0, 1, 1, 1], 3), 4), accuracy([0, 0, 1, 2], [0, 1, 1, 1])
(0.3889, 0.5)
>>> multilabel_f1_per_label([[1, 0], [1, 1]], [[1, 0], [0, 1]]).round(4).tolist()
[0.6667, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from attunement.errors import InvalidInputError

FloatArray = NDArray[np.float64]
DEFAULT_THRESHOLD_GRID: tuple[float, ...] = tuple(round(0.01 * k, 2) for k in range(1, 100))


class ClassificationReport(TypedDict):
    """What :func:`classification_report` returns; floats rounded to 4 places."""

    macro_f1: float
    accuracy: float
    per_class_f1: dict[str, float]
    support: dict[str, int]


# --- validation ---------------------------------------------------------------------------------


def _class_ids(values: ArrayLike, what: str, n_classes: int | None) -> NDArray[np.int64]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidInputError(f"The {what} must be a flat sequence of class ids, not shape {array.shape}.")
    if array.size and not np.all(np.equal(np.mod(array, 1), 0)):
        raise InvalidInputError(f"The {what} must be whole-number class ids.")
    ids = array.astype(np.int64)
    upper = n_classes if n_classes is not None else np.iinfo(np.int64).max
    if ids.size and (ids.min() < 0 or ids.max() >= upper):
        raise InvalidInputError(f"The {what} hold a class id outside 0 to {upper - 1}.")
    return ids


def _pair(
    y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    truth = _class_ids(y_true, "true labels", n_classes)
    predicted = _class_ids(y_pred, "predicted labels", n_classes)
    if truth.shape != predicted.shape:
        raise InvalidInputError(f"There are {truth.size} true labels but {predicted.size} predictions.")
    if truth.size == 0:
        raise InvalidInputError("There are no labels to score.")
    return truth, predicted


def _indicator(values: ArrayLike, what: str) -> NDArray[np.bool_]:
    array = np.asarray(values)
    if array.ndim != 2:
        raise InvalidInputError(f"The {what} must be an (examples, labels) matrix, not shape {array.shape}.")
    if not np.all((array == 0) | (array == 1)):
        raise InvalidInputError(f"The {what} must hold only 0 and 1.")
    return array.astype(bool)


def _matrix_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    truth = _indicator(y_true, "true label matrix")
    predicted = _indicator(y_pred, "predicted label matrix")
    if truth.shape != predicted.shape:
        raise InvalidInputError(
            f"The true labels have shape {truth.shape} but the predictions {predicted.shape}."
        )
    if truth.shape[0] == 0:
        raise InvalidInputError("There are no labels to score.")
    return truth, predicted


def _f1(tp: NDArray[np.int64], fp: NDArray[np.int64], fn: NDArray[np.int64]) -> FloatArray:
    """``2tp / (2tp + fp + fn)``, 0 where the denominator is 0 (zero_division=0)."""
    denominator = (2 * tp + fp + fn).astype(np.float64)
    out = np.zeros(tp.shape, dtype=np.float64)
    np.divide(2.0 * tp, denominator, out=out, where=denominator > 0)
    return out


# --- single-label -------------------------------------------------------------------------------


def f1_per_class(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> FloatArray:
    """F1 of each class ``0 .. n_classes - 1`` for single-label predictions.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_classes,)``; 0 for a class neither true nor predicted anywhere.

    Raises
    ------
    InvalidInputError
        The inputs differ in length, are empty, or hold an id outside ``0 .. n_classes - 1``.
    """
    truth, predicted = _pair(y_true, y_pred, n_classes)
    tp = np.bincount(truth[truth == predicted], minlength=n_classes)
    fp = np.bincount(predicted, minlength=n_classes) - tp
    fn = np.bincount(truth, minlength=n_classes) - tp
    return _f1(tp, fp, fn)


def macro_f1(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None = None) -> float:
    """Unweighted mean F1 over ``range(n_classes)``, or when None over the classes seen in either input.

    The latter is scikit-learn's ``f1_score(average="macro")`` without ``labels``.

    Raises
    ------
    InvalidInputError
        As :func:`f1_per_class`.
    """
    truth, predicted = _pair(y_true, y_pred, n_classes)
    if n_classes is not None:
        return float(f1_per_class(truth, predicted, n_classes).mean())
    seen = np.union1d(truth, predicted)
    return float(f1_per_class(truth, predicted, int(seen.max()) + 1)[seen].mean())


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Share of examples predicted right; for (n, L) label matrices, share of rows predicted exactly.

    Raises
    ------
    InvalidInputError
        The inputs differ in shape or are empty.
    """
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    if truth.shape != predicted.shape:
        raise InvalidInputError(
            f"The true labels have shape {truth.shape} but the predictions {predicted.shape}."
        )
    if truth.size == 0:
        raise InvalidInputError("There are no labels to score.")
    correct = truth == predicted
    if correct.ndim > 1:
        correct = correct.reshape(len(correct), -1).all(axis=1)
    return float(correct.mean())


# --- multi-label --------------------------------------------------------------------------------


def multilabel_f1_per_label(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    """F1 of each label column of two (n, L) 0/1 matrices.

    Returns
    -------
    numpy.ndarray
        Shape ``(L,)``; 0 for a label neither true nor predicted anywhere.

    Raises
    ------
    InvalidInputError
        The inputs are not 2-D 0/1 matrices of the same shape, or have no rows.
    """
    truth, predicted = _matrix_pair(y_true, y_pred)
    tp = (truth & predicted).sum(axis=0)
    fp = (~truth & predicted).sum(axis=0)
    fn = (truth & ~predicted).sum(axis=0)
    return _f1(tp, fp, fn)


def multilabel_macro_f1(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Unweighted mean of :func:`multilabel_f1_per_label` over all label columns.

    Raises
    ------
    InvalidInputError
        As :func:`multilabel_f1_per_label`.
    """
    return float(multilabel_f1_per_label(y_true, y_pred).mean())


def tune_thresholds(
    probs: ArrayLike, y_true: ArrayLike, grid: Sequence[float] = DEFAULT_THRESHOLD_GRID
) -> FloatArray:
    """Per label, the threshold in ``grid`` whose ``probs >= threshold`` maximizes that label's F1.

    Meant for the dev split. Among thresholds with equal F1 the one nearest 0.5 wins (then the
    lower), so a label without positives keeps 0.5 rather than the lowest threshold.

    Returns
    -------
    numpy.ndarray
        Shape ``(L,)``, values from ``grid``.

    Raises
    ------
    InvalidInputError
        ``probs`` and ``y_true`` are not (n, L) arrays of the same shape, ``y_true`` is not
        0/1, or ``grid`` is empty.

    Examples
    --------
    >>> probs = [[0.9, 0.2], [0.3, 0.6], [0.2, 0.1]]
    >>> tune_thresholds(probs, [[1, 0], [1, 1], [0, 0]], grid=[0.1, 0.25, 0.5]).tolist()
    [0.25, 0.5]
    """
    scores = np.asarray(probs, dtype=np.float64)
    truth = _indicator(y_true, "true label matrix")
    if scores.shape != truth.shape:
        raise InvalidInputError(f"The probabilities have shape {scores.shape} but the labels {truth.shape}.")
    thresholds = np.asarray(grid, dtype=np.float64)
    if thresholds.ndim != 1 or thresholds.size == 0:
        raise InvalidInputError("The threshold grid must be a non-empty list of numbers.")
    f1 = np.empty((thresholds.size, truth.shape[1]))
    for k, threshold in enumerate(thresholds):
        predicted = scores >= threshold
        f1[k] = _f1((truth & predicted).sum(0), (~truth & predicted).sum(0), (truth & ~predicted).sum(0))
    # Order candidates by (distance to 0.5, threshold); the first best F1 in that order wins.
    order = np.lexsort((thresholds, np.abs(thresholds - 0.5)))
    best: FloatArray = thresholds[order[np.argmax(f1[order], axis=0)]]
    return best


# --- reports ------------------------------------------------------------------------------------


def _report(
    f1: FloatArray, support: NDArray[np.int64], acc: float, names: Sequence[str]
) -> ClassificationReport:
    return {
        "macro_f1": round(float(f1.mean()), 4),
        "accuracy": round(acc, 4),
        "per_class_f1": {name: round(float(value), 4) for name, value in zip(names, f1, strict=True)},
        "support": {name: int(count) for name, count in zip(names, support, strict=True)},
    }


def classification_report(y_true: ArrayLike, y_pred: ArrayLike, names: Sequence[str]) -> ClassificationReport:
    """Macro-F1, accuracy, per-class F1 and support (true count), JSON-ready, floats to 4 places.

    Class ``i`` is ``names[i]``; macro-F1 averages over all names. Given two (n, L) 0/1
    matrices it reports per label instead, as :func:`multilabel_report`.

    Raises
    ------
    InvalidInputError
        As :func:`f1_per_class` with ``n_classes=len(names)``, or :func:`multilabel_report`.

    Examples
    --------
    >>> report = classification_report([0, 1, 1], [0, 1, 0], ["no", "yes"])
    >>> report["macro_f1"], report["accuracy"], report["per_class_f1"], report["support"]
    (0.6667, 0.6667, {'no': 0.6667, 'yes': 0.6667}, {'no': 1, 'yes': 2})
    """
    if np.asarray(y_true).ndim == 2:
        return multilabel_report(y_true, y_pred, names)
    truth, predicted = _pair(y_true, y_pred, len(names))
    f1 = f1_per_class(truth, predicted, len(names))
    return _report(f1, np.bincount(truth, minlength=len(names)), accuracy(truth, predicted), names)


def multilabel_report(y_true: ArrayLike, y_pred: ArrayLike, names: Sequence[str]) -> ClassificationReport:
    """:func:`classification_report` for (n, L) 0/1 matrices: per-label F1, subset accuracy.

    Raises
    ------
    InvalidInputError
        The matrices are not 0/1, differ in shape, are empty, or have other than ``len(names)`` columns.
    """
    truth, predicted = _matrix_pair(y_true, y_pred)
    if truth.shape[1] != len(names):
        raise InvalidInputError(f"There are {len(names)} label names but {truth.shape[1]} label columns.")
    f1 = multilabel_f1_per_label(truth, predicted)
    return _report(f1, truth.sum(axis=0), accuracy(truth, predicted), names)


__all__ = [
    "DEFAULT_THRESHOLD_GRID",
    "ClassificationReport",
    "accuracy",
    "classification_report",
    "f1_per_class",
    "macro_f1",
    "multilabel_f1_per_label",
    "multilabel_macro_f1",
    "multilabel_report",
    "tune_thresholds",
]
