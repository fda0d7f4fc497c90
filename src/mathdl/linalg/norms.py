"""Norms, trace, rank, condition number and the pseudo-inverse (the last three from the SVD).

Vector norms ‖x‖_p = (Σ|xᵢ|ᵖ)^(1/p), ‖x‖_∞ = max|xᵢ|, ‖x‖_−∞ = min|xᵢ|, ‖x‖₀ = #{xᵢ ≠ 0}.
Matrix norms: Frobenius √Σa_ij², nuclear Σσᵢ, spectral (2) σ₁ (−2: σ_min), 1 = max column sum
of |a_ij|, ∞ = max row sum (−1, −∞: the minima).
Pseudo-inverse A⁺ = V Σ⁺ Uᵀ with Σ⁺ inverting the singular values above rcond·σ₁ and zeroing
the rest: x = A⁺b is the minimum-norm least-squares solution of A x ≈ b.
rank A = #{σᵢ > tol}, tol = σ₁ · max(m, n) · eps by default (NumPy's rule).
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.svd import svd
from mathdl.linalg.validation import LinAlgError, as_float_tensor, check_matrix
from mathdl.ops import abs as absolute
from mathdl.ops import einsum, sqrt

VECTOR_ORDS = (None, 2, 1, np.inf, -np.inf, 0)
MATRIX_ORDS = (None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return sqrt((x * x).sum(axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return absolute(x).amax(axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return absolute(x).amin(axis=axis, keepdims=keepdims)
    if ord == 0:
        return Tensor((x.array != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype))
    if isinstance(ord, str):
        raise ValueError(f"norm: ord {ord!r} is a matrix norm; vectors take a number")
    return (absolute(x) ** float(ord)).sum(axis=axis, keepdims=keepdims) ** (1.0 / float(ord))


def _matrix_norm(x, ord, keepdims):
    if ord in (None, "fro"):
        value = sqrt((x * x).sum())
    elif ord in ("nuc", 2, -2):
        s = svd(x, full_matrices=False, compute_uv=False)
        value = s.sum() if ord == "nuc" else (s.max() if ord == 2 else s.min())
    elif ord in (1, -1):
        sums = absolute(x).sum(axis=0)
        value = sums.max() if ord == 1 else sums.min()
    elif ord in (np.inf, -np.inf):
        sums = absolute(x).sum(axis=1)
        value = sums.max() if ord == np.inf else sums.min()
    else:
        raise ValueError(f"norm: invalid matrix norm order {ord!r}; use one of {MATRIX_ORDS}")
    return value.reshape(1, 1) if keepdims else value


def norm(x, ord=None, axis=None, keepdims=False):
    """``numpy.linalg.norm``'s contract: a vector norm for 1-D input or an integer ``axis``, a
    matrix norm for 2-D input or a 2-tuple ``axis``; ord=None is the 2-norm / Frobenius norm
    (of the flattened array when ndim > 2 and no axis is given). Differentiable."""
    x = as_float_tensor(x, "norm")
    if axis is None:
        if ord is None:  # the 2-norm of the flattened array, for any ndim
            flat = sqrt((x * x).sum())
            return flat.reshape((1,) * x.ndim) if keepdims else flat
        if x.ndim == 2:
            return _matrix_norm(x, ord, keepdims)
        if x.ndim != 1:
            raise ValueError(f"norm: ord={ord!r} needs a 1-D or 2-D input (or an axis), got shape {x.shape}")
        return _vector_norm(x, ord, None, keepdims)
    if isinstance(axis, (tuple, list)):
        if len(axis) != 2 or x.ndim != 2 or sorted(a % 2 for a in axis) != [0, 1]:
            raise ValueError(
                f"norm: a matrix norm over axis={axis} is supported for 2-D input only, got shape {x.shape}"
            )
        return _matrix_norm(x if tuple(a % 2 for a in axis) == (0, 1) else x.T, ord, keepdims)
    return _vector_norm(x, ord, axis, keepdims)


def trace(a):
    """tr A = Σᵢ a_ii for A (..., n, n) (a sum over the last two axes' diagonal). Differentiable."""
    a = as_float_tensor(a, "trace")
    if a.ndim < 2:
        raise LinAlgError(f"trace: expected a matrix, got shape {a.shape}")
    if a.shape[-1] != a.shape[-2]:
        size = min(a.shape[-2:])
        a = a[..., :size, :size]
    return einsum("...ii->...", a)


def matrix_rank(a, tol=None):
    """The number of singular values above ``tol`` (default σ₁ · max(m, n) · eps); an int."""
    a = as_float_tensor(a, "matrix_rank")
    if a.ndim < 2:
        return int(np.any(a.array != 0))
    check_matrix(a, "matrix_rank")
    s = np.asarray(svd(a.detach(), compute_uv=False).array, dtype=np.float64)
    if tol is None:
        tol = s.max(initial=0.0) * max(a.shape) * np.finfo(a.dtype).eps
    return int(np.sum(s > tol))


def cond(a):
    """The 2-norm condition number κ(A) = σ_max / σ_min (∞ for a singular matrix)."""
    a = as_float_tensor(a, "cond")
    check_matrix(a, "cond")
    s = np.asarray(svd(a.detach(), compute_uv=False).array, dtype=np.float64)
    return float(s[0] / s[-1]) if s[-1] > 0 else np.inf


def pinv(a, rcond=1e-15):
    """The Moore–Penrose pseudo-inverse A⁺ = V Σ⁺ Uᵀ (n, m) of A (m, n), singular values
    ≤ rcond·σ₁ treated as zero. Differentiable through the SVD (distinct singular values)."""
    a = as_float_tensor(a, "pinv")
    check_matrix(a, "pinv")
    u, s, vt = svd(a, full_matrices=False)
    keep = s.array > rcond * (s.array.max() if s.array.size else 0.0)
    safe = s * Tensor(keep.astype(s.dtype)) + Tensor((~keep).astype(s.dtype))
    inverse = Tensor(keep.astype(s.dtype)) / safe
    return vt.T @ (inverse.reshape(-1, 1) * u.T)
