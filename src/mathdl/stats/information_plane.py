"""Mutual information between a layer's activations T, the input X and the label Y: the
coordinates (I(X;T), I(T;Y)) of the information plane (Shwartz-Ziv & Tishby, 2017; Saxe et
al., 2018). A deterministic network makes I(X;T) infinite or log n for continuous T, so each
estimator first makes T discrete or noisy; what they measure is the geometry of that choice.

Binning (Shwartz-Ziv & Tishby). Each unit's activations are cut into ``bins`` equal-width bins over
the unit's range [min, max] over the n samples (or over a common ``range``, or into bins of a fixed
``bin_width`` as Saxe et al.); a sample's row of bin indices is its discrete T. With X the sample's identity (uniform over the n samples, T a function
of X):

    I(X;T) = H(T) − H(T|X) = H(T) = −Σ_t p(t) log p(t),            p(t) = #{i : T_i = t} / n
    I(T;Y) = H(T) + H(Y) − H(T, Y)

KDE (Kolchinsky & Tracey, 2017; Saxe et al., 2018). T = h(X) + ε, ε ~ N(0, σ² I_d), a mixture of n
Gaussians. With D_ij = ‖h_i − h_j‖² (one GEMM: ‖h_i‖² + ‖h_j‖² − 2 h_i·h_j),

    I(X;T) ≤ −(1/n) Σ_i log (1/n) Σ_j exp(−D_ij / (2σ²))        (pairwise-KL upper bound on H(T),
                                                                   minus H(T|X) = (d/2) log 2πeσ²)
    I(X;T) ≥ −(1/n) Σ_i log (1/n) Σ_j exp(−D_ij / (8σ²))        (Bhattacharyya lower bound)
    I(T;Y) ≈ Ĥ(T) − Σ_y p(y) Ĥ(T | Y = y)                        (the same bound within each class)

Both are in nats unless ``base`` is given (``base=2``: bits), as the rest of ``mathdl.stats``.
"""

import math

import numpy as np

MAX_PACKED_BITS = 62


def _as_float_matrix(activations, op):
    array = np.asarray(getattr(activations, "array", activations))
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: activations must be numbers, got dtype {array.dtype}")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"{op}: activations must have shape (n, d) with n > 0, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{op}: activations must be finite")
    return array.astype(np.float64, copy=False)


def _as_label_ids(labels, n, op):
    labels = np.asarray(getattr(labels, "array", labels))
    if labels.ndim == 2:  # one-hot or probabilities: the class is the argmax
        labels = np.argmax(labels, axis=1)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"{op}: labels must have shape ({n},) or ({n}, classes), got {labels.shape}")
    return np.unique(labels, return_inverse=True)[1].reshape(-1)


def _in_base(value, base):
    if base is None:
        return float(value)
    if not (isinstance(base, (int, float)) and base > 0 and base != 1):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    return float(value) / math.log(base)


def _entropy_of_counts(counts):
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def bin_activations(activations, bins=30, range=None, bin_width=None):
    """Per-unit bin indices (n, d) int64 and the number of index values they use.

    Default: ⌊(a − lo)/(hi − lo) · bins⌋ clipped to [0, bins − 1], with [lo, hi] each unit's range
    over the samples (or the common ``range``); a constant unit is bin 0. With ``bin_width`` w the
    bins are [k w, (k + 1) w) for every integer k (no fixed count: Saxe et al.'s binning), shifted so
    the smallest index used is 0.
    """
    a = _as_float_matrix(activations, "bin_activations")
    if bin_width is not None:
        if isinstance(bin_width, bool) or not bin_width > 0:
            raise ValueError(f"bin_activations: bin_width must be positive, got {bin_width!r}")
        index = np.floor(a / bin_width).astype(np.int64)
        index -= index.min()
        return index, int(index.max()) + 1
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bin_activations: bins must be a positive integer, got {bins!r}")
    if range is None:
        low, high = a.min(axis=0), a.max(axis=0)
    else:
        low, high = (np.full(a.shape[1], float(v)) for v in range)
        if not high[0] > low[0]:
            raise ValueError(f"bin_activations: range must be (low, high) with low < high, got {range!r}")
    width = np.where(high > low, high - low, 1.0)
    index = np.floor((a - low) / width * bins)
    return np.clip(index, 0, bins - 1).astype(np.int64), int(bins)


