"""2-D convolution (cross-correlation) and its transpose, as im2col over a window view + one GEMM.

What deep learning calls "convolution" is cross-correlation: the kernel is not flipped. For an input
x of shape (N, C, H, W), a weight w of shape (O, C/g, kh, kw) (g = ``groups``), stride s, padding p
and dilation d, with xp the zero-padded input,

    y[n, o, i, j] = b[o] + Σ_{c ∈ group(o)} Σ_{u<kh} Σ_{v<kw} w[o, c, u, v] · xp[n, c, s·i + d·u, s·j + d·v]

    H_out = ⌊(H + 2p − d·(kh − 1) − 1) / s⌋ + 1        (the same for W_out).

(True convolution would read x at s·i − d·u: the two differ by flipping the kernel, see
docs/convolution.md.) Writing the windows as columns, cols[(c, u, v), (i, j, n)] =
xp[n, c, s·i + d·u, s·j + d·v] (im2col), the layer is one matrix product per group,

    Y = W · cols,      W of shape (O, C·kh·kw),  cols of shape (C·kh·kw, H_out·W_out·N).

Its gradients are the two other products of the same three matrices:

    ∂L/∂w[o, c, u, v] = Σ_{n,i,j} ȳ[n, o, i, j] · xp[n, c, s·i + d·u, s·j + d·v]       (Ȳ · colsᵀ)
    ∂L/∂x[n, c, h, w'] = Σ_{o,u,v : s·i + d·u = h + p, s·j + d·v = w' + p} w[o, c, u, v] · ȳ[n, o, i, j]
                                                                               (col2im(Wᵀ · Ȳ))
    ∂L/∂b[o] = Σ_{n,i,j} ȳ[n, o, i, j]

The input gradient is a transposed convolution (``conv_transpose2d``) of ȳ with the same weight; the
weight gradient is a correlation of the input with ȳ. Both are Functions of their own whose
backwards are again convolutions, so gradients of gradients (gradient penalties) work.

Layout. The public API is NCHW; inside, arrays are laid out (C, H, W, N), batch innermost, and the
results are NCHW-shaped *views* of that memory. With the batch innermost every strided copy
(im2col, col2im, pooling) moves runs of at least N contiguous numbers and the GEMM output needs no
transpose; a following conv or pooling op reads the view back as (C, H, W, N) for free. The
col2im scatter loops over the kh·kw kernel offsets adding strided slices (no ``np.add.at``).
"""

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.shape import reshape
from mathdl.typing import IntPair, TensorLike

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


