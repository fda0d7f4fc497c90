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

from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.blas_sums import sum_last
from mathdl.ops.conv_arrays import (  # noqa: F401  (re-exported: pooling, quantization, tests)
    Geometry,
    _padding,
    _pair,
    as_chwn_view,
    col2im,
    conv2d_forward,
    conv2d_grad_input,
    conv2d_grad_weight,
    im2col,
    is_chwn,
    output_size,
    pad_chwn,
    padded_chwn,
    same_padding,
    to_chwn,
    window_slice,
    window_view,
)
from mathdl.ops.conv_depthwise import banded
from mathdl.ops.shape import reshape
from mathdl.typing import IntPair, TensorLike

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
        self.padded = None

    def forward(self, x, w, b=None):
        # a depthwise layer's band kernel reads x in its own layout, unpadded (conv_depthwise)
        padded = None if banded(self.geometry, x.shape, w.shape) else padded_chwn(x, self.geometry.padding)
        y, cols = conv2d_forward(x, w, self.geometry, self.out_hw, padded)
        # Kept for the weight gradient when the layer fitted in one block (big layers rebuild their
        # blocks in backward rather than hold a C·kh·kw × H·W·N matrix per layer until then).
        self.cols = cols if cols is not None and cols.nbytes <= COLS_CACHE_BYTES else None
        # An input not laid out (C, H, W, N) (a caller's NCHW array, a network's first layer) cost a
        # transposing copy: its padded copy is kept for the weight gradient instead of redone.
        if self.cols is None and padded is not None and not is_chwn(x):
            self.padded = padded
        if b is not None:
            y += b.reshape(-1, 1, 1, 1)
        return y.transpose(3, 0, 1, 2)

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        # ȳ in the (C, H, W, N) layout once for both products (an NCHW ȳ is a transposing copy)
        # (the band kernel of a depthwise layer reads ȳ in either layout)
        fast_gy = gy.array if banded(self.geometry, x.shape, w.shape) else as_chwn_view(gy.array)
        gx = Conv2dGradInput(self.geometry, x.shape[2:], fast_gy)(gy, w) if x.requires_grad else None
        gw = None
        if w.requires_grad:
            gw = Conv2dGradWeight(self.geometry, w.shape, self.cols, self.padded, fast_gy)(x, gy)
        self.cols = self.padded = None
        if len(self.inputs) == 2:
            return gx, gw
        gb = None
        if self.inputs[2].requires_grad:
            if grad_mode._enabled:  # recorded for a higher derivative
                gb = gy.sum(axis=(0, 2, 3))
            else:
                gb = _wrap(_bias_grad(fast_gy), False)
        return gx, gw, gb


def _bias_grad(gy):
    """Σ_{n,i,j} ȳ[n, o, i, j] as GEMVs with a vector of ones over ȳ's rows in its own layout: the
    (O, H·W·N) matrix of (C, H, W, N) memory, else the (N·O, H·W) one of NCHW memory summed over N
    (a reshape of the other layout would be a transposing copy)."""
    if is_chwn(gy):
        return sum_last(to_chwn(gy).reshape(gy.shape[1], -1))
    return sum_last(gy.reshape(gy.shape[0], gy.shape[1], -1)).sum(axis=0)


class Conv2dGradInput(Function):
    """y = ∂⟨ȳ, conv2d(x, w)⟩/∂x as a function of (ȳ, w): the transposed convolution
    y[n, c, h, w'] = Σ_{o,u,v,i,j : s·i + d·u = h + p, s·j + d·v = w' + p} w[o, c, u, v] · ȳ[n, o, i, j].

    Inputs ȳ (N, O, H_out, W_out), w (O, C/g, kh, kw); output (N, C, H, W) with (H, W) = ``in_hw``.
    It is linear in each input: its gradients are conv2d(ḡ, w) for ȳ and the weight gradient of a
    convolution of ḡ for w."""

    def __init__(self, geometry, in_hw, fast_gy=None):
        self.geometry = geometry
        self.in_hw = tuple(in_hw)
        self.fast_gy = fast_gy  # ȳ's values laid out (C, H, W, N), when the caller has them

    def forward(self, gy, w):
        fast_gy, self.fast_gy = self.fast_gy, None
        return conv2d_grad_input(gy if fast_gy is None else fast_gy, w, self.geometry, self.in_hw)

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

    def __init__(self, geometry, kernel_shape, cols=None, padded=None, fast_gy=None):
        # cols, x's padded CHWN copy and ȳ laid out CHWN, when the caller has them (used once)
        self.geometry = geometry
        self.kernel_shape = tuple(kernel_shape)
        self.cols, self.padded, self.fast_gy = cols, padded, fast_gy

    def forward(self, x, gy):
        gy = gy if self.fast_gy is None else self.fast_gy
        gw = conv2d_grad_weight(x, gy, self.geometry, self.kernel_shape, self.cols, self.padded)
        self.cols = self.padded = self.fast_gy = None
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
    >>> import numpy as np
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
    >>> import numpy as np
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
    geometry = Geometry(kernel := w.shape[2:], stride, padding, dilation, groups)
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
