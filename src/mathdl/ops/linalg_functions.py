"""The Functions of ``mathdl.linalg``: solve, triangular solve, inverse, determinant, log|det|,
Cholesky, symmetric eigendecomposition and SVD, each with its gradient written with differentiable ops
(these same Functions, matmul, swapaxes), so second derivatives work.

Gradients (X = A⁻¹B, Y = A⁻¹, d = det A; see the modules of ``mathdl.linalg`` for the algorithms):

    solve             B̄ = A⁻ᵀ X̄,  Ā = −B̄ Xᵀ          (triangular: Ā = −tri(B̄ Xᵀ), a solve the other way)
    inverse           Ā = −Yᵀ Ȳ Yᵀ
    determinant       Ā = d̄ d A⁻ᵀ;      log|det A|:  Ā = ḡ A⁻ᵀ
    Cholesky L        Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹),   Φ(X) = the lower triangle of X with its diagonal halved
    eigh (λ, V)       Ā = V (diag(λ̄) + F ∘ ½(VᵀV̄ − V̄ᵀV)) Vᵀ,   F_ij = 1/(λ_j − λ_i) (i ≠ j), F_ii = 0
    thin SVD          Ā = U [ (F ∘ (UᵀŪ − ŪᵀU)) Σ + diag(σ̄) + Σ (F ∘ (VᵀV̄ − V̄ᵀV)) ] Vᵀ
                          + (I − UUᵀ) Ū Σ⁻¹ Vᵀ + U Σ⁻¹ V̄ᵀ (I − VVᵀ),   F_ij = 1/(σⱼ² − σᵢ²) (i ≠ j)

(eigh and SVD for distinct eigen/singular values; Cholesky and eigh for symmetric perturbations,
as PyTorch; the SVD gradient is Townsend's, 2016).

The forward passes run the array algorithms of ``mathdl.linalg`` (LU with partial pivoting,
Cholesky–Crout, cyclic Jacobi, QR + one-sided Jacobi), imported when a forward runs: those modules
build on ``mathdl.ops``, so importing them while ``mathdl.ops`` loads would be a cycle. The public
functions (``md.linalg.solve``, ``cholesky``, ``eigh``, ``svd`` ...) stay in ``mathdl.linalg``.
"""

import numpy as np

from mathdl.autograd.function import Function
from mathdl.autograd.tensor import Tensor
from mathdl.ops.shape import grad_like, swapaxes, unsqueeze


