"""Sample moments, covariance and correlation matrices (differentiable; Tensors or arrays in).

mean        x̄ = (1/n) Σᵢ xᵢ
moment      m_k = (1/n) Σᵢ (xᵢ − x̄)^k            (central; ``central=False`` gives (1/n) Σ xᵢ^k)
variance    s² = Σᵢ (xᵢ − x̄)² / (n − c)           (c = ``correction``: 1 unbiased, 0 population)
skewness    g₁ = m₃ / m₂^(3/2)                      (SciPy's biased default)
kurtosis    g₂ = m₄ / m₂² − 3                        (excess, Fisher's definition, as SciPy)
covariance  C = (X − x̄)ᵀ (X − x̄) / (n − c)        (variables in rows when ``rowvar``, as NumPy)
correlation Rᵢⱼ = Cᵢⱼ / √(Cᵢᵢ Cⱼⱼ)
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.ops import sqrt, transpose


def _data(x, op, min_ndim=1):
    tensor = (
        x
        if isinstance(x, Tensor)
        else Tensor(np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind in "biu" else np.asarray(x))
    )
    if tensor.dtype.kind != "f":
        raise TypeError(f"{op}: expected real numbers, got dtype {tensor.dtype}")
    if tensor.ndim < min_ndim or tensor.numel() == 0:
        raise ValueError(
            f"{op}: expected a non-empty array with at least {min_ndim} dimension(s), "
            f"got shape {tensor.shape}"
        )
    return tensor


def sample_mean(x, axis=0):
    """x̄ along ``axis`` (default 0: one row per observation)."""
    return _data(x, "sample_mean").mean(axis=axis)


def sample_variance(x, axis=0, correction=1):
    """s² = Σ (xᵢ − x̄)² / (n − correction) along ``axis``."""
    x = _data(x, "sample_variance")
    if x.shape[axis] - correction <= 0:
        raise ValueError(f"sample_variance: need more than {correction} observations, got {x.shape[axis]}")
    return x.var(axis=axis, correction=correction)


def moment(x, order, axis=0, central=True):
    """The k-th sample moment (1/n) Σ (xᵢ − x̄)^k (or of xᵢ^k when ``central=False``)."""
    x = _data(x, "moment")
    if not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"moment: order must be a non-negative integer, got {order!r}")
    centred = x - x.mean(axis=axis, keepdims=True) if central else x
    return (centred ** int(order)).mean(axis=axis)


def skewness(x, axis=0):
    """g₁ = m₃ / m₂^(3/2) (biased, as ``scipy.stats.skew``)."""
    m2 = moment(x, 2, axis)
    return moment(x, 3, axis) / (m2 * sqrt(m2))


def kurtosis(x, axis=0, fisher=True):
    """m₄ / m₂² (− 3 when ``fisher``: the excess kurtosis, 0 for a normal), as ``scipy.stats.kurtosis``."""
    m2 = moment(x, 2, axis)
    value = moment(x, 4, axis) / (m2 * m2)
    return value - 3.0 if fisher else value


def cov(x, rowvar=True, correction=1):
    """The covariance matrix (d, d) of d variables: rows are variables when ``rowvar`` (NumPy's
    convention; ``rowvar=False`` for one observation per row). A 1-D input is one variable."""
    x = _data(x, "cov")
    if x.ndim > 2:
        raise ValueError(f"cov: expected a 1-D or 2-D array, got shape {x.shape}")
    if x.ndim == 1:
        x = x.reshape(1, -1)
    observations = x if not rowvar else transpose(x)  # (n, d)
    n = observations.shape[0]
    if n - correction <= 0:
        raise ValueError(f"cov: need more than {correction} observations, got {n}")
    centred = observations - observations.mean(axis=0, keepdims=True)
    return transpose(centred) @ centred / float(n - correction)


def corrcoef(x, rowvar=True):
    """The correlation matrix Rᵢⱼ = Cᵢⱼ / √(Cᵢᵢ Cⱼⱼ) (d, d), entries in [−1, 1]."""
    c = cov(x, rowvar=rowvar)
    diagonal = (c * Tensor(np.eye(c.shape[0], dtype=c.dtype))).sum(axis=1)
    scale = sqrt(diagonal)
    if np.any(scale.array == 0):
        raise ValueError("corrcoef: a variable has zero variance, its correlation is undefined")
    return c / (scale.reshape(-1, 1) * scale.reshape(1, -1))
