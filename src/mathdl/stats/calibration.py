"""Calibration of a classifier's probabilities (Guo, Pleiss, Sun & Weinberger, 2017).

For n predictions with top-label confidence p̂_i = max_k p_ik and prediction ŷ_i = argmax_k p_ik,
cut (0, 1] into M equal-width bins I_m = ((m − 1)/M, m/M] and let B_m = {i : p̂_i ∈ I_m}:

    acc(B_m)  = (1/|B_m|) Σ_{i∈B_m} 1[ŷ_i = y_i]          conf(B_m) = (1/|B_m|) Σ_{i∈B_m} p̂_i
    ECE       = Σ_m (|B_m| / n) |acc(B_m) − conf(B_m)|      (expected calibration error)
    MCE       = max_m |acc(B_m) − conf(B_m)|                (maximum calibration error, over non-empty bins)

A reliability diagram draws acc(B_m) against the bin (the diagonal is perfect calibration).
"""

import numpy as np


def _predictions(probabilities, labels, n_bins, op):
    p = np.asarray(getattr(probabilities, "array", probabilities), dtype=np.float64)
    if p.ndim == 1:  # binary: the probability of class 1
        p = np.stack([1.0 - p, p], axis=1)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(f"{op}: probabilities must have shape (n, classes) or (n,), got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"{op}: probabilities must lie in [0, 1]")
    y = np.asarray(getattr(labels, "array", labels))
    if y.shape != (p.shape[0],) or y.dtype.kind not in "iub":
        raise ValueError(
            f"{op}: labels must be integer classes of shape ({p.shape[0]},), got {y.shape} {y.dtype}"
        )
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"{op}: n_bins must be a positive integer, got {n_bins!r}")
    return p.max(axis=1), (p.argmax(axis=1) == y).astype(np.float64)


def reliability_diagram(probabilities, labels, n_bins=15):
    """Per-bin data of a reliability diagram: ``{'edges' (M+1,), 'confidence' (M,), 'accuracy'
    (M,), 'counts' (M,)}``; empty bins have NaN confidence and accuracy."""
    confidence, correct = _predictions(probabilities, labels, n_bins, "reliability_diagram")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin m holds ((m−1)/M, m/M]: ceil(p M) − 1, with p = 0 put in the first bin
    index = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        accuracy = np.bincount(index, weights=correct, minlength=n_bins) / counts
    return {"edges": edges, "confidence": mean_confidence, "accuracy": accuracy, "counts": counts}


def expected_calibration_error(probabilities, labels, n_bins=15):
    """ECE = Σ_m (|B_m|/n) |acc(B_m) − conf(B_m)| over ``n_bins`` equal-width confidence bins.

    probabilities: (n, classes) (rows of a softmax) or (n,) for P(class 1); labels: (n,) ints.

    >>> expected_calibration_error([[0.9, 0.1], [0.2, 0.8]], [0, 0], n_bins=10)   # (0.1 + 0.8)/2
    0.45
    """
    diagram = reliability_diagram(probabilities, labels, n_bins)
    used = diagram["counts"] > 0
    gaps = np.abs(diagram["accuracy"][used] - diagram["confidence"][used])
    return float(np.sum(diagram["counts"][used] * gaps) / diagram["counts"].sum())


def maximum_calibration_error(probabilities, labels, n_bins=15):
    """MCE = max_m |acc(B_m) − conf(B_m)| over the non-empty bins."""
    diagram = reliability_diagram(probabilities, labels, n_bins)
    used = diagram["counts"] > 0
    return float(np.max(np.abs(diagram["accuracy"][used] - diagram["confidence"][used])))