class Solve(Function):
    """X = A⁻¹ B for A (..., n, n), B (..., n, k);  B̄ = A⁻ᵀ X̄,  Ā = −B̄ Xᵀ."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, a, b):
        from mathdl.linalg.lu import solve_array

        return solve_array(a, b).astype(np.result_type(a, b), copy=False)

    def backward(self, gx):
        a, b = self.inputs
        x = self.outputs[0]()
        x = x if x is not None else Solve()(a, b)
        gb = Solve()(swapaxes(a, -1, -2), gx)
        ga = grad_like(-(gb @ swapaxes(x, -1, -2)), a) if a.requires_grad else None
        return ga, (grad_like(gb, b) if b.requires_grad else None)


class SolveTriangular(Function):
    """X = A⁻¹ B for triangular A;  B̄ = A⁻ᵀ X̄ (a triangular solve the other way),
    Ā = −tri(B̄ Xᵀ) (only A's triangle is read, so only it gets a gradient)."""

    saves_output = True  # backward reads the output (kept alive for it)

    def __init__(self, lower):
        self.lower = lower

    def forward(self, a, b):
        from mathdl.linalg.lu import triangular_solve_array

        return triangular_solve_array(a, b, self.lower).astype(np.result_type(a, b), copy=False)

    def backward(self, gx):
        a, b = self.inputs
        x = self.outputs[0]()
        x = x if x is not None else SolveTriangular(self.lower)(a, b)
        gb = SolveTriangular(not self.lower)(swapaxes(a, -1, -2), gx)
        ga = None
        if a.requires_grad:
            n = a.shape[-1]
            mask = np.tril(np.ones((n, n))) if self.lower else np.triu(np.ones((n, n)))
            ga = grad_like(-(gb @ swapaxes(x, -1, -2)) * Tensor(mask.astype(a.dtype)), a)
        return ga, (grad_like(gb, b) if b.requires_grad else None)


class Inverse(Function):
    """Y = A⁻¹ for A (..., n, n);  Ā = −Yᵀ Ȳ Yᵀ."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, a):
        from mathdl.linalg.lu import solve_array

        n = a.shape[-1]
        return solve_array(a, np.broadcast_to(np.eye(n), a.shape)).astype(a.dtype, copy=False)

    def backward(self, gy):
        (a,) = self.inputs
        y = self.outputs[0]()
        y = y if y is not None else Inverse()(a)
        yt = swapaxes(y, -1, -2)
        return -(yt @ gy @ yt)


class Determinant(Function):
    """d = det A = (−1)^swaps Π u_kk;  Ā = d̄ · d · A⁻ᵀ (A must be invertible for the gradient)."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, a):
        from mathdl.linalg.lu import lu_factor

        lu, _, sign = lu_factor(a)
        return (sign * np.prod(np.diagonal(lu, axis1=-2, axis2=-1), axis=-1)).astype(a.dtype)

    def backward(self, gd):
        (a,) = self.inputs
        d = self.outputs[0]()
        d = d if d is not None else Determinant()(a)
        scale = unsqueeze(unsqueeze(gd * d, -1), -1)
        return scale * swapaxes(Inverse()(a), -1, -2)


class LogAbsDeterminant(Function):
    """(sign, log|det A|) = (Π sgn u_kk · (−1)^swaps, Σ log|u_kk|);  Ā = ḡ A⁻ᵀ."""

    def forward(self, a):
        from mathdl.linalg.lu import lu_factor

        lu, _, sign = lu_factor(a)
        diagonal = np.diagonal(lu, axis1=-2, axis2=-1)
        sign = sign * np.prod(np.sign(diagonal), axis=-1)
        with np.errstate(divide="ignore"):
            logabs = np.sum(np.log(np.abs(diagonal)), axis=-1)
        return sign.astype(a.dtype), logabs.astype(a.dtype)

    def backward(self, gsign, glogabs):
        (a,) = self.inputs
        return unsqueeze(unsqueeze(glogabs, -1), -1) * swapaxes(Inverse()(a), -1, -2)


class Cholesky(Function):
    """L = chol(A);  Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹)."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, a):
        from mathdl.linalg.cholesky import cholesky_array

        return cholesky_array(a).astype(a.dtype, copy=False)

    def backward(self, gl):
        (a,) = self.inputs
        lower = self.outputs[0]()
        lower = lower if lower is not None else Cholesky()(a)
        n = a.shape[-1]
        phi_mask = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
        phi = (swapaxes(lower, -1, -2) @ gl) * Tensor(phi_mask.astype(a.dtype))
        upper = swapaxes(lower, -1, -2)
        left = SolveTriangular(False)(upper, phi)  # L⁻ᵀ Φ
        whole = swapaxes(SolveTriangular(False)(upper, swapaxes(left, -1, -2)), -1, -2)  # (L⁻ᵀ Φ) L⁻¹
        return (whole + swapaxes(whole, -1, -2)) * 0.5


class Eigh(Function):
    """(λ, V) = eigh(A) for A (..., n, n);  Ā = V (diag(λ̄) + F ∘ ½(VᵀV̄ − V̄ᵀV)) Vᵀ."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, a):
        from mathdl.linalg.eigh import jacobi_eigh

        n = a.shape[-1]
        pairs = [jacobi_eigh(matrix)[:2] for matrix in a.reshape(-1, n, n)]
        w = np.stack([p[0] for p in pairs]).reshape(a.shape[:-1])
        v = np.stack([p[1] for p in pairs]).reshape(a.shape)
        return w.astype(a.dtype), v.astype(a.dtype)

    def backward(self, gw, gv):
        (a,) = self.inputs
        w, v = self.outputs[0](), self.outputs[1]()
        if w is None or v is None:
            w, v = Eigh()(a)
        n = a.shape[-1]
        eye = Tensor(np.eye(n, dtype=a.dtype))
        difference = w.array[..., None, :] - w.array[..., :, None]  # λ_j − λ_i
        with np.errstate(divide="ignore"):
            f = np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(difference == 0, np.inf, difference))
        vt = swapaxes(v, -1, -2)
        inner = (vt @ gv - swapaxes(gv, -1, -2) @ v) * 0.5 * Tensor(f.astype(a.dtype))
        middle = unsqueeze(gw, -2) * eye + inner
        return v @ middle @ vt


class SVD(Function):
    """(U, σ, Vᵀ) = svd(A) for A (..., m, n), thin;  the gradient is Townsend's formula (module
    docstring)."""

    saves_output = True  # backward reads the output (kept alive for it)

    def forward(self, a):
        from mathdl.linalg.svd import _stacked_svd

        u, s, vt = _stacked_svd(a, False)
        return u.astype(a.dtype), s.astype(a.dtype), vt.astype(a.dtype)

    def backward(self, gu, gs, gvt):
        (a,) = self.inputs
        u, s, vt = (self.outputs[i]() for i in range(3))
        if u is None or s is None or vt is None:
            u, s, vt = SVD()(a)
        m, n = a.shape[-2:]
        k = s.shape[-1]
        transpose = lambda x: swapaxes(x, -1, -2)
        v, gv = transpose(vt), transpose(gvt)
        eye_k = Tensor(np.eye(k, dtype=a.dtype))
        squares = s.array**2
        difference = squares[..., None, :] - squares[..., :, None]  # σ_j² − σ_i²
        with np.errstate(divide="ignore"):
            f = np.where(np.eye(k, dtype=bool), 0.0, 1.0 / np.where(difference == 0, np.inf, difference))
        f = Tensor(f.astype(a.dtype))
        sigma = unsqueeze(s, -2) * eye_k
        inverse_sigma = unsqueeze(1.0 / s, -2) * eye_k
        ut_gu = transpose(u) @ gu
        vt_gv = transpose(v) @ gv
        core = (
            ((ut_gu - transpose(ut_gu)) * f) @ sigma
            + unsqueeze(gs, -2) * eye_k
            + sigma @ ((vt_gv - transpose(vt_gv)) * f)
        )
        grad = u @ core @ vt
        if m > k:
            grad = grad + (gu - u @ ut_gu) @ inverse_sigma @ vt
        if n > k:
            grad = grad + u @ inverse_sigma @ (gvt - transpose(vt_gv) @ vt)
        return grad
