"""Integer matrix products with int32 accumulation: the arithmetic of a quantised layer.

With x = s_x (q_x − z_x) and w = s_w,o (q_w − z_w,o) (per output channel o), a Linear layer is

    y[n, o] = b_o + Σ_k x[n, k] w[o, k] ≈ b_o + s_x s_w,o · acc[n, o],
    acc[n, o] = Σ_k (q_x[n, k] − z_x)(q_w[o, k] − z_w,o)            (int32, NumPy's integer matmul)

and a Conv2d layer is the same product on the im2col windows of the zero-point-shifted input (so
padding with 0 is padding with the real 0). Each term is at most 255 · 255 < 2¹⁶ in magnitude, so
int32 holds sums over 2¹⁵ terms exactly. The result equals the float product of the dequantised
operands; against the float layer the error is

    |y − ŷ| ≤ Σ_k (s_x/2 · |ŵ_ok| + s_w,o/2 · |x_nk|)       (x − x̂ and w − ŵ are within half a step)
"""

import numpy as np

from mathdl.ops.convolution import pad_chwn, to_chwn, window_view

MAX_TERMS = 2**15


def _shifted(q, zero_point, axis=None):
    zero_point = np.asarray(zero_point, dtype=np.int32)
    if axis is not None and zero_point.ndim:
        shape = [1] * q.ndim
        shape[axis] = -1
        zero_point = zero_point.reshape(shape)
    return q.astype(np.int32) - zero_point


def _check_terms(terms, op):
    if terms > MAX_TERMS:
        raise ValueError(f"{op}: {terms} products per output could overflow int32 (at most {MAX_TERMS})")


def integer_linear(x_q, x_zero_point, w_q, w_zero_point):
    """acc (n, out) int32 = (q_x − z_x) (q_w − z_w)ᵀ for x_q (n, in), w_q (out, in) (z_w per row or one)."""
    _check_terms(x_q.shape[-1], "integer_linear")
    return _shifted(x_q, x_zero_point) @ _shifted(w_q, w_zero_point, axis=0).T


def integer_conv2d(x_q, x_zero_point, w_q, w_zero_point, geometry):
    """acc (N, O, H_out, W_out) int32 of a convolution of x_q (N, C, H, W) with w_q (O, C, kh, kw)
    (groups = 1): the im2col windows of ``mathdl.ops.convolution`` and one int32 product.

    The windows are laid out one row per output position, (H_out·W_out·N, C·kh·kw), and multiplied
    by the transposed weight view: NumPy's integer matmul (no BLAS) runs its inner loop along the
    shared axis, which is then contiguous in both operands (five times faster than W · cols here).
    """
    out_channels = w_q.shape[0]
    _check_terms(int(np.prod(w_q.shape[1:])), "integer_conv2d")
    shifted = np.ascontiguousarray(to_chwn(_shifted(x_q, x_zero_point)))
    padded = pad_chwn(shifted, geometry.padding)
    out_hw = geometry.out_size(shifted.shape[1:3])
    windows = window_view(padded, geometry, out_hw)  # (C, kh, kw, H_out, W_out, N)
    rows = np.ascontiguousarray(windows.transpose(3, 4, 5, 0, 1, 2)).reshape(-1, int(np.prod(w_q.shape[1:])))
    acc = rows @ _shifted(w_q, w_zero_point, axis=0).reshape(out_channels, -1).T
    return acc.reshape(out_hw[0], out_hw[1], x_q.shape[0], out_channels).transpose(2, 3, 0, 1)
