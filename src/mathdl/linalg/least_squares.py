"""Linear least squares: x minimising ‖Ax − b‖₂ (the minimum-norm one when A is rank-deficient).

With A = UΣVᵀ, x = VΣ⁺Uᵀb = A⁺b, where Σ⁺ inverts the singular values above rcond·σ₁. This is
backward stable and, unlike the normal equations AᵀAx = Aᵀb, does not square κ(A).
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.linalg.norms import pinv
from mathdl.linalg.svd import svd
from mathdl.linalg.validation import LinAlgError, as_float_tensor, check_matrix


def lstsq(a, b, rcond=None):
    """``numpy.linalg.lstsq``'s contract: returns (x, residuals, rank, s) for A (m, n), b (m,) or
    (m, k). x (n,) or (n, k) is differentiable in A and b; residuals are the squared norms
    ‖Ax − b‖² per column when rank = n < m (else empty); s the singular values of A.
    rcond defaults to eps·max(m, n), as NumPy."""
    a = as_float_tensor(a, "lstsq")
    b = as_float_tensor(b, "lstsq")
    check_matrix(a, "lstsq")
    m, n = a.shape
    if b.ndim not in (1, 2) or b.shape[0] != m:
        raise LinAlgError(f"lstsq: a has shape {a.shape}, so b needs {m} rows, got shape {b.shape}")
    if rcond is None:
        rcond = np.finfo(np.float64).eps * max(m, n)
    s = np.asarray(svd(a.detach(), compute_uv=False).array, dtype=np.float64)
    rank = int(np.sum(s > rcond * (s[0] if s.size else 0.0)))
    x = pinv(a, rcond=rcond) @ b
    if rank == n and m > n:
        r = a.array @ x.array - b.array
        residuals = Tensor(np.sum(r * r, axis=0).reshape(-1 if b.ndim == 2 else 1).astype(a.dtype))
    else:
        residuals = Tensor(np.zeros(0, dtype=a.dtype))
    return x, residuals, rank, Tensor(s.astype(a.dtype))