def pad_chwn(x, padding, value=0.0):
    """(C, H, W, N) array padded in H and W; without padding the array itself (no copy)."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    c, h, w, n = x.shape
    out = np.empty((c, h + pt + pb, w + pl + pr, n), dtype=x.dtype)
    if value == 0.0:
        out[:, :pt] = 0
        out[:, h + pt :] = 0
        out[:, pt : h + pt, :pl] = 0
        out[:, pt : h + pt, w + pl :] = 0
    else:
        out.fill(value)
    out[:, pt : pt + h, pl : pl + w] = x
    return out


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


def _add_windows(out, cols, geometry, start):
    """out[c, s·i + d·u, s·j + d·v, n] += cols[c, u, v, i − start, j, n] for a block of output rows
    i ∈ [start, start + rows): one strided slice per kernel offset (overlaps add up)."""
    (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
    _, kh, kw, rows, width, _ = cols.shape
    for u in range(kh):
        row_slice = slice(dh * u + sh * start, dh * u + sh * (start + rows - 1) + 1, sh)
        for v in range(kw):
            out[:, row_slice, dw * v : dw * v + sw * (width - 1) + 1 : sw] += cols[:, u, v]


def col2im(cols, geometry, in_hw, out_hw, channels, batch):
    """The adjoint of im2col: each column entry is added back to the pixel it was read from.

    ``cols`` (C·kh·kw, H_out·W_out·N) -> (C, H, W, N). Loops over the kh·kw kernel offsets, adding
    one strided slice per offset (overlapping windows accumulate; no ``np.add.at``)."""
    (kh, kw) = geometry.kernel
    (pt, _), (pl, _) = geometry.padding
    out = np.zeros((channels,) + geometry.padded(in_hw) + (batch,), dtype=cols.dtype)
    _add_windows(out, cols.reshape(channels, kh, kw, out_hw[0], out_hw[1], batch), geometry, 0)
    return out[:, pt : pt + in_hw[0], pl : pl + in_hw[1]]


def _grouped(matrix, groups):
    """(rows, cols) -> (g, rows/g, cols) view."""
    return matrix.reshape(groups, matrix.shape[0] // groups, matrix.shape[1])


def _rows_chwn(array4d):
    """An NCHW gradient/feature array as the (C, H·W·N) matrix of its CHWN layout."""
    chwn = to_chwn(array4d)
    return chwn.reshape(chwn.shape[0], -1)


# An im2col block of about this size stays in cache between its copy and its GEMM; bigger layers
# are processed in blocks of output rows (a whole 64-channel layer would stream ~60 MB through
# memory twice).
CHUNK_BYTES = 2 * 2**20


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
    return np.empty((c * kh * kw, rows * width * batch), dtype=view.dtype)


def _copy_block(buffer, view, start, stop):
    """The im2col columns of output rows [start, stop) copied into the front of ``buffer``; returns
    that (K, (stop − start)·W_out·N) part of it."""
    c, kh, kw, _, width, batch = view.shape
    part = buffer[:, : (stop - start) * width * batch]
    np.copyto(part.reshape(c, kh, kw, stop - start, width, batch), view[:, :, :, start:stop])
    return part


def _windows(x, geometry, out_hw):
    """The (C, kh, kw, H_out, W_out, N) window view of x (padded), its output size and K = C·kh·kw."""
    xc = to_chwn(x)
    if out_hw is None:
        out_hw = geometry.out_size(xc.shape[1:3])
    view = window_view(pad_chwn(xc, geometry.padding), geometry, out_hw)
    return view, tuple(out_hw), view.shape[0] * view.shape[1] * view.shape[2]


def conv2d_forward(x, w, geometry, out_hw=None):
    """y = conv2d(x, w) on arrays; returns (y in (O, H_out, W_out, N) layout, cols or None).

    ``cols`` is the whole im2col matrix when the layer fits in one block (it is then kept for the
    weight gradient); big layers run block by block over output rows and return None."""
    groups = geometry.groups
    out_channels = w.shape[0]
    view, out_hw, k = _windows(x, geometry, out_hw)
    batch = x.shape[0]
    blocks = _row_blocks(k, out_hw, batch, x.itemsize)
    if len(blocks) == 1:
        cols = np.ascontiguousarray(view).reshape(k, -1)
        if groups == 1:
            y = w.reshape(out_channels, -1) @ cols
        else:
            y = np.matmul(w.reshape(groups, out_channels // groups, -1), _grouped(cols, groups))
        return y.reshape(out_channels, out_hw[0], out_hw[1], batch), cols
    y = np.empty((out_channels,) + out_hw + (batch,), dtype=np.result_type(x, w))
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
    gxp = np.zeros((channels,) + geometry.padded(in_hw) + (batch,), dtype=np.result_type(gy, w))
    # Wᵀ Ȳ block by block of output rows, each block scattered back at once (col2im).
    for start, stop in _row_blocks(k, out_hw, batch, gy.itemsize):
        gy_block = per_row[:, start:stop].reshape(groups, out_channels // groups, -1)
        gcols = weight_t[0] @ gy_block[0] if groups == 1 else np.matmul(weight_t, gy_block)
        _add_windows(gxp, gcols.reshape(channels, kh, kw, stop - start, out_hw[1], batch), geometry, start)
    return gxp[:, pt : pt + in_hw[0], pl : pl + in_hw[1]].transpose(3, 0, 1, 2)


def conv2d_grad_weight(x, gy, geometry, kernel_shape, cols=None):
    """∂L/∂w = Ȳ colsᵀ on arrays, shape ``kernel_shape`` (O, C/g, kh, kw). Without ``cols`` the
    im2col matrix is rebuilt, block by block of output rows for big layers."""
    groups = geometry.groups
    gy_rows = _rows_chwn(gy)
    out_channels = gy_rows.shape[0]
    if cols is None:
        view, out_hw, k = _windows(x, geometry, gy.shape[2:])
        blocks = _row_blocks(k, out_hw, x.shape[0], x.itemsize)
        if len(blocks) == 1:
            cols = np.ascontiguousarray(view).reshape(k, -1)
        else:
            per_row = gy_rows.reshape(out_channels, out_hw[0], -1)
            gw_t = np.zeros((groups, k // groups, out_channels // groups), dtype=np.result_type(x, gy))
            buffer = _block_buffer(view, blocks)
            for start, stop in blocks:
                block = _copy_block(buffer, view, start, stop).reshape(groups, k // groups, -1)
                gy_block = per_row[:, start:stop].reshape(groups, out_channels // groups, -1)
                gw_t += np.matmul(block, gy_block.transpose(0, 2, 1))
            return np.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(kernel_shape)
    # Computed as (cols · Ȳᵀ)ᵀ: OpenBLAS runs this tall-output form several times faster (and far
    # more steadily on a busy machine) than Ȳ · colsᵀ, whose long inner dimension it splits badly.
    if groups == 1 and cols.shape[0] * out_channels <= 4096 and gy.shape[2] > 1:
        # A tiny (K × O) result from a very long sum (a first layer: K = kh·kw): one GEMM per output
        # row, summed, is ~10x faster than one GEMM with an inner dimension of H_out·W_out·N.
        rows = gy.shape[2]
        per_row = cols.reshape(cols.shape[0], rows, -1).transpose(1, 0, 2)
        gy_per_row = gy_rows.reshape(out_channels, rows, -1).transpose(1, 2, 0)
        gw_t = np.matmul(per_row, gy_per_row).sum(axis=0)
        return np.ascontiguousarray(gw_t.T).reshape(kernel_shape)
    if groups == 1:
        gw_t = cols @ gy_rows.T
        return np.ascontiguousarray(gw_t.T).reshape(kernel_shape)
    gw_t = np.matmul(_grouped(cols, groups), _grouped(gy_rows, groups).transpose(0, 2, 1))
    return np.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(kernel_shape)


# ----- Functions ----------------------------------------------------------------------------------

COLS_CACHE_BYTES = 64 * 2**20


class Conv2d(Function):
    """y = b + w ⋆ x (cross-correlation, see the module docstring). Inputs x (N, C, H, W),
    w (O, C/g, kh, kw), optional b (O,); output (N, O, H_out, W_out).

    ∂L/∂x = conv_transpose2d(ȳ, w), ∂L/∂w = correlation of x with ȳ, ∂L/∂b = Σ_{n,i,j} ȳ."""

    def __init__(self, geometry, out_hw=None):
        self.geometry = geometry
        self.out_hw = out_hw
        self.cols = None

    def forward(self, x, w, b=None):
        y, cols = conv2d_forward(x, w, self.geometry, self.out_hw)
        # Kept for the weight gradient when the layer fitted in one block (big layers rebuild their
        # blocks in backward rather than hold a C·kh·kw × H·W·N matrix per layer until then).
        self.cols = cols if cols is not None and cols.nbytes <= COLS_CACHE_BYTES else None
        if b is not None:
            y += b.reshape(-1, 1, 1, 1)
        return y.transpose(3, 0, 1, 2)

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        gx = Conv2dGradInput(self.geometry, x.shape[2:])(gy, w) if x.requires_grad else None
        gw = None
        if w.requires_grad:
            gw = Conv2dGradWeight(self.geometry, w.shape, self.cols)(x, gy)
        self.cols = None
        if len(self.inputs) == 2:
            return gx, gw
        gb = gy.sum(axis=(0, 2, 3)) if self.inputs[2].requires_grad else None
        return gx, gw, gb


class Conv2dGradInput(Function):
    """y = ∂⟨ȳ, conv2d(x, w)⟩/∂x as a function of (ȳ, w): the transposed convolution
    y[n, c, h, w'] = Σ_{o,u,v,i,j : s·i + d·u = h + p, s·j + d·v = w' + p} w[o, c, u, v] · ȳ[n, o, i, j].

    Inputs ȳ (N, O, H_out, W_out), w (O, C/g, kh, kw); output (N, C, H, W) with (H, W) = ``in_hw``.
    It is linear in each input: its gradients are conv2d(ḡ, w) for ȳ and the weight gradient of a
    convolution of ḡ for w."""

    def __init__(self, geometry, in_hw):
        self.geometry = geometry
        self.in_hw = tuple(in_hw)

    def forward(self, gy, w):
        return conv2d_grad_input(gy, w, self.geometry, self.in_hw)

    def backward(self, ggx):
        gy, w = self.inputs
        g_gy = Conv2d(self.geometry, gy.shape[2:])(ggx, w) if gy.requires_grad else None
        g_w = Conv2dGradWeight(self.geometry, w.shape)(ggx, gy) if w.requires_grad else None
        return g_gy, g_w


class Conv2dGradWeight(Function):
    """y = ∂⟨ȳ, conv2d(x, w)⟩/∂w as a function of (x, ȳ):
    y[o, c, u, v] = Σ_{n,i,j} ȳ[n, o, i, j] · xp[n, c, s·i + d·u, s·j + d·v].

    Inputs x (N, C, H, W), ȳ (N, O, H_out, W_out); output of ``kernel_shape`` (O, C/g, kh, kw).
    Bilinear: its gradients are conv_transpose2d(ȳ, ḡ) for x and conv2d(x, ḡ) for ȳ."""

    def __init__(self, geometry, kernel_shape, cols=None):
        self.geometry = geometry
        self.kernel_shape = tuple(kernel_shape)
        self.cols = cols

    def forward(self, x, gy):
        gw = conv2d_grad_weight(x, gy, self.geometry, self.kernel_shape, self.cols)
        self.cols = None
        return gw

    def backward(self, ggw):
        x, gy = self.inputs
        g_x = Conv2dGradInput(self.geometry, x.shape[2:])(gy, ggw) if x.requires_grad else None
        g_gy = Conv2d(self.geometry, gy.shape[2:])(x, ggw) if gy.requires_grad else None
        return g_x, g_gy


# ----- public entries ---------------------------------------------------------------------------


def _check_float(tensors, names, op):
    dtype = tensors[0].dtype
    for t, name in zip(tensors, names):
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be a floating tensor, got dtype {t.dtype}")
        if t.dtype != dtype:
            raise TypeError(
                f"{op}: {names[0]} has dtype {dtype} but {name} has dtype {t.dtype}; "
                f"convert one of them (e.g. x.astype(w.dtype))"
            )


def _batched(x: Tensor, op: str, what: str = "input") -> tuple[Tensor, bool]:
    if x.ndim == 3:
        return reshape(x, (1,) + x.shape), True
    if x.ndim != 4:
        raise ValueError(
            f"{op}: expected a 4-D {what} (N, C, H, W) or a 3-D one (C, H, W), got shape {x.shape}"
        )
    return x, False


def _check_groups(groups, op):
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def _check_bias(b, channels, x, op):
    if b is None:
        return None
    b = as_tensor(b, like=x)
    if b.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},) (one per output channel), got {b.shape}")
    return b


def conv2d(
    x: TensorLike,
    w: TensorLike,
    b: TensorLike | None = None,
    stride: IntPair = 1,
    padding: IntPair | Sequence[Sequence[int]] | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation, PyTorch's ``F.conv2d``: y = b + w ⋆ x.

    x (N, C, H, W) or (C, H, W); w (O, C/groups, kh, kw); b (O,) or None. ``stride``, ``dilation``:
    int or (h, w); ``padding``: int, (ph, pw), ((top, bottom), (left, right)), ``'valid'`` (0) or
    ``'same'`` (H_out = H; stride 1 only; the odd pixel goes to the bottom/right as in PyTorch).
    Returns (N, O, H_out, W_out), H_out = ⌊(H + 2p − d(kh − 1) − 1)/s⌋ + 1 (here: 2×2 window sums):
    >>> conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    op = "conv2d"
    x, w = as_tensor(x), as_tensor(w)
    x, unbatched = _batched(x, op)
    if w.ndim != 4:
        raise ValueError(
            f"{op}: weight must be 4-D (out_channels, in_channels/groups, kh, kw), got shape {w.shape}"
        )
    groups = _check_groups(groups, op)
    stride = _pair(stride, "stride", op, 1)
    dilation = _pair(dilation, "dilation", op, 1)
    kernel = w.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            padding = ((0, 0), (0, 0))
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(
                    f"{op}: padding='same' needs stride 1 (got {stride}); use "
                    f"same_padding(...) for the TensorFlow rule with strides"
                )
            padding = tuple(
                (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)
            )
        else:
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    padding = _padding(padding, op)
    channels = x.shape[1]
    if channels != w.shape[1] * groups:
        raise ValueError(
            f"{op}: input has {channels} channels but weight {w.shape} with groups={groups} "
            f"expects {w.shape[1] * groups} (= weight.shape[1] * groups)"
        )
    if w.shape[0] % groups:
        raise ValueError(f"{op}: out_channels {w.shape[0]} is not divisible by groups={groups}")
    geometry = Geometry(kernel, stride, padding, dilation, groups)
    out_hw = geometry.out_size(x.shape[2:])
    if min(out_hw) < 1 or min(kernel) < 1:
        raise ValueError(
            f"{op}: the padded input {geometry.padded(x.shape[2:])} is smaller than the "
            f"dilated kernel {tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))}"
        )
    b = _check_bias(b, w.shape[0], x, op)
    inputs = (x, w) if b is None else (x, w, b)
    _check_float(inputs, ("input", "weight", "bias"), op)
    y = Conv2d(geometry)(*inputs)
    return reshape(y, y.shape[1:]) if unbatched else y


def conv_transpose2d(
    x: TensorLike,
    w: TensorLike,
    b: TensorLike | None = None,
    stride: IntPair = 1,
    padding: IntPair | Sequence[Sequence[int]] = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> Tensor:
    """Transposed convolution, PyTorch's ``F.conv_transpose2d``: the gradient of conv2d with respect
    to its input, used as an upsampling layer.

    x (N, C_in, H, W); w (C_in, C_out/groups, kh, kw); b (C_out,) or None. Each input pixel adds a
    copy of the kernel, scaled by it, into the output at stride s:
    y[n, c, s·i + d·u − p, s·j + d·v − p] += Σ_{o ∈ group} x[n, o, i, j] · w[o, c, u, v].
    Output (N, C_out, H_out, W_out) with H_out = (H − 1)s − 2p + d(kh − 1) + output_padding + 1:
    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))).tolist()
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    op = "conv_transpose2d"
    x, w = as_tensor(x), as_tensor(w)
    x, unbatched = _batched(x, op)
    if w.ndim != 4:
        raise ValueError(
            f"{op}: weight must be 4-D (in_channels, out_channels/groups, kh, kw), got shape {w.shape}"
        )
    groups = _check_groups(groups, op)
    stride = _pair(stride, "stride", op, 1)
    dilation = _pair(dilation, "dilation", op, 1)
    output_padding = _pair(output_padding, "output_padding", op, 0)
    padding = _padding(padding, op)
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"{op}: input has {x.shape[1]} channels but weight {w.shape} expects "
            f"{w.shape[0]} (= weight.shape[0])"
        )
    if w.shape[0] % groups:
        raise ValueError(f"{op}: in_channels {w.shape[0]} is not divisible by groups={groups}")
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= max(s, d):
            raise ValueError(
                f"{op}: output_padding {output_padding} must be smaller than stride "
                f"{stride} or dilation {dilation}"
            )
    kernel = w.shape[2:]
    geometry = Geometry(kernel, stride, padding, dilation, groups)
    in_hw = tuple(
        (n - 1) * s - a - b_ + d * (k - 1) + 1 + e
        for n, s, (a, b_), d, k, e in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)
    )
    if min(in_hw) < 1:
        raise ValueError(f"{op}: the output would have size {in_hw}; reduce padding {padding}")
    b = _check_bias(b, w.shape[1] * groups, x, op)
    _check_float((x, w) if b is None else (x, w, b), ("input", "weight", "bias"), op)
    y = Conv2dGradInput(geometry, in_hw)(x, w)
    if b is not None:
        y = y + reshape(b, (1, -1, 1, 1))
    return reshape(y, y.shape[1:]) if unbatched else y
