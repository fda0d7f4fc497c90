"""LU factorisation with partial pivoting, and what it gives: solve, inv, det, slogdet; plus
triangular solves. All differentiable.

Factorisation (Doolittle, one column at a time, vectorised over a batch of matrices):
P A = L U with L unit lower-triangular and U upper-triangular; at step k the row with the largest
|a_ik| (i ≥ k) is swapped into place (partial pivoting bounds the multipliers by 1) and

    l_ik = a_ik / a_kk,   a_ij ← a_ij − l_ik a_kj   (i, j > k).

Then A x = b is L y = P b (forward substitution) and U x = y (back substitution), and
det A = (−1)^(row swaps) Π u_kk. Gradients (X = A⁻¹B, Y = A⁻¹, d = det A):

    B̄ = A⁻ᵀ X̄,  Ā = −B̄ Xᵀ;        Ā = −Yᵀ Ȳ Yᵀ;        Ā = d̄ d A⁻ᵀ;   (log|d|)‾ → Ā = ḡ A⁻ᵀ,

each written with these same differentiable ops, so second derivatives work. The Functions live in
``mathdl.ops.linalg_functions`` (the home of every derivative); the public functions here call them.
"""

import numpy as np

from mathdl.linalg.validation import LinAlgError, as_float_tensor, check_square
from mathdl.ops import reshape
from mathdl.ops.linalg_functions import Determinant, Inverse, LogAbsDeterminant, Solve, SolveTriangular


def lu_factor(a):
    """P A = L U for a float array (..., n, n). Returns (lu, perm, sign): L below the diagonal and
    U on and above it packed in ``lu``, ``perm`` the row order (A[perm] = L U), ``sign`` = det P."""
    lu = np.array(a, dtype=np.float64, copy=True)
    n = lu.shape[-1]
    batch = lu.shape[:-2]
    flat = lu.reshape(-1, n, n)
    count = flat.shape[0]
    perm = np.tile(np.arange(n), (count, 1))
    sign = np.ones(count)
    rows = np.arange(count)
    for k in range(n):
        pivot_row = k + np.argmax(np.abs(flat[:, k:, k]), axis=1)
        swap = pivot_row != k
        if np.any(swap):
            top = flat[rows, k].copy()
            flat[rows, k] = flat[rows, pivot_row]
            flat[rows, pivot_row] = top
            top_index = perm[rows, k].copy()
            perm[rows, k] = perm[rows, pivot_row]
            perm[rows, pivot_row] = top_index
            sign[swap] *= -1.0
        pivot = flat[:, k, k]
        safe = np.where(pivot == 0, 1.0, pivot)
        flat[:, k + 1 :, k] /= safe[:, None]
        flat[:, k + 1 :, k + 1 :] -= flat[:, k + 1 :, k : k + 1] * flat[:, k : k + 1, k + 1 :]
    return flat.reshape(lu.shape), perm.reshape(batch + (n,)), sign.reshape(batch)


def lu_solve(lu, perm, b):
    """Solve A X = B from ``lu_factor``'s output; b is (..., n, k) with batch dims matching lu."""
    n = lu.shape[-1]
    x = np.take_along_axis(b, perm[..., :, None], axis=-2).astype(np.float64)
    for i in range(1, n):  # L y = P b, L unit lower-triangular
        x[..., i, :] -= np.einsum("...j,...jk->...k", lu[..., i, :i], x[..., :i, :])
    for i in range(n - 1, -1, -1):  # U x = y
        x[..., i, :] -= np.einsum("...j,...jk->...k", lu[..., i, i + 1 :], x[..., i + 1 :, :])
        x[..., i, :] /= lu[..., i, i][..., None]
    return x


def _check_nonsingular(lu, op):
    diagonal = np.abs(np.diagonal(lu, axis1=-2, axis2=-1))
    if np.any(diagonal == 0):
        raise LinAlgError(f"{op}: the matrix is singular (a zero pivot in its LU factorisation)")


def solve_array(a, b):
    """X = A⁻¹ B on float arrays, a (..., n, n), b (..., n, k), batch dims broadcast."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    lu, perm, _ = lu_factor(a)
    _check_nonsingular(lu, "solve")
    return lu_solve(lu, perm, b)


def triangular_solve_array(a, b, lower):
    """X = A⁻¹ B for triangular A (..., n, n) by forward (lower) or back (upper) substitution."""
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=np.float64)
    diagonal = np.diagonal(a, axis1=-2, axis2=-1)
    if np.any(diagonal == 0):
        raise LinAlgError("solve_triangular: the matrix is singular (a zero on its diagonal)")
    order = range(n) if lower else range(n - 1, -1, -1)
    for i in order:
        known = slice(0, i) if lower else slice(i + 1, n)
        x[..., i, :] -= np.einsum("...j,...jk->...k", a[..., i, known], x[..., known, :])
        x[..., i, :] /= diagonal[..., i][..., None]
    return x


def _as_rhs(a, b, op):
    """B as a matrix (..., n, k) and whether it was a vector (NumPy 2's rule: b.ndim == 1)."""
    n = a.shape[-1]
    vector = b.ndim == 1
    rows = b.shape[0] if vector else (b.shape[-2] if b.ndim >= 2 else None)
    if rows != n:
        raise LinAlgError(f"{op}: a has shape {a.shape} but b has shape {b.shape}; b needs {n} rows")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if not vector else ())
    except ValueError:
        raise LinAlgError(f"{op}: batch shapes of a {a.shape} and b {b.shape} do not broadcast") from None
    return (reshape(b, (n, 1)) if vector else b), vector


def solve(a, b):
    """x solving A x = b: A (..., n, n); b (n,) or (..., n, k). Differentiable in A and b.

    Raises ``LinAlgError`` for a singular A or mismatched shapes.
    """
    a = as_float_tensor(a, "solve")
    b = as_float_tensor(b, "solve")
    check_square(a, "solve")
    rhs, vector = _as_rhs(a, b, "solve")
    x = Solve()(a, rhs)
    return reshape(x, x.shape[:-1]) if vector else x


def solve_triangular(a, b, lower=True):
    """x solving A x = b for triangular A (..., n, n) (only its lower or upper triangle is read);
    b (n,) or (..., n, k). Differentiable."""
    a = as_float_tensor(a, "solve_triangular")
    b = as_float_tensor(b, "solve_triangular")
    check_square(a, "solve_triangular")
    rhs, vector = _as_rhs(a, b, "solve_triangular")
    x = SolveTriangular(bool(lower))(a, rhs)
    return reshape(x, x.shape[:-1]) if vector else x


def inv(a):
    """A⁻¹ for A (..., n, n) by LU solves against the identity. Differentiable;
    ``LinAlgError`` when A is singular."""
    a = as_float_tensor(a, "inv")
    check_square(a, "inv")
    return Inverse()(a)


def det(a):
    """det A for A (..., n, n) from the LU factorisation (0 for a singular matrix). Differentiable."""
    a = as_float_tensor(a, "det")
    check_square(a, "det")
    return Determinant()(a)


def slogdet(a):
    """(sign, log|det A|) for A (..., n, n), safe where det over- or underflows; log|det| is
    differentiable (its gradient is A⁻ᵀ)."""
    a = as_float_tensor(a, "slogdet")
    check_square(a, "slogdet")
    return LogAbsDeterminant()(a)
