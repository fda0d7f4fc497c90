"""Depthwise convolution (groups = C = O) as banded matrix products, with no im2col and no padding.

For one channel c and one output row i, the output row is a linear function of the R = d(kh − 1) + 1
input rows it reads, x[n, c, s·i − p + r, :] for r < R. Those rows lie next to each other in memory
(NCHW, and also the (C, H, W, N) layout), so for every (c, i) they form one (N, R·W) matrix X_ci as
a zero-copy strided view, and

    y[n, c, i, j] = Σ_{r, x} X_ci[n, (r, x)] · T_c[j, (r, x)],    T_c[j, (d·u, s·j − p + d·v)] = w[c, 0, u, v]

with T_c the (W_out, R·W) band matrix of channel c's kh·kw weights (entries whose column falls in
the zero padding are left out: the padding is never materialised). It does R·W / (kh·kw) times the
necessary multiplications, which beats nine passes over the data (or an im2col copy nine times the
input) while W is small; ``banded`` gates it on that ratio.

The products are tiny ((N × R·W) · (R·W × W_out)), so BLAS's per-call cost dominates; the forward
therefore takes g output rows per product (``FORWARD_BLOCK_ROWS``). Rows i … i + g − 1 read the
R_g = s(g − 1) + R input rows from s·i − p on, again adjacent in memory, and their outputs are
adjacent too (g·W_out numbers in either layout), so with the block-Toeplitz band

    T^g_c[(k, j), (s·k + r, x)] = T_c[j, (r, x)]        (k < g: g·W_out × R_g·W)

y[n, c, i … i + g − 1, :] = X^g_ci · (T^g_c)ᵀ: R_g/R times the multiplications in g times fewer
products, one batched ``np.matmul`` over (C, blocks). A block whose window sticks into the top or
bottom padding uses the rows that exist and the matching columns of T^g_c; a shorter last block uses
its top-left corner (T^g for fewer rows).

The weight gradient is the adjoint of building T from w: with B the 0/1 tensor that places w into T
(T_c = Σ_{u,v} w[c, u, v] B[u, v]),

    ∂L/∂w[c, u, v] = Σ_{j, r, x} G_c[j, (r, x)] · B[u, v, j, (r, x)],    G_c = Σ_i ȳ_ciᵀ X_ci

(ȳ_ci the (N, W_out) output-gradient row), again one batched product and one small matrix product;
the same holds for blocks of g rows with T^g and its B (``GRAD_BLOCK_ROWS``, 1: wider blocks were
not faster for this product).
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
# Output rows per product (g): fewer, bigger products against more zeros of the band. g = 2 ran the
# forward of a 64-channel 3×3 layer on 14×14×64 ~12 % faster than g = 1; g = 4 and the weight
# gradient's wider blocks were no faster (OpenBLAS, one thread).
FORWARD_BLOCK_ROWS = 2
GRAD_BLOCK_ROWS = 1


def banded(geometry, x_shape, w_shape):
    """Whether a convolution of an (N, C, H, W) input with weight ``w_shape`` is a depthwise one
    (one output channel per input channel) that the band kernel runs faster."""
    channels, width = x_shape[1], x_shape[3]
    (kh, kw), (dh, _) = geometry.kernel, geometry.dilation
    depthwise = geometry.groups == channels == w_shape[0] and w_shape[1] == 1 and channels > 1
    return depthwise and (dh * (kh - 1) + 1) * width <= MAX_BAND_WASTE * kh * kw


def _placement(geometry, in_w, out_w, block):
    """The placement tensor B for ``geometry`` and blocks of ``block`` output rows (built once per
    distinct geometry, width and block)."""
    key = (geometry.kernel, geometry.stride, geometry.dilation, geometry.padding[1][0], in_w, out_w, block)
    return _placement_of(*key)


@functools.lru_cache(maxsize=64)
def _placement_of(kernel, stride, dilation, left, in_w, out_w, block):
    """B of shape (kh·kw, g·W_out, R_g·W), g = ``block``, R_g = s(g − 1) + R:
    B[(u, v), (k, j), (s·k + d·u, s·j − p + d·v)] = 1 where that column lies inside the input
    (columns in the zero padding are dropped). B for g rows starts with B for fewer rows."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    rows = sh * (block - 1) + dh * (kh - 1) + 1
    placement = np.zeros((kh, kw, block, out_w, rows, in_w))
    u, v, k, j = np.meshgrid(np.arange(kh), np.arange(kw), np.arange(block), np.arange(out_w), indexing="ij")
    column = sw * j - left + dw * v
    inside = (column >= 0) & (column < in_w)
    u, v, k, j, column = u[inside], v[inside], k[inside], j[inside], column[inside]
    placement[u, v, k, j, sh * k + dh * u, column] = 1.0
    placement = placement.reshape(kh * kw, block * out_w, rows * in_w)
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


