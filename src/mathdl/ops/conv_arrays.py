"""Array kernels of 2-D convolution in the (C, H, W, N) layout: window geometry, padding, im2col,
col2im and the three matrix products of a convolution layer (forward, input gradient, weight
gradient), on NumPy arrays. The formulas are in ``mathdl.ops.convolution``'s docstring; the
Functions there call these.
"""

import numbers
from typing import Any

import numpy as np

from mathdl.ops import workspace
from mathdl.ops.conv_depthwise import banded, depthwise_forward, depthwise_grad_weight

# ----- geometry -------------------------------------------------------------------------------


def _pair(value: Any, name: str, op: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return pair


def _padding(padding: Any, op: str) -> tuple[tuple[int, int], ...]:
    """((top, bottom), (left, right)) from an int, a pair (ph, pw) or a pair of pairs."""
    if (
        isinstance(padding, (tuple, list))
        and len(padding) == 2
        and all(isinstance(p, (tuple, list)) for p in padding)
    ):
        pads = tuple(_pair(tuple(p), "padding", op, 0) for p in padding)
        return pads
    ph, pw = _pair(padding, "padding", op, 0)
    return (ph, ph), (pw, pw)


def same_padding(size, kernel_size, stride=1, dilation=1):
    """The ((top, bottom), (left, right)) padding that makes H_out = ⌈H / s⌉ (TensorFlow/Keras
    ``padding='same'``; the odd pixel goes to the bottom/right). ``size`` is (H, W)."""
    pads = []
    for n, k, s, d in zip(
        size,
        _pair(kernel_size, "kernel_size", "same_padding", 1),
        _pair(stride, "stride", "same_padding", 1),
        _pair(dilation, "dilation", "same_padding", 1),
    ):
        total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def output_size(size, kernel_size, stride, padding, dilation):
    """(H_out, W_out) of a convolution or pooling window sweep: ⌊(H + pt + pb − d(k−1) − 1)/s⌋ + 1."""
    return tuple(
        (n + a + b - d * (k - 1) - 1) // s + 1
        for n, k, s, (a, b), d in zip(size, kernel_size, stride, padding, dilation)
    )


class Geometry:
    """Kernel size, stride, ((top, bottom), (left, right)) padding and dilation of a window sweep."""

    __slots__ = ("kernel", "stride", "padding", "dilation", "groups")

    def __init__(self, kernel, stride, padding, dilation, groups=1):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.groups = groups

    def out_size(self, size):
        return output_size(size, self.kernel, self.stride, self.padding, self.dilation)

    def padded(self, size):
        return tuple(n + a + b for n, (a, b) in zip(size, self.padding))


# ----- array kernels (CHWN layout) ---------------------------------------------------------------


def to_chwn(x):
    """An NCHW array seen as (C, H, W, N) (a view; contiguous when x came from these ops)."""
    return x.transpose(1, 2, 3, 0)


def is_chwn(x):
    """Whether the memory of the NCHW array x is laid out (C, H, W, N) (x came from these ops)."""
    return x.transpose(1, 2, 3, 0).flags.c_contiguous


# Copying an NCHW array into the (C, H, W, N) layout is a transposition: each batch entry of the
# source lies C·H·W numbers away from the next. NumPy copies it element by element along the batch
# axis, touching N cache lines (often mapped to the same cache set) per output run; copying a few
# batch entries at a time keeps those lines in L1 and is about twice as fast on big arrays.
TRANSPOSE_BLOCK = 16
TRANSPOSE_MIN_BYTES = 2**20


def copy_chwn(dst, src):
    """dst[...] = src for (C, H, W, N) arrays, by blocks of batch entries when src is an NCHW array
    seen as CHWN (its batch axis not innermost in memory) and big."""
    batch = src.shape[-1]
    if src.strides[-1] == src.itemsize or src.nbytes < TRANSPOSE_MIN_BYTES or batch <= TRANSPOSE_BLOCK:
        np.copyto(dst, src)
        return
    for start in range(0, batch, TRANSPOSE_BLOCK):
        np.copyto(dst[..., start : start + TRANSPOSE_BLOCK], src[..., start : start + TRANSPOSE_BLOCK])


def as_chwn(x):
    """The (C, H, W, N) C-contiguous array of an NCHW array: a view when x is already laid out so
    (``is_chwn``), else one copy."""
    xc = to_chwn(x)
    if xc.flags.c_contiguous:
        return xc
    out = workspace.empty(xc.shape, xc.dtype)
    copy_chwn(out, xc)
    return out


def as_chwn_view(x):
    """x itself when its memory is (C, H, W, N), else an NCHW-shaped view of a CHWN copy: the same
    values in the layout whose windows and rows these kernels copy fastest."""
    return x if is_chwn(x) else as_chwn(x).transpose(3, 0, 1, 2)


def pad_chwn(x, padding, value=0.0):
    """(C, H, W, N) array padded in H and W; without padding the array itself (no copy)."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    c, h, w, n = x.shape
    out = workspace.empty((c, h + pt + pb, w + pl + pr, n), x.dtype)
    if value == 0.0:
        out[:, :pt] = 0
        out[:, h + pt :] = 0
        out[:, pt : h + pt, :pl] = 0
        out[:, pt : h + pt, w + pl :] = 0
    else:
        out.fill(value)
    copy_chwn(out[:, pt : pt + h, pl : pl + w], x)
    return out


def padded_chwn(x, padding):
    """The zero-padded (C, Hp, Wp, N) array of an NCHW array x, C-contiguous (one copy at most)."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return as_chwn(x)
    return pad_chwn(to_chwn(x), padding)


def window_view(xp, geometry, out_hw):
    """Zero-copy view (C, kh, kw, H_out, W_out, N) of the windows of a padded (C, Hp, Wp, N) array:
    view[c, u, v, i, j, n] = xp[c, s·i + d·u, s·j + d·v, n]."""
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel, geometry.stride, geometry.dilation
    c, _, _, n = xp.shape
    s_c, s_h, s_w, s_n = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp,
        shape=(c, kh, kw, out_hw[0], out_hw[1], n),
        strides=(s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w, s_n),
        writeable=False,
    )


