"""Metrics computed on NumPy arrays of model outputs and targets, batch by batch.

Every metric here is a mean over the samples of a batch, so the fit loop can keep an exact
epoch average as a running sum weighted by batch size (the last batch may be smaller):

    accuracy      = (1/N) Σₙ [argmax_k ŷₙₖ = yₙ]                 (class indices or one-hot targets)
    binary        = (1/N) Σₙ [ (ŷₙ > t) = yₙ ]                     (t = 0.5 on probabilities, 0 on logits)
    confusion Cᵢⱼ = #{n : yₙ = i, argmax ŷₙ = j}                   (rows true class, columns predicted)
"""

import numpy as np

from mathdl.autograd.tensor import Tensor


def _array(value):
    return value.array if isinstance(value, Tensor) else np.asarray(value)


def class_targets(output, target):
    """Integer class targets (N, …) from ``target`` given as indices, or as one-hot/probability
    rows of the same shape as ``output`` (then their argmax)."""
    output, target = _array(output), _array(target)
    if target.shape == output.shape and output.ndim >= 2 and output.shape[-1] > 1:
        return target.argmax(axis=-1)
    if target.shape != output.shape[:-1]:
        raise ValueError(
            f"accuracy: targets of shape {target.shape} do not match outputs of shape "
            f"{output.shape}: expected class indices of shape {output.shape[:-1]} or "
            f"one-hot rows of shape {output.shape}"
        )
    return target


def accuracy(output, target):
    """Fraction of samples whose highest-scoring class (output (N, C) scores, logits or
    probabilities) equals the target (N,) class index, or the argmax of a one-hot (N, C) target."""
    output = _array(output)
    if output.ndim < 2:
        raise ValueError(
            f"accuracy: expected outputs of shape (N, C), got {output.shape}; "
            f"use binary_accuracy for one output per sample"
        )
    labels = class_targets(output, target)
    if labels.size == 0:
        return 0.0
    return float(np.count_nonzero(output.argmax(axis=-1) == labels)) / labels.size


def binary_accuracy(output, target, threshold=0.5):
    """Fraction of samples with ``(output > threshold) == target`` for 0/1 targets; use
    ``threshold=0.0`` when the outputs are logits."""
    output, target = _array(output), _array(target)
    if output.shape != target.shape:
        if output.size != target.size:
            raise ValueError(
                f"binary_accuracy: outputs {output.shape} and targets {target.shape} "
                f"hold different numbers of values"
            )
        target = target.reshape(output.shape)
    if output.size == 0:
        return 0.0
    return float(np.count_nonzero((output > threshold) == (target > 0.5))) / output.size


def confusion_matrix(true_labels, predicted_labels, num_classes=None):
    """C (num_classes, num_classes) int64 with C[i, j] = number of samples of true class i
    predicted as class j; labels are integer arrays of equal shape."""
    true_labels = _array(true_labels).astype(np.int64, copy=False).ravel()
    predicted_labels = _array(predicted_labels).astype(np.int64, copy=False).ravel()
    if true_labels.shape != predicted_labels.shape:
        raise ValueError(
            f"confusion_matrix: {true_labels.size} true labels but {predicted_labels.size} predictions"
        )
    if num_classes is None:
        num_classes = int(max(true_labels.max(initial=-1), predicted_labels.max(initial=-1))) + 1
    for name, labels in (("true", true_labels), ("predicted", predicted_labels)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"confusion_matrix: {name} labels must lie in [0, {num_classes}), "
                f"got range [{labels.min()}, {labels.max()}]"
            )
    flat = np.bincount(true_labels * num_classes + predicted_labels, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


METRICS = {"accuracy": accuracy, "acc": accuracy, "binary_accuracy": binary_accuracy}


def get_metric(metric):
    """(name, function) for a metric given by name ('accuracy', 'binary_accuracy'), as a
    callable ``f(output_array, target_array) -> float`` (named after the function), or as a
    ``(name, callable)`` pair."""
    if isinstance(metric, tuple) and len(metric) == 2 and isinstance(metric[0], str) and callable(metric[1]):
        return metric
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    if isinstance(metric, str) and metric in METRICS:
        name = "accuracy" if metric == "acc" else metric
        return name, METRICS[metric]
    raise ValueError(f"unknown metric {metric!r}; known metrics: {sorted(METRICS)} or a callable")
