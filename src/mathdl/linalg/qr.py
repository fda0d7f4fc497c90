"""QR factorisation by Householder reflections.

For column j, the reflection Hⱼ = I − 2 vvᵀ (‖v‖ = 1) maps x = R[j:, j] onto α e₁ with
α = −sign(x₁) ‖x‖ (the sign that avoids cancellation in v = x − α e₁). After k = min(m, n) steps
R = H_k ⋯ H₁ A is upper-triangular and Q = H₁ ⋯ H_k is orthogonal, A = Q R. Every step is a
rank-one update R ← R − 2 v (vᵀ R), so the whole factorisation costs about 2mn² − ⅔n³ flops and is
backward stable (unlike classical Gram–Schmidt, whose Q loses orthogonality like κ(A)²·eps).
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.validation import as_float_tensor, check_matrix

MODES = ("reduced", "complete", "r")


def householder_vectors(a):
    """(R, vectors): R = H_k⋯H₁A (m, n) and the unit Householder vectors (vⱼ acts on rows j:)."""
    r = np.array(a, dtype=np.float64, copy=True)
    m, n = r.shape
    vectors = []
    for j in range(min(m, n)):
        x = r[j:, j]
        largest = np.max(np.abs(x))
        norm = largest * np.sqrt((x / largest) @ (x / largest)) if largest > 0 else 0.0  # no overflow
        if norm == 0.0:
            vectors.append(None)
            continue
        alpha = -norm if x[0] >= 0 else norm
        v = x.copy()
        v[0] -= alpha
        v /= np.max(np.abs(v))
        v /= np.sqrt(v @ v)
        r[j:, j:] -= 2.0 * np.outer(v, v @ r[j:, j:])
        r[j + 1 :, j] = 0.0
        vectors.append(v)
    return r, vectors


def apply_reflections(vectors, columns):
    """Q @ columns for Q = H₁⋯H_k given by ``vectors`` (applied last to first)."""
    out = np.array(columns, dtype=np.float64, copy=True)
    for j in range(len(vectors) - 1, -1, -1):
        v = vectors[j]
        if v is not None:
            out[j:] -= 2.0 * np.outer(v, v @ out[j:])
    return out


def qr_array(a, mode="reduced"):
    """Householder QR of a float array (m, n); see ``qr``."""
    r, vectors = householder_vectors(a)
    m, n = r.shape
    k = min(m, n)
    if mode == "r":
        return r[:k]
    if mode == "complete":
        return apply_reflections(vectors, np.eye(m)), r
    return apply_reflections(vectors, np.eye(m, k)), r[:k]


def qr(a, mode="reduced"):
    """A = Q R by Householder reflections, for A (m, n), k = min(m, n).

    mode ``'reduced'`` (NumPy's default): Q (m, k) with orthonormal columns, R (k, n);
    ``'complete'``: Q (m, m) orthogonal, R (m, n); ``'r'``: R (k, n) only.
    R is upper-triangular; its diagonal may be negative (Q, R are unique up to the signs of R's rows).
    """
    a = as_float_tensor(a, "qr")
    check_matrix(a, "qr")
    if mode not in MODES:
        raise ValueError(f"qr: mode must be one of {MODES}, got {mode!r}")
    result = qr_array(a.array, mode)
    if mode == "r":
        return Tensor(result.astype(a.dtype))
    q, r = result
    return Tensor(q.astype(a.dtype)), Tensor(r.astype(a.dtype))


def orthonormal_complement(basis, size):
    """Columns completing the orthonormal columns ``basis`` (m, r) to an orthonormal basis of Rᵐ:
    the last m − r columns of the complete Householder Q of ``basis``."""
    m, r = basis.shape
    if r == 0:
        return np.eye(m)[:, :size]
    _, vectors = householder_vectors(basis)
    q = apply_reflections(vectors, np.eye(m))
    return q[:, r : r + size]
