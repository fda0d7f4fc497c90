"""Eigenvalues and eigenvectors of a general (non-symmetric) square matrix by the QR algorithm.

1. Hessenberg reduction: Householder reflections from both sides make H = Qᵀ A Q zero below the
   first subdiagonal (the QR algorithm keeps this form and a QR step then costs O(n²), not O(n³)).
2. Shifted QR iteration in complex arithmetic: H − μI = QR, H ← RQ + μI = Qᴴ H Q, done implicitly
   by chasing a bulge with Givens rotations. The Wilkinson shift μ (the eigenvalue of the trailing
   2 × 2 block nearer its corner) gives quadratic convergence; when the last subdiagonal entry is
   negligible (|h_{k,k−1}| ≤ eps(|h_kk| + |h_{k−1,k−1}|)) that eigenvalue is deflated. The
   result is the Schur form A = Z T Zᴴ, T upper-triangular with the eigenvalues on its diagonal.
3. Eigenvectors: for each k, (T − t_kk I) y = 0 with y_k = 1 is solved by back substitution, and
   v = Z y, normalised to unit length.

Complex arithmetic lets real matrices with complex-conjugate eigenvalues go through the same code;
when every eigenvalue is real (to rounding), real arrays are returned, as ``numpy.linalg.eig`` does.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.validation import LinAlgError, as_float_tensor, check_square

MAX_ITERATIONS_PER_EIGENVALUE = 100


def hessenberg(a):
    """(H, Q) with H = Qᵀ A Q upper-Hessenberg (zero below the first subdiagonal), Q orthogonal."""
    h = np.array(a, dtype=np.complex128, copy=True)
    n = h.shape[0]
    q = np.eye(n, dtype=np.complex128)
    for j in range(n - 2):
        x = h[j + 1 :, j]
        norm = np.sqrt(np.sum(np.abs(x) ** 2))
        if norm == 0:
            continue
        phase = x[0] / abs(x[0]) if x[0] != 0 else 1.0
        v = x.copy()
        v[0] += phase * norm
        v /= np.sqrt(np.sum(np.abs(v) ** 2))
        h[j + 1 :, :] -= 2.0 * np.outer(v, v.conj() @ h[j + 1 :, :])
        h[:, j + 1 :] -= 2.0 * np.outer(h[:, j + 1 :] @ v, v.conj())
        q[:, j + 1 :] -= 2.0 * np.outer(q[:, j + 1 :] @ v, v.conj())
        h[j + 2 :, j] = 0.0
    return h, q


def _givens(x, y):
    """The unitary G = [[x̄, ȳ], [−y, x]]/r with G (x, y)ᵀ = (r, 0)ᵀ, r = √(|x|² + |y|²)."""
    r = np.hypot(abs(x), abs(y))
    if r == 0:
        return np.eye(2, dtype=np.complex128)
    return np.array([[np.conj(x), np.conj(y)], [-y, x]]) / r


def _wilkinson_shift(a, b, c, d):
    """The eigenvalue of [[a, b], [c, d]] closer to d."""
    half_trace = 0.5 * (a + d)
    root = np.sqrt(0.25 * (a - d) ** 2 + b * c + 0j)
    first, second = half_trace + root, half_trace - root
    return first if abs(first - d) < abs(second - d) else second


def schur(a):
    """(T, Z) with A = Z T Zᴴ, T upper-triangular (complex Schur form), by shifted QR."""
    h, z = hessenberg(a)
    n = h.shape[0]
    eps = np.finfo(np.float64).eps
    hi = n - 1
    iterations = 0
    while hi > 0:
        low = hi
        while low > 0 and abs(h[low, low - 1]) > eps * (abs(h[low, low]) + abs(h[low - 1, low - 1])):
            low -= 1
        if low > 0:
            h[low, low - 1] = 0.0
        if low == hi:  # h[hi, hi] has converged: deflate
            hi -= 1
            iterations = 0
            continue
        iterations += 1
        if iterations > MAX_ITERATIONS_PER_EIGENVALUE:
            raise LinAlgError("eig: the QR algorithm did not converge")
        if iterations % 11 == 0:  # an exceptional shift breaks rare cycles
            mu = h[hi, hi] + abs(h[hi, hi - 1])
        else:
            mu = _wilkinson_shift(h[hi - 1, hi - 1], h[hi - 1, hi], h[hi, hi - 1], h[hi, hi])
        for k in range(low, hi):
            if k == low:
                x, y = h[low, low] - mu, h[low + 1, low]
            else:
                x, y = h[k, k - 1], h[k + 1, k - 1]
            g = _givens(x, y)
            start = low if k == low else k - 1
            h[k : k + 2, start:] = g @ h[k : k + 2, start:]
            stop = min(k + 3, hi + 1)
            h[:stop, k : k + 2] = h[:stop, k : k + 2] @ g.conj().T
            z[:, k : k + 2] = z[:, k : k + 2] @ g.conj().T
            if k > low:
                h[k + 1, k - 1] = 0.0
    return np.triu(h), z


def _triangular_eigenvectors(t):
    """Columns y_k with (T − t_kk I) y_k = 0, y_k[k] = 1, y_k[i > k] = 0 (back substitution)."""
    n = t.shape[0]
    scale = np.max(np.abs(t)) if n else 1.0
    tiny = np.finfo(np.float64).eps * max(scale, 1e-150)  # never a denormal: complex division overflows
    y = np.zeros((n, n), dtype=np.complex128)
    for k in range(n):
        y[k, k] = 1.0
        for i in range(k - 1, -1, -1):
            denominator = t[i, i] - t[k, k]
            if abs(denominator) < tiny:  # repeated eigenvalue: perturb, as LAPACK does
                denominator = tiny
            y[i, k] = -(t[i, i + 1 : k + 1] @ y[i + 1 : k + 1, k]) / denominator
    return y


def eig_array(a):
    """(w, v) for a float array (n, n): complex eigenvalues and unit eigenvectors (columns)."""
    t, z = schur(a)
    vectors = z @ _triangular_eigenvectors(t)
    vectors /= np.sqrt(np.sum(np.abs(vectors) ** 2, axis=0))
    return np.diagonal(t).copy(), vectors


def eig(a):
    """Eigenvalues w (n,) and unit eigenvectors v (columns of (n, n)) with A v = v diag(w), for any
    square A (``numpy.linalg.eig``'s contract: real arrays when all eigenvalues are real, complex
    otherwise; no particular order). ``LinAlgError`` for a non-square input."""
    a = as_float_tensor(a, "eig")
    check_square(a, "eig", batched=False)
    matrix = a.array.astype(np.float64)
    w, v = eig_array(matrix)
    scale = max(np.max(np.abs(matrix)), np.finfo(np.float64).tiny)
    if np.all(np.abs(w.imag) <= 1e3 * np.finfo(np.float64).eps * scale * matrix.shape[0]):
        # real eigenvalues of a real matrix have real eigenvectors: remove the arbitrary complex phase
        index = np.argmax(np.abs(v), axis=0)
        phase = v[index, np.arange(v.shape[1])]
        v = (v * (np.abs(phase) / phase)).real
        v /= np.sqrt(np.sum(v * v, axis=0))
        return Tensor(w.real.astype(a.dtype)), Tensor(v.astype(a.dtype))
    complex_dtype = np.complex64 if a.dtype == np.float32 else np.complex128
    return Tensor(w.astype(complex_dtype)), Tensor(v.astype(complex_dtype))


def eigvals(a):
    """The eigenvalues of a general square matrix (n,)."""
    return eig(a)[0]
