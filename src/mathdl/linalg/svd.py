"""Singular value decomposition A = U Σ Vᵀ, two ways.

1. **The textbook route** (``svd_via_eigh``): AᵀA = V Σ² Vᵀ, so the right singular vectors are
   eigenvectors of AᵀA, σᵢ = √λᵢ and uᵢ = A vᵢ / σᵢ. Simple, but forming AᵀA squares the condition
   number: eigenvalues are found to within ≈ eps·σ₁², so every σ below ≈ √eps·σ₁ ≈ 1.5e-8·σ₁ is
   lost in rounding (see ``docs/linear_algebra.md`` for the figure).
2. **The stable route** (``svd``): QR first (A = QR, Householder), then one-sided Jacobi
   (Hestenes) on R: rotate pairs of columns (p, q) of G ← G J until all are orthogonal,

       α = ‖g_p‖², β = ‖g_q‖², γ = g_pᵀg_q,  ζ = (β − α)/(2γ),  t = sign(ζ)/(|ζ| + √(1 + ζ²)),

   c = 1/√(1 + t²), s = t c (the rotation that zeroes γ). Then σⱼ = ‖gⱼ‖, uⱼ = gⱼ/σⱼ and V is
   the product of the rotations. It never forms AᵀA and finds small singular values to high
   relative accuracy.

Gradient (thin SVD, distinct non-zero σ; Townsend 2016), with F_ij = 1/(σⱼ² − σᵢ²) (i ≠ j):

    Ā = U [ (F ∘ (UᵀŪ − ŪᵀU)) Σ + diag(σ̄) + Σ (F ∘ (VᵀV̄ − V̄ᵀV)) ] Vᵀ
        + (I − UUᵀ) Ū Σ⁻¹ Vᵀ + U Σ⁻¹ V̄ᵀ (I − VVᵀ)

(the Function ``SVD`` in ``mathdl.ops.linalg_functions``).
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.eigh import jacobi_eigh
from mathdl.linalg.jacobi import rotation, round_robin_pairs
from mathdl.linalg.qr import orthonormal_complement, qr_array
from mathdl.linalg.validation import LinAlgError, as_float_tensor, check_matrix
from mathdl.ops.linalg_functions import SVD

MAX_SWEEPS = 60


def one_sided_jacobi(g, tol=None):
    """Orthogonalise the columns of G (m, n), m ≥ n: returns (G J, J, sweeps) with J orthogonal."""
    g = np.array(g, dtype=np.float64, copy=True)
    n = g.shape[1]
    v = np.eye(n)
    tol = np.finfo(np.float64).eps * n if tol is None else tol
    rounds = round_robin_pairs(n)
    # columns at the rounding level of ‖G‖_F are numerically zero: rotating them only stirs noise
    negligible = (np.finfo(np.float64).eps * np.sqrt(np.sum(g * g))) ** 2
    for sweep in range(MAX_SWEEPS + 1):
        rotated = False
        for p, q in rounds:
            gp, gq = g[:, p], g[:, q]
            alpha = np.einsum("ij,ij->j", gp, gp)
            beta = np.einsum("ij,ij->j", gq, gq)
            gamma = np.einsum("ij,ij->j", gp, gq)
            active = (
                (np.abs(gamma) > tol * np.sqrt(alpha * beta)) & (alpha > negligible) & (beta > negligible)
            )
            if not np.any(active):
                continue
            rotated = True
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                zeta = np.where(active, (beta - alpha) / (2.0 * gamma), np.inf)
            c, s = rotation(zeta)
            g[:, p], g[:, q] = c * gp - s * gq, s * gp + c * gq
            vp, vq = v[:, p], v[:, q]
            v[:, p], v[:, q] = c * vp - s * vq, s * vp + c * vq
        if not rotated:
            return g, v, sweep
    raise LinAlgError(f"svd: one-sided Jacobi did not converge in {MAX_SWEEPS} sweeps")


def _complete_columns(columns, singular_values):
    """Unit columns for σ > 0; for σ = 0, an orthonormal completion of the others."""
    m, k = columns.shape
    tiny = np.finfo(np.float64).eps * max(columns.shape) * (singular_values[0] if k else 0.0)
    positive = singular_values > tiny
    u = np.zeros((m, k))
    u[:, positive] = columns[:, positive] / singular_values[positive]
    missing = np.flatnonzero(~positive)
    if missing.size:
        u[:, missing] = orthonormal_complement(u[:, positive], missing.size)
    return u


def _fix_signs(u, vt):
    # singular vectors are defined up to a joint sign: make each vᵢ's largest entry positive
    index = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(vt.shape[0]), index])
    signs = np.where(signs == 0, 1.0, signs)
    return u * signs, vt * signs[:, None]


def svd_array(a, full_matrices=False):
    """(U, σ descending, Vᵀ, sweeps) of a float array (m, n) by QR + one-sided Jacobi."""
    a = np.asarray(a, dtype=np.float64)
    m, n = a.shape
    if m < n:
        v, s, ut, sweeps = svd_array(a.T, full_matrices)
        return ut.T, s, v.T, sweeps
    scale = np.max(np.abs(a)) if a.size else 0.0
    if scale > 0 and not 1e-100 < scale < 1e100:
        # squared norms of columns would under- or overflow: decompose A/scale, rescale σ
        u, s, vt, sweeps = svd_array(a / scale, full_matrices)
        return u, s * scale, vt, sweeps
    q, r = qr_array(a, "reduced")  # A = Q R, R (n, n)
    g, v, sweeps = one_sided_jacobi(r)
    s = np.sqrt(np.einsum("ij,ij->j", g, g))
    order = np.argsort(-s, kind="stable")
    s, g, v = s[order], g[:, order], v[:, order]
    u, vt = _fix_signs(q @ _complete_columns(g, s), v.T)
    if full_matrices and m > n:
        u = np.hstack([u, orthonormal_complement(u, m - n)])
    return u, s, vt, sweeps


def _stacked_svd(a, full_matrices):
    """svd_array over the leading dimensions of a (..., m, n)."""
    m, n = a.shape[-2:]
    parts = [svd_array(matrix, full_matrices)[:3] for matrix in a.reshape(-1, m, n)]
    u, s, vt = (np.stack([p[i] for p in parts]) for i in range(3))
    batch = a.shape[:-2]
    return u.reshape(batch + u.shape[1:]), s.reshape(batch + s.shape[1:]), vt.reshape(batch + vt.shape[1:])


def svd(a, full_matrices=True, compute_uv=True):
    """A = U diag(σ) Vᵀ for A (..., m, n), k = min(m, n), by Householder QR + one-sided Jacobi.

    Returns ``(u, s, vt)`` as NumPy: u (..., m, m) or (..., m, k) when ``full_matrices=False``,
    s (..., k) descending, vt (..., k, n) (or (..., n, n) when full); or only s when
    ``compute_uv=False``. Differentiable with ``full_matrices=False`` (and for s alone), for
    distinct non-zero singular values.
    """
    a = as_float_tensor(a, "svd")
    if a.ndim < 2 or 0 in a.shape[-2:]:
        raise LinAlgError(f"svd: expected a matrix (..., m, n), got shape {a.shape}")
    m, n = a.shape[-2:]
    if full_matrices and compute_uv and m != n:
        if a.requires_grad:
            raise LinAlgError(
                "svd: gradients need full_matrices=False (the completed columns of U or V "
                "are not determined by A)"
            )
        u, s, vt = _stacked_svd(a.array, True)
        dtype = a.dtype
        return Tensor(u.astype(dtype)), Tensor(s.astype(dtype)), Tensor(vt.astype(dtype))
    u, s, vt = SVD()(a)
    return (u, s, vt) if compute_uv else s


def svd_via_eigh(a):
    """The textbook thin SVD from the eigendecomposition of AᵀA (see the module docstring for why
    small singular values come out wrong): σᵢ = √max(λᵢ, 0), uᵢ = A vᵢ/σᵢ. Returns (u, s, vt)."""
    a = as_float_tensor(a, "svd_via_eigh")
    check_matrix(a, "svd_via_eigh")
    matrix = a.array.astype(np.float64)
    m, n = matrix.shape
    gram = matrix.T @ matrix if m >= n else matrix @ matrix.T
    eigenvalues, vectors, _ = jacobi_eigh(gram)
    eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
    s = np.sqrt(np.maximum(eigenvalues, 0.0))
    if m >= n:
        v = vectors
        u = _complete_columns(matrix @ v, s)
    else:
        u = vectors
        v = _complete_columns(matrix.T @ u, s)
    dtype = a.dtype
    return Tensor(u.astype(dtype)), Tensor(s.astype(dtype)), Tensor(v.T.astype(dtype))