def window_slice(geometry, out_hw, u, v):
    """The (H, W) index of the pixels that kernel offset (u, v) reads for every output position."""
    (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
    return (
        slice(dh * u, dh * u + sh * (out_hw[0] - 1) + 1, sh),
        slice(dw * v, dw * v + sw * (out_hw[1] - 1) + 1, sw),
    )


def im2col(x_chwn, geometry, out_hw=None):
    """cols of shape (C·kh·kw, H_out·W_out·N) from a (C, H, W, N) array: one copy of the window view.

    ``out_hw`` may cap the output size (a transposed convolution's output_padding can leave rows
    that no window of the matching convolution needs)."""
    xp = pad_chwn(x_chwn, geometry.padding)
    if out_hw is None:
        out_hw = geometry.out_size(x_chwn.shape[1:3])
    cols = np.ascontiguousarray(window_view(xp, geometry, out_hw))
    return cols.reshape(cols.shape[0] * cols.shape[1] * cols.shape[2], -1), out_hw


# NumPy's ufunc iterator copies operands that are not contiguous as a whole through its buffers
# (8192 elements by default) to run one long inner loop, even when they are made of long contiguous
# runs. For col2im's window adds — C runs of W_out·N numbers per output row, e.g. 32 runs of 896 —
# that copying makes an add ~3x slower than the add itself; with a buffer smaller than a run NumPy
# loops over the runs in place (a 32→64-channel layer's input gradient: 6.9 → 5.9 ms). Runs of a few
# dozen numbers (strided pooling windows) are still faster buffered, so only long runs skip it.
UNBUFFERED_MIN_RUN = 512
UNBUFFERED_BUFSIZE = 256


def _add_windows(out, cols, geometry, start):
    """out[c, s·i + d·u, s·j + d·v, n] += cols[c, u, v, i − start, j, n] for a block of output rows
    i ∈ [start, start + rows): one strided slice per kernel offset (overlaps add up)."""
    (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
    _, kh, kw, rows, width, batch = cols.shape
    run = width * batch if sw == 1 else batch  # contiguous numbers per (channel, row) of a slice
    previous = np.setbufsize(UNBUFFERED_BUFSIZE) if run >= UNBUFFERED_MIN_RUN else None
    try:
        for u in range(kh):
            row_slice = slice(dh * u + sh * start, dh * u + sh * (start + rows - 1) + 1, sh)
            for v in range(kw):
                out[:, row_slice, dw * v : dw * v + sw * (width - 1) + 1 : sw] += cols[:, u, v]
    finally:
        if previous is not None:
            np.setbufsize(previous)


def col2im(cols, geometry, in_hw, out_hw, channels, batch):
    """The adjoint of im2col: each column entry is added back to the pixel it was read from.

    ``cols`` (C·kh·kw, H_out·W_out·N) -> (C, H, W, N). Loops over the kh·kw kernel offsets, adding
    one strided slice per offset (overlapping windows accumulate; no ``np.add.at``)."""
    (kh, kw) = geometry.kernel
    (pt, _), (pl, _) = geometry.padding
    out = workspace.zeros((channels,) + geometry.padded(in_hw) + (batch,), cols.dtype)
    _add_windows(out, cols.reshape(channels, kh, kw, out_hw[0], out_hw[1], batch), geometry, 0)
    return out[:, pt : pt + in_hw[0], pl : pl + in_hw[1]]


def _grouped(matrix, groups):
    """(rows, cols) -> (g, rows/g, cols) view."""
    return matrix.reshape(groups, matrix.shape[0] // groups, matrix.shape[1])


def _rows_chwn(array4d):
    """An NCHW gradient/feature array as the (C, H·W·N) matrix of its CHWN layout."""
    chwn = as_chwn(array4d)
    return chwn.reshape(chwn.shape[0], -1)


# An im2col block of about this size stays in cache between its copy and its GEMM; bigger layers
# are processed in blocks of output rows (a whole 64-channel layer would stream ~60 MB through
# memory twice). Half a MiB: OpenBLAS runs the thin products of layers with few input channels
# (a first layer's K = kh·kw rows) 2-3x faster on such blocks than on 2 MiB ones, and the
# 32/64-channel layers as fast.
CHUNK_BYTES = 2**19


def _row_blocks(kernel_rows, out_hw, batch, itemsize):
    """Ranges of output rows whose im2col block (K × rows·W_out·N) is about CHUNK_BYTES."""
    per_row = kernel_rows * out_hw[1] * batch * itemsize
    rows = max(1, CHUNK_BYTES // max(per_row, 1))
    return [(start, min(start + rows, out_hw[0])) for start in range(0, out_hw[0], rows)]


def _block_buffer(view, blocks):
    """One reusable (C·kh·kw, rows·W_out·N) array for the largest block (allocating a fresh block
    each time costs page faults comparable to the copy itself)."""
    c, kh, kw, _, width, batch = view.shape
    rows = max(stop - start for start, stop in blocks)
    return workspace.empty((c * kh * kw, rows * width * batch), view.dtype)


def _copy_block(buffer, view, start, stop):
    """The im2col columns of output rows [start, stop) copied into the front of ``buffer``; returns
    that (K, (stop − start)·W_out·N) part of it."""
    c, kh, kw, _, width, batch = view.shape
    part = buffer[:, : (stop - start) * width * batch]
    np.copyto(part.reshape(c, kh, kw, stop - start, width, batch), view[:, :, :, start:stop])
    return part


def _windows(x, geometry, out_hw, padded=None):
    """The (C, kh, kw, H_out, W_out, N) window view of x (padded), its output size and K = C·kh·kw.
    ``padded``: x's ``padded_chwn`` when the caller has it already."""
    if out_hw is None:
        out_hw = geometry.out_size(x.shape[2:])
    if padded is None:
        padded = padded_chwn(x, geometry.padding)
    view = window_view(padded, geometry, out_hw)
    return view, tuple(out_hw), view.shape[0] * view.shape[1] * view.shape[2]


def conv2d_forward(x, w, geometry, out_hw=None, padded=None):
    """y = conv2d(x, w) on arrays; returns (y in (O, H_out, W_out, N) layout, cols or None).

    ``cols`` is the whole im2col matrix when the layer fits in one block (it is then kept for the
    weight gradient); big layers run block by block over output rows and return None. ``padded``:
    x's ``padded_chwn`` if the caller made it. A depthwise layer runs the band kernel instead
    (``conv_depthwise``; y then keeps x's layout, still seen as (O, H_out, W_out, N))."""
    if banded(geometry, x.shape, w.shape):
        out_hw = tuple(out_hw or geometry.out_size(x.shape[2:]))
        return depthwise_forward(x, w, geometry, out_hw), None
    groups = geometry.groups
    out_channels = w.shape[0]
    view, out_hw, k = _windows(x, geometry, out_hw, padded)
    batch = x.shape[0]
    blocks = _row_blocks(k, out_hw, batch, x.itemsize)
    if len(blocks) == 1:
        cols = np.ascontiguousarray(view).reshape(k, -1)
        if groups == 1:
            y = w.reshape(out_channels, -1) @ cols
        else:
            y = np.matmul(w.reshape(groups, out_channels // groups, -1), _grouped(cols, groups))
        return y.reshape(out_channels, out_hw[0], out_hw[1], batch), cols
    y = workspace.empty((out_channels,) + out_hw + (batch,), np.result_type(x, w))
    weight = w.reshape(groups, out_channels // groups, k // groups)
    buffer = _block_buffer(view, blocks)
    for start, stop in blocks:
        cols = _copy_block(buffer, view, start, stop).reshape(groups, k // groups, -1)
        out = y[:, start:stop].reshape(groups, out_channels // groups, -1)  # a view into y
        if groups == 1:
            np.matmul(weight[0], cols[0], out=out[0])
        else:
            np.matmul(weight, cols, out=out)
    return y, None


def _flipped_transposed_kernel(w, groups):
    """w (O, C/g, kh, kw) -> w' (C, O/g, kh, kw) with w'[c, o] = w[o, c] rotated by 180° (per group)."""
    out_channels, per_group, kh, kw = w.shape
    wg = w.reshape(groups, out_channels // groups, per_group, kh, kw).transpose(0, 2, 1, 3, 4)
    return np.ascontiguousarray(
        wg.reshape(groups * per_group, out_channels // groups, kh, kw)[:, :, ::-1, ::-1]
    )


def _full_correlation_padding(geometry, in_hw, out_hw):
    """Padding of ȳ that turns a stride-1 input gradient into a plain correlation, or None."""
    if geometry.stride != (1, 1):
        return None
    pads = []
    for n, m, k, d, (before, _) in zip(in_hw, out_hw, geometry.kernel, geometry.dilation, geometry.padding):
        top = d * (k - 1) - before
        bottom = n - m + d * (k - 1) - top
        if top < 0 or bottom < 0:
            return None
        pads.append((top, bottom))
    return tuple(pads)


def conv2d_grad_input(gy, w, geometry, in_hw):
    """∂L/∂x = col2im(Wᵀ Ȳ) on arrays (also the forward of conv_transpose2d); NCHW view.

    With stride 1 and no more input than output pixels per channel, it is computed instead as the
    "full" correlation of ȳ (padded by d(k − 1) − p) with the kernel rotated by 180° and its channel
    axes swapped, ∂L/∂x[n, c, h, w'] = Σ_{o,u,v} w[o, c, u, v] ȳ[n, o, h + p − d·u, w' + p − d·v]:
    the same sum, but as a forward-shaped GEMM with no scatter."""
    groups = geometry.groups
    out_hw = gy.shape[2:]
    full = _full_correlation_padding(geometry, in_hw, out_hw)
    if full is not None and w.shape[0] * in_hw[0] * in_hw[1] <= w.shape[1] * groups * out_hw[0] * out_hw[1]:
        flipped = _flipped_transposed_kernel(w, groups)
        gx, _ = conv2d_forward(
            gy, flipped, Geometry(geometry.kernel, (1, 1), full, geometry.dilation, groups), tuple(in_hw)
        )
        return gx.transpose(3, 0, 1, 2)
    gy_rows = _rows_chwn(gy)
    out_channels, channels, batch = w.shape[0], w.shape[1] * groups, gy.shape[0]
    (kh, kw), (pt, _), (pl, _) = geometry.kernel, geometry.padding[0], geometry.padding[1]
    k = channels * kh * kw
    weight_t = w.reshape(groups, out_channels // groups, k // groups).transpose(0, 2, 1)
    per_row = gy_rows.reshape(out_channels, out_hw[0], -1)
    gxp = workspace.zeros((channels,) + geometry.padded(in_hw) + (batch,), np.result_type(gy, w))
    # Wᵀ Ȳ block by block of output rows, each block scattered back at once (col2im), the products
    # written into one reused buffer: a fresh ~1 MB block per row comes from mmap, page faults and all
    blocks = _row_blocks(k, out_hw, batch, gy.itemsize)
    width = max(stop - start for start, stop in blocks) * out_hw[1] * batch
    buffer = np.empty((groups, k // groups, width), gxp.dtype)
    for start, stop in blocks:
        gy_block = per_row[:, start:stop].reshape(groups, out_channels // groups, -1)
        gcols = buffer[:, :, : gy_block.shape[2]]
        np.matmul(weight_t, gy_block, out=gcols)
        _add_windows(gxp, gcols.reshape(channels, kh, kw, stop - start, out_hw[1], batch), geometry, start)
    return gxp[:, pt : pt + in_hw[0], pl : pl + in_hw[1]].transpose(3, 0, 1, 2)


def _thin(cols_rows, out_channels, groups, rows):
    """Whether (cols · Ȳᵀ) is a tiny (K × O) result from a very long sum (a first layer: K = kh·kw)."""
    return groups == 1 and cols_rows * out_channels <= 4096 and rows > 1


def _row_by_row(cols, gy_rows, rows):
    """cols · Ȳᵀ = Σ_r cols_r · Ȳ_rᵀ over the ``rows`` output rows the columns hold: for a thin
    result, one GEMM per output row, summed, is ~10x faster than one GEMM whose inner dimension is
    H_out·W_out·N. ``cols`` (K, rows·M), ``gy_rows`` (O, rows·M) -> (K, O)."""
    per_row = cols.reshape(cols.shape[0], rows, -1).transpose(1, 0, 2)
    gy_per_row = gy_rows.reshape(gy_rows.shape[0], rows, -1).transpose(1, 2, 0)
    return np.matmul(per_row, gy_per_row).sum(axis=0)


def _grad_weight_in_blocks(view, gy_rows, blocks, groups, dtype):
    """(cols · Ȳᵀ) grouped, (g, K/g, O/g), with the im2col matrix rebuilt block by block of rows."""
    c, kh, kw, rows, _, _ = view.shape
    k, out_channels = c * kh * kw, gy_rows.shape[0]
    per_row = gy_rows.reshape(out_channels, rows, -1)
    gw_t = np.zeros((groups, k // groups, out_channels // groups), dtype=dtype)
    buffer = _block_buffer(view, blocks)
    for start, stop in blocks:
        block = _copy_block(buffer, view, start, stop)
        if _thin(k, out_channels, groups, stop - start):
            gw_t[0] += _row_by_row(block, per_row[:, start:stop], stop - start)
            continue
        gy_block = per_row[:, start:stop].reshape(groups, out_channels // groups, -1)
        gw_t += np.matmul(block.reshape(groups, k // groups, -1), gy_block.transpose(0, 2, 1))
    return gw_t


def conv2d_grad_weight(x, gy, geometry, kernel_shape, cols=None, padded=None):
    """∂L/∂w = Ȳ colsᵀ on arrays, shape ``kernel_shape`` (O, C/g, kh, kw). Without ``cols`` the
    im2col matrix is rebuilt (from ``padded``, x's ``padded_chwn``, if given), block by block of
    output rows for big layers.

    Computed as (cols · Ȳᵀ)ᵀ: OpenBLAS runs this tall-output form several times faster (and far
    more steadily on a busy machine) than Ȳ · colsᵀ, whose long inner dimension it splits badly."""
    if banded(geometry, x.shape, kernel_shape):
        return depthwise_grad_weight(x, gy, geometry, kernel_shape)
    groups = geometry.groups
    gy_rows = _rows_chwn(gy)
    out_channels = gy_rows.shape[0]
    if cols is None:
        view, out_hw, k = _windows(x, geometry, gy.shape[2:], padded)
        blocks = _row_blocks(k, out_hw, x.shape[0], x.itemsize)
        if len(blocks) == 1:
            cols = np.ascontiguousarray(view).reshape(k, -1)
        else:
            gw_t = _grad_weight_in_blocks(view, gy_rows, blocks, groups, np.result_type(x, gy))
            return np.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(kernel_shape)
    if _thin(cols.shape[0], out_channels, groups, gy.shape[2]):
        gw_t = _row_by_row(cols, gy_rows, gy.shape[2])
        return np.ascontiguousarray(gw_t.T).reshape(kernel_shape)
    if groups == 1:
        gw_t = cols @ gy_rows.T
        return np.ascontiguousarray(gw_t.T).reshape(kernel_shape)
    gw_t = np.matmul(_grouped(cols, groups), _grouped(gy_rows, groups).transpose(0, 2, 1))
    return np.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(kernel_shape)
