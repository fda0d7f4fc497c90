"""Symmetric eigendecomposition A = V Λ Vᵀ by the cyclic Jacobi method, and power iteration.

Jacobi: each rotation J(p, q, φ) is chosen to zero the pair a_pq = a_qp in A ← Jᵀ A J:

    θ = (a_qq − a_pp) / (2 a_pq),   t = tan φ = sign(θ) / (|θ| + √(θ² + 1)),   c = 1/√(1 + t²), s = t c

(the smaller rotation angle, |φ| ≤ π/4, which is what makes the method converge). The off-diagonal
mass off(A)² = Σ_{i≠j} a_ij² drops by 2 a_pq² with every rotation; sweeps over all pairs converge
quadratically, to eigenvalues with small *relative* error. Disjoint pairs are rotated together
(round-robin ordering), each round one vectorised update; V accumulates the rotations.

Gradient (distinct eigenvalues; for symmetric perturbations, as PyTorch):

    Ā = V (diag(λ̄) + F ∘ ½(Vᵀ V̄ − V̄ᵀ V)) Vᵀ,    F_ij = 1/(λ_j − λ_i) (i ≠ j), F_ii = 0

(the Function ``Eigh`` in ``mathdl.ops.linalg_functions``).

Power iteration: x ← A x / ‖A x‖ converges to the eigenvector of the eigenvalue largest in
magnitude, at the rate |λ₂/λ₁| per step; λ is the Rayleigh quotient xᵀAx.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.jacobi import rotation, round_robin_pairs
from mathdl.linalg.validation import LinAlgError, as_float_tensor, check_square
from mathdl.ops.linalg_functions import Eigh

MAX_SWEEPS = 60


def jacobi_eigh(a, tol=None):
    """(eigenvalues ascending, eigenvectors as columns, sweeps) of the symmetric part of A (n, n)."""
    a = np.array(a, dtype=np.float64, copy=True)
    a = 0.5 * (a + a.T)
    n = a.shape[0]
    magnitude = np.max(np.abs(a)) if a.size else 0.0
    if magnitude > 0 and not 1e-100 < magnitude < 1e100:
        # Σ a_ij² would under- or overflow: diagonalise A/magnitude and rescale the eigenvalues
        w, v, sweeps = jacobi_eigh(a / magnitude, tol)
        return w * magnitude, v, sweeps
    v = np.eye(n)
    scale = np.sqrt(np.sum(a * a))
    tol = np.finfo(np.float64).eps if tol is None else tol
    rounds = round_robin_pairs(n)
    sweeps = 0
    previous = np.inf
    while n > 1:
        off = _off_diagonal_norm(a)
        # stop at the tolerance, or when rounding stops the decrease near it (quadratic
        # convergence leaves no middle ground: a sweep either cuts off(A) a lot or sits at ~n·eps)
        if off <= tol * scale or scale == 0 or (off >= 0.5 * previous and off <= 1e-10 * scale):
            break
        previous = off
        if sweeps == MAX_SWEEPS:
            raise LinAlgError(f"eigh: Jacobi iteration did not converge in {MAX_SWEEPS} sweeps")
        for p, q in rounds:
            apq = a[p, q]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                theta = (a[q, q] - a[p, p]) / (2.0 * apq)
            theta = np.where(apq == 0, np.inf, theta)
            c, s = rotation(theta)
            column_p, column_q = a[:, p].copy(), a[:, q]
            a[:, p] = c * column_p - s * column_q
            a[:, q] = s * column_p + c * column_q
            row_p, row_q = a[p, :].copy(), a[q, :]
            a[p, :] = c[:, None] * row_p - s[:, None] * row_q
            a[q, :] = s[:, None] * row_p + c[:, None] * row_q
            a[p, q] = a[q, p] = 0.0
            vector_p, vector_q = v[:, p].copy(), v[:, q]
            v[:, p] = c * vector_p - s * vector_q
            v[:, q] = s * vector_p + c * vector_q
        sweeps += 1
    eigenvalues = np.diagonal(a).copy()
    order = np.argsort(eigenvalues, kind="stable")
    return eigenvalues[order], _fix_signs(v[:, order]), sweeps


def _off_diagonal_norm(a):
    off = a - np.diag(np.diagonal(a))
    return np.sqrt(np.sum(off * off))


def _fix_signs(vectors):
    # eigenvectors are defined up to sign: make each one's largest-magnitude entry positive
    index = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[index, np.arange(vectors.shape[1])])
    return vectors * np.where(signs == 0, 1.0, signs)


def eigh(a):
    """Eigenvalues (ascending, (..., n)) and orthonormal eigenvectors (columns of (..., n, n)) of a
    symmetric matrix or a stack of them, ``numpy.linalg.eigh``'s contract, by cyclic Jacobi
    rotations. Reads the symmetric part ½(A + Aᵀ). Differentiable (for distinct eigenvalues).
    ``LinAlgError`` for non-square input."""
    a = as_float_tensor(a, "eigh")
    check_square(a, "eigh")
    return Eigh()(a)


def eigvalsh(a):
    """The eigenvalues of a symmetric matrix (or a stack), ascending (..., n)."""
    return eigh(a)[0]


def power_iteration(a, num_iterations=1000, tol=1e-12, x0=None):
    """(λ, v, iterations): the eigenvalue of A (n, n) largest in magnitude and its unit eigenvector,
    by x ← Ax/‖Ax‖ until the residual ‖Ax − λx‖ ≤ tol·‖A‖_F. ``LinAlgError`` if not converged."""
    a = as_float_tensor(a, "power_iteration")
    check_square(a, "power_iteration", batched=False)
    matrix = a.array.astype(np.float64)
    n = matrix.shape[0]
    if x0 is None:
        x = np.ones(n) / np.sqrt(n) + 1e-3 * np.arange(n)  # a fixed start with no special symmetry
    else:
        x = np.asarray(x0, dtype=np.float64).reshape(n)
    x = x / np.sqrt(x @ x)
    scale = np.sqrt(np.sum(matrix * matrix))
    eigenvalue = 0.0
    for iteration in range(1, num_iterations + 1):
        y = matrix @ x
        eigenvalue = x @ y
        if np.sqrt(np.sum((y - eigenvalue * x) ** 2)) <= tol * scale:
            return Tensor(np.asarray(eigenvalue, dtype=a.dtype)), Tensor(x.astype(a.dtype)), iteration
        norm = np.sqrt(y @ y)
        if norm == 0:
            return Tensor(np.asarray(0.0, dtype=a.dtype)), Tensor(x.astype(a.dtype)), iteration
        x = y / norm
    raise LinAlgError(
        f"power_iteration: no convergence in {num_iterations} iterations (are the two "
        f"largest eigenvalues equal in magnitude?)"
    )
