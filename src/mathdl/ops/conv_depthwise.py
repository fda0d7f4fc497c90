"""Depthwise convolution (groups = C = O) as banded matrix products, with no im2col and no padding.

For one channel c and one output row i, the output row is a linear function of the R = d(kh − 1) + 1
input rows it reads, x[n, c, s·i − p + r, :] for r < R. Those rows lie next to each other in memory
(NCHW, and also the (C, H, W, N) layout), so for every (c, i) they form one (N, R·W) matrix X_ci as
a zero-copy strided view, and

    y[n, c, i, j] = Σ_{r, x} X_ci[n, (r, x)] · T_c[j, (r, x)],    T_c[j, (d·u, s·j − p + d·v)] = w[c, 0, u, v]

with T_c the (W_out, R·W) band matrix of channel c's kh·kw weights (entries whose column falls in
the zero padding are left out: the padding is never materialised). One batched ``np.matmul`` over
(C, H_out) computes the layer at BLAS speed: it does R·W / (kh·kw) times the necessary
multiplications, which beats nine passes over the data (or an im2col copy nine times the input)
while W is small; ``banded`` gates it on that ratio. Output rows whose window sticks into the top or
bottom padding use the rows that exist and the matching columns of T_c.

The weight gradient is the adjoint of building T from w: with B the 0/1 tensor that places w into T
(T_c = Σ_{u,v} w[c, u, v] B[u, v]),

    ∂L/∂w[c, u, v] = Σ_{j, r, x} G_c[j, (r, x)] · B[u, v, j, (r, x)],    G_c = Σ_i ȳ_ciᵀ X_ci

(ȳ_ci the (N, W_out) output-gradient row), again one batched product and one small matrix product.
The input gradient (stride 1) is the forward kernel applied to ȳ with the kernel rotated by 180°
(``conv2d_grad_input``'s full correlation), so it runs through ``depthwise_forward`` too.
"""

import functools

import numpy as np

from mathdl.ops import workspace

# The band does R·W multiplications per output pixel instead of kh·kw; past this ratio the im2col
# path (a copy kh·kw times the input, then a GEMM with K = kh·kw) costs less. For 3×3 layers the
# band won up to W = 28 (ratio 9.3) and lost at W = 56 (ratio 18.7) in forward + backward.
MAX_BAND_WASTE = 12
# Rows of the weight-gradient product (C, rows, W_out, R·W) materialised at once.
GRAD_BLOCK_BYTES = 2**21


def banded(geometry, x_shape, w_shape):
    """Whether a convolution of an (N, C, H, W) input with weight ``w_shape`` is a depthwise one
    (one output channel per input channel) that the band kernel runs faster."""
    channels, width = x_shape[1], x_shape[3]
    (kh, kw), (dh, _) = geometry.kernel, geometry.dilation
    depthwise = geometry.groups == channels == w_shape[0] and w_shape[1] == 1 and channels > 1
    return depthwise and (dh * (kh - 1) + 1) * width <= MAX_BAND_WASTE * kh * kw


def _placement(geometry, in_w, out_w):
    """The placement tensor B for ``geometry`` (built once per distinct geometry and width)."""
    key = (geometry.kernel, geometry.stride[1], geometry.dilation, geometry.padding[1][0], in_w, out_w)
    return _placement_of(*key)


@functools.lru_cache(maxsize=64)
def _placement_of(kernel, sw, dilation, left, in_w, out_w):
    """B of shape (kh·kw, W_out, R·W): B[(u, v), j, (d·u, s·j − p + d·v)] = 1 where that column lies
    inside the input (columns in the zero padding are dropped)."""
    (kh, kw), (dh, dw) = kernel, dilation
    rows = dh * (kh - 1) + 1
    placement = np.zeros((kh, kw, out_w, rows, in_w))
    u, v, j = np.meshgrid(np.arange(kh), np.arange(kw), np.arange(out_w), indexing="ij")
    column = sw * j - left + dw * v
    inside = (column >= 0) & (column < in_w)
    placement[u[inside], v[inside], j[inside], dh * u[inside], column[inside]] = 1.0
    placement = placement.reshape(kh * kw, out_w, rows * in_w)
    placement.flags.writeable = False  # shared between calls
    return placement


def _as_rows_layout(x):
    """x itself when each channel's image rows are contiguous (NCHW) or its memory is (C, H, W, N);
    else a contiguous NCHW copy."""
    n, c, h, w = x.shape
    size = x.itemsize
    nchw_rows = x.strides[3] == size and x.strides[2] == w * size
    chwn = x.strides[0] == size and x.strides[3] == n * size and x.strides[2] == w * n * size
    return x if nchw_rows or chwn else np.ascontiguousarray(x)


def _row_windows(x, first, count, step, start, rows):
    """The (C, count, N, rows·W) view X[c, k] = x[:, c, first + step·k + start … + rows, :] (flattened
    rows), zero-copy in either layout (for (C, H, W, N) memory its last two axes are transposed)."""
    n, c, _, w = x.shape
    s_n, s_c, s_h, s_w = x.strides
    base = x[:, :, first + start :]
    return np.lib.stride_tricks.as_strided(
        base, shape=(c, count, n, rows * w), strides=(s_c, step * s_h, s_n, s_w), writeable=False
    )


