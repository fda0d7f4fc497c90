"""Metrics computed on NumPy arrays of model outputs and targets, batch by batch.

Every metric here is a mean over the samples of a batch, so the fit loop can keep an exact
epoch average as a running sum weighted by batch size (the last batch may be smaller):

    accuracy      = (1/N) Σₙ [argmax_k ŷₙₖ = yₙ]                 (class indices or one-hot targets)
    binary        = (1/N) Σₙ [ (ŷₙ > t) = yₙ ]                     (t = 0.5 on probabilities, 0 on logits)
    confusion Cᵢⱼ = #{n : yₙ = i, argmax ŷₙ = j}                   (rows true class, columns predicted)
"""

import collections
import math

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


# ----- sequences ----------------------------------------------------------------------------------
def _ngrams(tokens, n):
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(references, hypotheses, max_n=4):
    """Corpus BLEU (Papineni et al. 2002) with one reference per hypothesis (token sequences).

    BLEU = BP · exp((1/N) Σ_n log p_n), p_n = Σ clipped n-gram matches / Σ hypothesis n-grams,
    BP = min(1, exp(1 − r/c)) with r and c the total reference and hypothesis lengths. 0 when some
    p_n is 0 (no smoothing), as in the original definition.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"corpus_bleu: {len(references)} references for {len(hypotheses)} hypotheses")
    matches, totals = [0] * max_n, [0] * max_n
    ref_length = hyp_length = 0
    for reference, hypothesis in zip(references, hypotheses):
        reference, hypothesis = list(reference), list(hypothesis)
        ref_length += len(reference)
        hyp_length += len(hypothesis)
        for n in range(1, max_n + 1):
            ref_counts, hyp_counts = _ngrams(reference, n), _ngrams(hypothesis, n)
            matches[n - 1] += sum(min(count, ref_counts[gram]) for gram, count in hyp_counts.items())
            totals[n - 1] += max(len(hypothesis) - n + 1, 0)
    if hyp_length == 0 or min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n
    brevity = 1.0 if hyp_length > ref_length else math.exp(1 - ref_length / hyp_length)
    return brevity * math.exp(log_precision)


# ----- judging generated samples -------------------------------------------------------------------
def judge_samples(probabilities, threshold=0.5):
    """Summaries of a classifier's softmax outputs p(y | x) (N, K) on generated images:

    * ``confident_share``: the share of samples whose top class has p ≥ ``threshold`` (a
      recognisable object of some class);
    * ``coverage``: how many of the K classes are the top class of at least one confident sample;
    * ``class_distribution``: the frequencies of the argmax labels;
    * ``mean_confidence``: mean of max_y p(y|x);
    * ``score``: exp(E_x KL(p(y|x) ‖ p(y))) (Inception-score style: 1 useless … K confident and
      covering every class evenly).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"judge_samples: expected (N, K) class probabilities, got shape {p.shape}")
    labels = p.argmax(axis=1)
    confident = p.max(axis=1) >= threshold
    marginal = p.mean(axis=0)
    kl = (p * (np.log(np.clip(p, 1e-12, None)) - np.log(np.clip(marginal, 1e-12, None)))).sum(axis=1)
    return {
        "confident_share": float(confident.mean()),
        "coverage": int(np.unique(labels[confident]).size),
        "class_distribution": np.bincount(labels, minlength=p.shape[1]) / len(p),
        "mean_confidence": float(p.max(axis=1).mean()),
        "score": float(np.exp(kl.mean())),
    }
