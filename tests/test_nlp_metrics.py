"""Metrics against hand-computed values and, where installed, scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attunement.errors import InvalidInputError
from attunement.nlp import metrics


def test_single_label_f1_by_hand() -> None:
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 2, 2]
    # class 0: tp 2, fp 0, fn 1 -> 4/5; class 1: tp 1, fp 1, fn 1 -> 2/4; class 2: tp 1, fp 1, fn 0 -> 2/3
    expected = [0.8, 0.5, 2 / 3]
    assert metrics.f1_per_class(y_true, y_pred, 3) == pytest.approx(expected)
    assert metrics.macro_f1(y_true, y_pred, 3) == pytest.approx(sum(expected) / 3)
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(4 / 6)


def test_a_class_never_true_nor_predicted_scores_zero() -> None:
    # zero_division=0: class 3 has no true and no predicted example.
    f1 = metrics.f1_per_class([0, 1], [0, 1], 4)
    assert f1.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert metrics.macro_f1([0, 1], [0, 1], 4) == 0.5
    # Without n_classes only the classes seen count, as scikit-learn's default.
    assert metrics.macro_f1([0, 2], [0, 2]) == 1.0


def test_multilabel_f1_and_subset_accuracy_by_hand() -> None:
    y_true = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0]])
    # label 0: tp 1, fp 1, fn 1 -> 1/2; label 1: tp 2 -> 1; label 2: nothing -> 0
    assert metrics.multilabel_f1_per_label(y_true, y_pred).tolist() == [0.5, 1.0, 0.0]
    assert metrics.multilabel_macro_f1(y_true, y_pred) == pytest.approx(0.5)
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(1 / 3)


def test_tune_thresholds_picks_each_labels_best_and_prefers_one_half_on_ties() -> None:
    probs = np.array([[0.9, 0.2, 0.7], [0.3, 0.6, 0.8], [0.2, 0.1, 0.6], [0.05, 0.55, 0.9]])
    y_true = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0]])
    thresholds = metrics.tune_thresholds(probs, y_true, grid=[0.1, 0.25, 0.5, 0.58, 0.75])
    # label 0: only 0.25 separates (F1 1); label 1: 0.25 and 0.5 both give 1, 0.5 is nearer one half;
    # label 2 has no positives, so every threshold scores 0 and 0.5 is kept.
    assert thresholds.tolist() == [0.25, 0.5, 0.5]
    predicted = (probs >= thresholds).astype(int)
    assert metrics.multilabel_f1_per_label(y_true, predicted)[:2].tolist() == [1.0, 1.0]
    assert len(metrics.tune_thresholds(probs, y_true)) == 3


def test_report_is_json_ready_and_rounded() -> None:
    report = metrics.classification_report([0, 0, 1, 2], [0, 1, 1, 1], ["a", "b", "c"])
    assert report == {
        "macro_f1": 0.3889,
        "accuracy": 0.5,
        "per_class_f1": {"a": 0.6667, "b": 0.5, "c": 0.0},
        "support": {"a": 2, "b": 1, "c": 1},
    }
    assert json.loads(json.dumps(report)) == report
    multi = metrics.classification_report(np.eye(3), np.eye(3)[[0, 2, 1]], ["x", "y", "z"])
    assert multi == metrics.multilabel_report(np.eye(3), np.eye(3)[[0, 2, 1]], ["x", "y", "z"])
    assert multi["per_class_f1"] == {"x": 1.0, "y": 0.0, "z": 0.0} and multi["support"]["y"] == 1
    assert json.dumps(multi)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: metrics.f1_per_class([0, 1], [0], 2), "2 true labels but 1"),
        (lambda: metrics.f1_per_class([0, 3], [0, 1], 3), "outside 0 to 2"),
        (lambda: metrics.macro_f1([], [], 2), "no labels"),
        (lambda: metrics.multilabel_f1_per_label([[0, 2]], [[0, 1]]), "only 0 and 1"),
        (lambda: metrics.multilabel_report([[0, 1]], [[0, 1]], ["a"]), "1 label names but 2"),
        (lambda: metrics.tune_thresholds([[0.5]], [[1]], grid=[]), "non-empty"),
    ],
)
def test_bad_inputs_raise_invalid_input(call: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()  # type: ignore[operator]


def test_matches_scikit_learn_on_random_inputs() -> None:
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for trial in range(20):
        n_classes = int(rng.integers(2, 9))
        y_true = rng.integers(0, n_classes - (trial % 2), size=int(rng.integers(1, 60)))
        y_pred = rng.integers(0, n_classes, size=y_true.size)
        labels = list(range(n_classes))
        assert metrics.f1_per_class(y_true, y_pred, n_classes) == pytest.approx(
            sk.f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
        )
        assert metrics.macro_f1(y_true, y_pred, n_classes) == pytest.approx(
            sk.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        )
        assert metrics.macro_f1(y_true, y_pred) == pytest.approx(
            sk.f1_score(y_true, y_pred, average="macro", zero_division=0)
        )
        assert metrics.accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(y_true, y_pred))

        matrix_true = (rng.random((int(rng.integers(1, 40)), 6)) < 0.2).astype(int)
        matrix_pred = (rng.random(matrix_true.shape) < 0.2).astype(int)
        assert metrics.multilabel_f1_per_label(matrix_true, matrix_pred) == pytest.approx(
            sk.f1_score(matrix_true, matrix_pred, average=None, zero_division=0)
        )
        assert metrics.multilabel_macro_f1(matrix_true, matrix_pred) == pytest.approx(
            sk.f1_score(matrix_true, matrix_pred, average="macro", zero_division=0)
        )
        assert metrics.accuracy(matrix_true, matrix_pred) == pytest.approx(
            sk.accuracy_score(matrix_true, matrix_pred)
        )
