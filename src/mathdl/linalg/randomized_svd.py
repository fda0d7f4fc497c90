"""Randomized truncated SVD (Halko, Martinsson & Tropp 2011): the leading k singular triplets of
a large A (m, n) at the cost of a few products with A.

1. Sketch the range: Y = A Ω with Ω (n, k + p) Gaussian (p oversamples).
2. Power iterations Y ← A (Aᵀ Y), re-orthonormalised by QR each time, sharpen the sketch: the
   error bound improves from σ_{k+1} to σ_{k+1} (σ_{k+1}/σ_k)^(2q) roughly.
3. Q = qr(Y) spans (approximately) the top-k left singular space; B = Qᵀ A is small, (k + p, n).
4. B = Ũ Σ Vᵀ by the full SVD (QR + Jacobi); then A ≈ (Q Ũ) Σ Vᵀ.
"""

import numpy as np

from mathdl.linalg.qr import qr_array
from mathdl.linalg.svd import svd_array


def randomized_svd(a, n_components, n_oversamples=10, n_iter=4, rng=None):
    """(U (m, k), σ (k,), Vᵀ (k, n)) approximating the top k = ``n_components`` singular triplets
    of a float array A (m, n). ``rng`` is a NumPy Generator (default: mathdl's global one)."""
    a = np.asarray(a, dtype=np.float64)
    m, n = a.shape
    if not 1 <= n_components <= min(m, n):
        raise ValueError(f"randomized_svd: n_components must be in [1, {min(m, n)}], got {n_components}")
    if rng is None:
        from mathdl.random import generator

        rng = generator()
    size = min(n_components + n_oversamples, min(m, n))
    y = a @ rng.standard_normal((n, size))
    q, _ = qr_array(y)
    for _ in range(n_iter):
        z, _ = qr_array(a.T @ q)
        q, _ = qr_array(a @ z)
    u_small, s, vt, _ = svd_array(q.T @ a)
    return (q @ u_small)[:, :n_components], s[:n_components], vt[:n_components]