def pattern_ids(codes, levels):
    """One integer per row of ``codes`` (n, d) with entries in [0, levels): equal rows get equal ids
    (ids are 0 … k−1 for the k distinct rows). Rows are packed into one int64 in base ``levels``
    when d·log2(levels) fits in 62 bits, else viewed as one opaque byte string each."""
    codes = np.ascontiguousarray(codes)
    n, d = codes.shape
    if d * math.log2(max(levels, 2)) <= MAX_PACKED_BITS:
        packed = codes @ (levels ** np.arange(d, dtype=np.int64))
    else:
        small = codes.astype(np.uint8 if levels <= 256 else np.int64)
        packed = np.ascontiguousarray(small).view(np.dtype((np.void, small.itemsize * d))).reshape(n)
    return np.unique(packed, return_inverse=True)[1].reshape(-1)


def mutual_information_binned(activations, labels, bins=30, range=None, base=None, bin_width=None):
    """(I(X;T), I(T;Y)) of the binned activations (see the module docstring).

    activations: (n, d) one row per sample (a layer's outputs on the whole data set); labels: (n,)
    classes or (n, k) one-hot. ``bins`` equal-width bins per unit over its range (or ``range``), or
    bins of a fixed ``bin_width`` (see ``bin_activations``).
    Returns two floats in nats (``base=2``: bits); I(X;T) ≤ log n and I(T;Y) ≤ H(Y).

    >>> i_xt, i_ty = mutual_information_binned(np.tanh(np.random.randn(4096, 3)), np.arange(4096) % 2, base=2)
    """
    codes, levels = bin_activations(activations, bins, range, bin_width)
    y = _as_label_ids(labels, codes.shape[0], "mutual_information_binned")
    t = pattern_ids(codes, levels)
    classes = int(y.max()) + 1
    h_t = _entropy_of_counts(np.bincount(t))
    h_y = _entropy_of_counts(np.bincount(y))
    h_ty = _entropy_of_counts(np.unique(t * classes + y, return_counts=True)[1])
    return _in_base(h_t, base), _in_base(max(h_t + h_y - h_ty, 0.0), base)


def pairwise_squared_distances(a, b=None):
    """D_ij = ‖a_i − b_j‖² (n, m) = ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j (one GEMM), clipped at 0 (b = a if None)."""
    b = a if b is None else b
    distances = np.einsum("ij,ij->i", a, a)[:, None] + np.einsum("ij,ij->i", b, b)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(distances, 0.0, out=distances)


def _mixture_information(points, scale, block=1024):
    """−(1/n) Σ_i log (1/n) Σ_j exp(−D_ij / scale) by a stable log-sum-exp, over blocks of rows
    (so the n × n distances are never held at once)."""
    n = points.shape[0]
    total = 0.0
    for start in range(0, n, block):
        exponent = pairwise_squared_distances(points[start : start + block], points) / -scale
        top = exponent.max(axis=1, keepdims=True)
        total += float((top[:, 0] + np.log(np.exp(exponent - top).sum(axis=1))).sum())
    return math.log(n) - total / n


def mutual_information_kde(activations, labels, noise_variance=1e-1, bound="upper", base=None):
    """(I(X;T), I(T;Y)) for T = h + ε, ε ~ N(0, σ² I) with σ² = ``noise_variance``, by the pairwise
    mixture bounds (see the module docstring): ``bound='upper'`` (KL, Kolchinsky & Tracey's upper
    bound, as Saxe et al. plot) or 'lower' (Bhattacharyya). activations (n, d), labels (n,) or
    (n, k). Two floats in nats (``base=2``: bits); O(n² d) time, distances in blocks of rows."""
    if bound not in ("upper", "lower"):
        raise ValueError(f"mutual_information_kde: bound must be 'upper' or 'lower', got {bound!r}")
    if isinstance(noise_variance, bool) or not noise_variance > 0:
        raise ValueError(f"mutual_information_kde: noise_variance must be positive, got {noise_variance!r}")
    h = _as_float_matrix(activations, "mutual_information_kde")
    y = _as_label_ids(labels, h.shape[0], "mutual_information_kde")
    scale = (2.0 if bound == "upper" else 8.0) * noise_variance
    # H(T) − H(T|X): the Gaussian's (d/2) log 2πeσ² cancels between the mixture bound and H(T|X)
    i_xt = _mixture_information(h, scale)
    conditional = 0.0
    for label in range(int(y.max()) + 1):
        members = h[y == label]
        conditional += members.shape[0] / h.shape[0] * _mixture_information(members, scale)
    # Ĥ(T) − Σ_y p(y) Ĥ(T|y): the additive constant of the bound cancels here too
    # (not clipped at 0: a difference of two bounds is an estimate, not a bound)
    return _in_base(i_xt, base), _in_base(i_xt - conditional, base)