def _matmul_into(a, b, out):
    """out[...] = a @ b, computing (bᵀ aᵀ)ᵀ when out's rows are not contiguous (a (C, H, W, N)
    output) so that NumPy can hand both forms to BLAS."""
    if out.strides[-1] == out.itemsize:
        np.matmul(a, b, out=out)
    else:
        np.matmul(b.swapaxes(-1, -2), a.swapaxes(-1, -2), out=out.swapaxes(-1, -2))


def _row_ranges(geometry, in_h, out_h):
    """(first output row, count, first window row r0, end r1) runs: interior rows read all R rows;
    each output row whose window crosses the top or bottom padding is a run of its own."""
    (kh, _), (sh, _), (dh, _) = geometry.kernel, geometry.stride, geometry.dilation
    top = geometry.padding[0][0]
    rows = dh * (kh - 1) + 1
    inner = [i for i in range(out_h) if sh * i - top >= 0 and sh * i - top + rows <= in_h]
    runs = [(inner[0], len(inner), 0, rows)] if inner else []
    for i in range(out_h):
        if not inner or i < inner[0] or i > inner[-1]:
            a = sh * i - top
            runs.append((i, 1, max(0, -a), min(rows, in_h - a)))
    return runs


def depthwise_forward(x, w, geometry, out_hw):
    """y = conv2d(x, w, groups=C) for an (N, C, H, W) array x (NCHW memory or (C, H, W, N) memory),
    w (C, 1, kh, kw); returns y as a (C, H_out, W_out, N)-shaped view of an array in x's layout."""
    x = _as_rows_layout(x)
    n, c, in_h, in_w = x.shape
    out_h, out_w = out_hw
    placement = _placement(geometry, in_w, out_w)
    band = (w.reshape(c, -1) @ placement.reshape(placement.shape[0], -1).astype(w.dtype)).reshape(
        c, 1, out_w, -1
    )
    band_t = np.ascontiguousarray(band.swapaxes(-1, -2))  # (C, 1, R·W, W_out)
    dtype = np.result_type(x, w)
    if x.strides[3] == x.itemsize:
        y = workspace.empty((n, c, out_h, out_w), dtype)
        y_rows = y.transpose(1, 2, 0, 3)  # (C, H_out, N, W_out) view
    else:
        y_chwn = workspace.empty((c, out_h, out_w, n), dtype)
        y, y_rows = y_chwn.transpose(3, 0, 1, 2), y_chwn.transpose(0, 1, 3, 2)
    sh, in_row = geometry.stride[0], in_w
    for first, count, r0, r1 in _row_ranges(geometry, in_h, out_h):
        target = y_rows[:, first : first + count]
        if r1 <= r0:
            target[...] = 0
            continue
        top = sh * first - geometry.padding[0][0]
        windows = _row_windows(x, top, count, sh, r0, r1 - r0)
        _matmul_into(windows, band_t[:, :, r0 * in_row : r1 * in_row], target)
    return y.transpose(1, 2, 3, 0)


def _output_rows(gy):
    """ȳ (N, C, H_out, W_out) as the (C, H_out, W_out, N) view the weight-gradient product reads."""
    return gy.transpose(1, 2, 3, 0)


def depthwise_grad_weight(x, gy, geometry, kernel_shape):
    """∂L/∂w (C, 1, kh, kw) of ``depthwise_forward`` from x and ȳ (N, C, H_out, W_out) in any layout:
    G_c = Σ_i ȳ_ciᵀ X_ci by batched products over blocks of output rows, then contracted with B."""
    x = _as_rows_layout(x)
    n, c, in_h, in_w = x.shape
    out_h, out_w = gy.shape[2:]
    placement = _placement(geometry, in_w, out_w)
    rows = placement.shape[2] // in_w
    dtype = np.result_type(x, gy)
    total = np.zeros((c, out_w, rows * in_w), dtype=dtype)
    gy_rows = _output_rows(gy)
    sh, top = geometry.stride[0], geometry.padding[0][0]
    block = max(1, GRAD_BLOCK_BYTES // (c * out_w * rows * in_w * np.dtype(dtype).itemsize))
    for first, count, r0, r1 in _row_ranges(geometry, in_h, out_h):
        if r1 <= r0:
            continue
        for start in range(first, first + count, block):
            stop = min(start + block, first + count)
            windows = _row_windows(x, sh * start - top, stop - start, sh, r0, r1 - r0)
            products = np.matmul(gy_rows[:, start:stop], windows)  # (C, rows, W_out, (r1 − r0)·W)
            total[:, :, r0 * in_w : r1 * in_w] += products.sum(axis=1)
    gw = total.reshape(c, -1) @ placement.reshape(placement.shape[0], -1).T.astype(dtype)
    return gw.reshape(kernel_shape)