def _row_windows(x, first, count, step, start, rows, writeable=False):
    """The (C, count, N, rows·W) view X[c, k] = x[:, c, first + step·k + start … + rows, :] (flattened
    rows), zero-copy in either layout (for (C, H, W, N) memory its last two axes are transposed)."""
    n, c, _, w = x.shape
    s_n, s_c, s_h, s_w = x.strides
    base = x[:, :, first + start :]
    return np.lib.stride_tricks.as_strided(
        base, shape=(c, count, n, rows * w), strides=(s_c, step * s_h, s_n, s_w), writeable=writeable
    )


def _matmul_into(a, b, out):
    """out[...] = a @ b, computing (bᵀ aᵀ)ᵀ when out's rows are not contiguous (a (C, H, W, N)
    output) so that NumPy can hand both forms to BLAS."""
    if out.strides[-1] == out.itemsize:
        np.matmul(a, b, out=out)
    else:
        np.matmul(b.swapaxes(-1, -2), a.swapaxes(-1, -2), out=out.swapaxes(-1, -2))


def _row_blocks(geometry, in_h, out_h, block):
    """Output rows in blocks of ``block`` (the last one shorter), as runs (first output row, count
    of blocks, rows per block, first band row r0, end r1) of consecutive blocks that read the same
    band rows: blocks whose window crosses the top or bottom padding use band rows r0 … r1 only."""
    (kh, _), (sh, _), (dh, _) = geometry.kernel, geometry.stride, geometry.dilation
    top = geometry.padding[0][0]
    runs = []
    for first in range(0, out_h, block):
        size = min(block, out_h - first)
        a = sh * first - top
        key = (size, max(0, -a), min(sh * (size - 1) + dh * (kh - 1) + 1, in_h - a))
        if runs and runs[-1][2:] == key:  # the last run ends where this block starts
            runs[-1] = (runs[-1][0], runs[-1][1] + 1) + key
        else:
            runs.append((first, 1) + key)
    return runs


def depthwise_forward(x, w, geometry, out_hw):
    """y = conv2d(x, w, groups=C) for an (N, C, H, W) array x (NCHW memory or (C, H, W, N) memory),
    w (C, 1, kh, kw); returns y as a (C, H_out, W_out, N)-shaped view of an array in x's layout."""
    x = _as_rows_layout(x)
    n, c, in_h, in_w = x.shape
    out_h, out_w = out_hw
    block = FORWARD_BLOCK_ROWS
    placement = _placement(geometry, in_w, out_w, block)
    band = w.reshape(c, -1) @ placement.reshape(placement.shape[0], -1).astype(w.dtype)
    band_t = np.ascontiguousarray(band.reshape(c, 1, block * out_w, -1).swapaxes(-1, -2))
    dtype = np.result_type(x, w)
    if x.strides[3] == x.itemsize:
        y = workspace.empty((n, c, out_h, out_w), dtype)
    else:
        y = workspace.empty((c, out_h, out_w, n), dtype).transpose(3, 0, 1, 2)
    sh, top = geometry.stride[0], geometry.padding[0][0]
    for first, count, size, r0, r1 in _row_blocks(geometry, in_h, out_h, block):
        target = _row_windows(y, first, count, block, 0, size, writeable=True)  # (C, count, N, g·W_out)
        if r1 <= r0:
            target[...] = 0
            continue
        windows = _row_windows(x, sh * first - top, count, sh * block, r0, r1 - r0)
        _matmul_into(windows, band_t[:, :, r0 * in_w : r1 * in_w, : size * out_w], target)
    return y.transpose(1, 2, 3, 0)


def depthwise_grad_weight(x, gy, geometry, kernel_shape):
    """∂L/∂w (C, 1, kh, kw) of ``depthwise_forward`` from x and ȳ (N, C, H_out, W_out) in any layout:
    G_c = Σ_b ȳ_cbᵀ X_cb by batched products over runs of row blocks, then contracted with B."""
    x, gy = _as_rows_layout(x), _as_rows_layout(gy)
    n, c, in_h, in_w = x.shape
    out_h, out_w = gy.shape[2:]
    block = GRAD_BLOCK_ROWS
    placement = _placement(geometry, in_w, out_w, block)
    dtype = np.result_type(x, gy)
    total = np.zeros((c,) + placement.shape[1:], dtype=dtype)
    sh, top = geometry.stride[0], geometry.padding[0][0]
    chunk = max(1, GRAD_BLOCK_BYTES // (c * total[0].size * np.dtype(dtype).itemsize))
    for first, count, size, r0, r1 in _row_blocks(geometry, in_h, out_h, block):
        if r1 <= r0:
            continue
        for start in range(0, count, chunk):
            stop = min(start + chunk, count)
            begin = first + start * block
            windows = _row_windows(x, sh * begin - top, stop - start, sh * block, r0, r1 - r0)
            gy_blocks = _row_windows(gy, begin, stop - start, block, 0, size).swapaxes(-1, -2)
            products = np.matmul(gy_blocks, windows)  # (C, blocks, g·W_out, (r1 − r0)·W)
            total[:, : size * out_w, r0 * in_w : r1 * in_w] += products.sum(axis=1)
    gw = total.reshape(c, -1) @ placement.reshape(placement.shape[0], -1).T.astype(dtype)
    return gw.reshape(kernel_shape)
