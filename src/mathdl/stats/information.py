"""Information theory on discrete distributions given as probability arrays (or Tensors).

    self-information  I(x) = −log p(x)
    entropy           H(X) = −Σₓ p(x) log p(x)
    joint entropy     H(X, Y) = −Σₓᵧ p(x, y) log p(x, y)
    conditional       H(Y | X) = −Σₓᵧ p(x, y) log p(y | x),   p(y | x) = p(x, y) / p(x)   (rows = X)
    cross-entropy     H(p, q) = −Σₓ p(x) log q(x)
    KL divergence     D(p ‖ q) = Σₓ p(x) log(p(x) / q(x)) = H(p, q) − H(p)
    mutual info       I(X; Y) = Σₓᵧ p(x, y) log(p(x, y) / (p(x) p(y)))

with 0 log 0 = 0. Logarithms are natural (nats) unless ``base`` is given (``base=2`` gives bits:
every quantity is divided by log base). Each function computes its own formula (not the others),
so the chain rule H(X, Y) = H(X) + H(Y | X) and I(X; Y) = H(X) − H(X | Y) are real checks.
Arrays must be non-negative and sum to 1 (along ``axis`` for the one-variable functions);
results are Tensors, differentiable in the probabilities.
"""

import math

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.ops import log, where
from mathdl.stats.distribution import Distribution, xlogy


def _probabilities(p, name, op, axis=None):
    if isinstance(p, Distribution):
        raise TypeError(f"{op}: expected a probability array, got a {type(p).__name__} distribution")
    tensor = (
        p
        if isinstance(p, Tensor)
        else Tensor(np.asarray(p, dtype=np.float64) if np.asarray(p).dtype.kind in "biu" else np.asarray(p))
    )
    if tensor.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating array of probabilities, got dtype {tensor.dtype}")
    data = tensor.array
    if data.size == 0:
        raise ValueError(f"{op}: {name} is empty")
    if np.any(~np.isfinite(data)) or np.any(data < 0):
        raise ValueError(f"{op}: {name} must hold non-negative finite probabilities, got {data}")
    total = data.sum(axis=axis)
    tolerance = 1e-6 if data.dtype == np.float64 else 1e-4
    if np.any(np.abs(total - 1.0) > tolerance):
        where_ = "" if axis is None else f" along axis {axis}"
        raise ValueError(f"{op}: {name} must sum to 1{where_}, got sums {total}")
    return tensor


def _in_base(value, base):
    if base is None:
        return value
    if not (isinstance(base, (int, float)) and base > 0 and base != 1):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    return value / math.log(base)


def _safe_log(q, p_data):
    """log q where p > 0 (−∞ where q = 0 there), 0 where p = 0, differentiable in q."""
    q_data = np.broadcast_to(q.array, np.broadcast_shapes(q.shape, p_data.shape))
    used = p_data > 0
    safe = where(used & (q_data > 0), q, 1.0)
    return where(used & (q_data == 0), -np.inf, log(safe))


def self_information(p, base=None):
    """I = −log p elementwise for probabilities p ∈ [0, 1] (∞ at p = 0)."""
    tensor = p if isinstance(p, Tensor) else Tensor(np.asarray(p, dtype=np.float64))
    if np.any(tensor.array < 0) or np.any(tensor.array > 1):
        raise ValueError(f"self_information: probabilities must lie in [0, 1], got {tensor.array}")
    positive = tensor.array > 0
    return _in_base(where(positive, -log(where(positive, tensor, 1.0)), np.inf), base)


def entropy(p, base=None, axis=-1):
    """H(p) = −Σ p log p along ``axis`` (a pmf of shape (..., K) gives shape (...,))."""
    p = _probabilities(p, "p", "entropy", axis)
    return _in_base(-xlogy(p, p).sum(axis=axis), base)


def joint_entropy(p_xy, base=None):
    """H(X, Y) = −Σ p(x, y) log p(x, y) over a joint table p_xy of any shape (summing to 1)."""
    p_xy = _probabilities(p_xy, "p_xy", "joint_entropy")
    return _in_base(-xlogy(p_xy, p_xy).sum(), base)


def _joint_table(p_xy, op):
    p_xy = _probabilities(p_xy, "p_xy", op)
    if p_xy.ndim != 2:
        raise ValueError(
            f"{op}: p_xy must be a 2-D joint table (rows = X, columns = Y), got shape {p_xy.shape}"
        )
    return p_xy


def conditional_entropy(p_xy, base=None):
    """H(Y | X) = −Σ p(x, y) log(p(x, y) / p(x)) for a joint table with rows = X, columns = Y."""
    p_xy = _joint_table(p_xy, "conditional_entropy")
    p_x = p_xy.sum(axis=1, keepdims=True)
    used = p_xy.array > 0
    ratio = where(used, p_xy, 1.0) / where(np.broadcast_to(p_x.array, used.shape) > 0, p_x, 1.0)
    return _in_base(-where(used, p_xy * log(ratio), 0.0).sum(), base)


def mutual_information(p_xy, base=None):
    """I(X; Y) = Σ p(x, y) log(p(x, y) / (p(x) p(y))) for a joint table (rows = X, columns = Y)."""
    p_xy = _joint_table(p_xy, "mutual_information")
    p_x = p_xy.sum(axis=1, keepdims=True)
    p_y = p_xy.sum(axis=0, keepdims=True)
    used = p_xy.array > 0
    product = p_x * p_y
    ratio = where(used, p_xy, 1.0) / where(used, product, 1.0)
    return _in_base(where(used, p_xy * log(ratio), 0.0).sum(), base)


def cross_entropy(p, q, base=None, axis=-1):
    """H(p, q) = −Σ p log q along ``axis`` (∞ where q = 0 but p > 0)."""
    p = _probabilities(p, "p", "cross_entropy", axis)
    q = _probabilities(q, "q", "cross_entropy", axis)
    _same_shape(p, q, "cross_entropy")
    return _in_base(-(p * _safe_log(q, p.array)).sum(axis=axis), base)


def kl_divergence(p, q, base=None, axis=-1):
    """D(p ‖ q) = Σ p log(p/q) along ``axis`` for probability arrays (∞ where q = 0 < p),
    or the closed form for two distributions of the same family (see ``mathdl.stats.kl``)."""
    if isinstance(p, Distribution) or isinstance(q, Distribution):
        from mathdl.stats.kl import kl_divergence_distributions

        return _in_base(kl_divergence_distributions(p, q), base)
    p = _probabilities(p, "p", "kl_divergence", axis)
    q = _probabilities(q, "q", "kl_divergence", axis)
    _same_shape(p, q, "kl_divergence")
    return _in_base((xlogy(p, p) - p * _safe_log(q, p.array)).sum(axis=axis), base)


def _same_shape(p, q, op):
    if p.shape != q.shape:
        raise ValueError(f"{op}: p and q must have the same shape, got {p.shape} and {q.shape}")
