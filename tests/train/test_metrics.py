import numpy as np
import pytest

from mathdl import tensor
from mathdl.train.metrics import accuracy, binary_accuracy, confusion_matrix, get_metric


def test_accuracy_counts_argmax_hits_with_index_and_one_hot_targets():
    scores = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    labels = np.array([0, 1, 1, 2])
    assert accuracy(scores, labels) == 0.5
    assert accuracy(tensor(scores), tensor(labels)) == 0.5
    assert accuracy(scores, np.eye(3)[labels]) == 0.5


def test_accuracy_rejects_mismatched_targets_with_shapes_in_message():
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        accuracy(np.zeros((4, 3)), np.zeros((5,), dtype=int))
    with pytest.raises(ValueError, match="binary_accuracy"):
        accuracy(np.zeros(4), np.zeros(4))


def test_binary_accuracy_thresholds_probabilities_and_logits():
    probabilities = np.array([[0.9], [0.2], [0.6], [0.4]])
    targets = np.array([1, 0, 0, 0])
    assert binary_accuracy(probabilities, targets) == 0.75
    assert binary_accuracy(np.log(probabilities / (1 - probabilities)), targets, threshold=0.0) == 0.75


def test_confusion_matrix_matches_counting_by_hand(rng):
    true = rng.integers(0, 4, 200)
    predicted = rng.integers(0, 4, 200)
    matrix = confusion_matrix(true, predicted, 4)
    expected = np.zeros((4, 4), dtype=np.int64)
    for t, p in zip(true, predicted):
        expected[t, p] += 1
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.sum() == 200 and np.trace(matrix) == np.sum(true == predicted)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        confusion_matrix([0, 3], [0, 1], 3)


def test_get_metric_resolves_names_callables_and_rejects_unknown():
    assert get_metric("acc") == ("accuracy", accuracy)
    assert get_metric(binary_accuracy)[0] == "binary_accuracy"
    with pytest.raises(ValueError, match="known metrics"):
        get_metric("f1")
