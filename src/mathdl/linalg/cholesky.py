"""Cholesky factorisation A = L Lᵀ of a symmetric positive-definite matrix, and the
positive-definiteness test it gives.

Column by column (Cholesky–Crout), reading only A's lower triangle (as ``numpy.linalg.cholesky``):

    l_jj = √(a_jj − Σ_{k<j} l_jk²),     l_ij = (a_ij − Σ_{k<j} l_ik l_jk) / l_jj   (i > j).

A is positive-definite exactly when every radicand is positive, so the factorisation is also the
cheapest test (``is_positive_definite``). Gradient (for symmetric perturbations of A):

    Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹),   Φ(X) = the lower triangle of X with its diagonal halved,

with both L⁻¹ products done as differentiable triangular solves (the Function ``Cholesky`` lives in
``mathdl.ops.linalg_functions``, with every other derivative).
"""

import numpy as np

from mathdl.linalg.validation import LinAlgError, as_float_tensor, check_square
from mathdl.ops.linalg_functions import Cholesky


def cholesky_array(a):
    """Lower-triangular L with L Lᵀ = A for a float array (..., n, n); raises ``LinAlgError`` with
    the failing leading minor when A is not positive-definite."""
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[-1]
    lower = np.zeros_like(a)
    for j in range(n):
        radicand = a[..., j, j] - np.einsum("...k,...k->...", lower[..., j, :j], lower[..., j, :j])
        if np.any(~(radicand > 0)):
            raise LinAlgError(
                f"cholesky: the matrix is not positive-definite (the leading minor of "
                f"order {j + 1} is not positive)"
            )
        lower[..., j, j] = np.sqrt(radicand)
        below = a[..., j + 1 :, j] - np.einsum("...ik,...k->...i", lower[..., j + 1 :, :j], lower[..., j, :j])
        lower[..., j + 1 :, j] = below / lower[..., j, j][..., None]
    return lower


def cholesky(a):
    """Lower-triangular L (..., n, n) with A = L Lᵀ, reading A's lower triangle. Differentiable.

    Raises ``LinAlgError`` when A is not square or not positive-definite.
    """
    a = as_float_tensor(a, "cholesky")
    check_square(a, "cholesky")
    return Cholesky()(a)


def is_positive_definite(a, rtol=1e-10):
    """True when A is symmetric (within ``rtol`` of its largest entry) and its Cholesky
    factorisation succeeds, i.e. xᵀAx > 0 for every x ≠ 0."""
    a = as_float_tensor(a, "is_positive_definite")
    check_square(a, "is_positive_definite")
    data = a.array.astype(np.float64)
    scale = float(np.max(np.abs(data))) if data.size else 0.0
    if np.any(np.abs(data - np.swapaxes(data, -1, -2)) > rtol * scale):
        return False
    try:
        cholesky_array(data)
    except LinAlgError:
        return False
    return True
