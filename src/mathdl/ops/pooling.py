"""2-D pooling: max, average and adaptive average, over the same window sweep as convolution.

For an input x (N, C, H, W), a window of kh × kw pixels, stride s, padding p and dilation d
(max pooling only), with xp the padded input (−∞ padding for max, 0 for average),

    max:      y[n, c, i, j] = max_{u<kh, v<kw} xp[n, c, s·i + d·u, s·j + d·v]
              ∂L/∂x = ȳ routed to the (first, in row-major window order) maximum of each window
    average:  y[n, c, i, j] = (1/D_ij) Σ_{u<kh, v<kw} xp[n, c, s·i + u, s·j + v]
              ∂L/∂x = ȳ[n, c, i, j] / D_ij added to every pixel of window (i, j)

    H_out = ⌊(H + 2p − d·(kh − 1) − 1) / s⌋ + 1     (⌈·⌉ with ``ceil_mode=True``)

where D_ij = kh·kw with ``count_include_pad=True`` (PyTorch's default) and the number of real
(unpadded) pixels in the window otherwise. Ties in max pooling are common on flat image regions
(zero background, ReLU outputs); like PyTorch, the gradient goes to the first maximum only, so the
total gradient is conserved. Max pooling's backward is a scatter whose own adjoint is a gather at
the same positions (and average pooling's backward is the transposed average), so gradients of
gradients work.

Inside, arrays are laid out (C, H, W, N) like the convolution ops (see ``ops/convolution.py``):
each window offset is then one strided slice of rows of N contiguous numbers.
"""

import math

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops import workspace
from mathdl.ops.arithmetic import matmul
from mathdl.ops.convolution import Geometry, _batched, _pair, pad_chwn, to_chwn, window_slice
from mathdl.ops.reduction import mean
from mathdl.ops.shape import reshape
from mathdl.typing import IntPair, ShapeLike, TensorLike


def _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, op, max_pool):
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    stride = (
        kernel
        if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
        else _pair(stride, "stride", op, 1)
    )
    dilation = _pair(dilation, "dilation", op, 1)
    pads = _pair(padding, "padding", op, 0)
    for p, k, d in zip(pads, kernel, dilation):
        limit = ((k - 1) * d + 1) // 2 if max_pool else k // 2
        if p > limit:
            raise ValueError(
                f"{op}: padding {padding} must be at most half of the kernel size "
                f"{kernel_size} (here at most {limit})"
            )
    size = x.shape[2:]
    out_hw, padding_pairs = [], []
    for n, k, s, p, d in zip(size, kernel, stride, pads, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        if span < 0:
            raise ValueError(
                f"{op}: the padded input {tuple(m + 2 * q for m, q in zip(size, pads))} "
                f"is smaller than the kernel {kernel}"
            )
        out = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1  # the last window must start inside the input or left pad
        # Extra bottom/right padding so that ceil_mode's last, partial window can be read.
        extra = max(0, (out - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
        out_hw.append(out)
        padding_pairs.append((p, p + extra))
    return Geometry(kernel, stride, tuple(padding_pairs), dilation), tuple(out_hw)


def _offsets(geometry):
    kh, kw = geometry.kernel
    return [(u, v) for u in range(kh) for v in range(kw)]


def _overlapping(geometry):
    return any(s < d * (k - 1) + 1 for k, s, d in zip(geometry.kernel, geometry.stride, geometry.dilation))


def _scatter_windows(values_by_offset, geometry, in_hw, out_hw, like):
    """Sum each offset's (C, H_out, W_out, N) array into the pixels it came from; returns NCHW view."""
    (pt, _), (pl, _) = geometry.padding
    hp, wp = geometry.padded(in_hw)
    out = workspace.zeros((like.shape[0], hp, wp, like.shape[3]), like.dtype)
    overlapping = _overlapping(geometry)
    for (u, v), values in values_by_offset:
        rows, columns = window_slice(geometry, out_hw, u, v)
        if overlapping:
            out[:, rows, columns] += values
        else:
            out[:, rows, columns] = values
    return out[:, pt : pt + in_hw[0], pl : pl + in_hw[1]].transpose(3, 0, 1, 2)


# ----- max pooling ------------------------------------------------------------------------------


class MaxPool2d(Function):
    """y = max over each window (see the module docstring); x (N, C, H, W) -> (N, C, H_out, W_out).

    ∂L/∂x[window (i, j)'s first argmax] += ȳ[i, j]; every other pixel of the window gets 0."""

    saves = ()  # backward reads the recorded arg-max and x's shape, not x

    def __init__(self, geometry, out_hw):
        self.geometry, self.out_hw = geometry, out_hw
        self.argmax = None

    def forward(self, x):
        xp = pad_chwn(to_chwn(x), self.geometry.padding, value=-np.inf)
        best, argmax = self._sweep(xp, check_nan=False)
        # A NaN in a window makes np.maximum's result NaN, so the (smaller) output tells whether the
        # input had any NaN that matters; only then the sweep is redone with PyTorch's NaN rule.
        if x.dtype.kind == "f" and bool(np.isnan(best).any()):
            best, argmax = self._sweep(xp, check_nan=True)
        self.argmax = argmax
        return best.transpose(3, 0, 1, 2)

    def _sweep(self, xp, check_nan):
        """(max, index of its first offset) of every window of the padded (C, H, W, N) array."""
        offsets = _offsets(self.geometry)
        dtype = np.uint8 if len(offsets) <= 255 else np.int32
        best = argmax = better = None
        for index, (u, v) in enumerate(offsets):
            window = xp[(slice(None),) + window_slice(self.geometry, self.out_hw, u, v)]
            if best is None:
                best, argmax = window.copy(), np.zeros(window.shape, dtype=dtype)
                better = np.empty(window.shape, dtype=bool)
                continue
            np.greater(window, best, out=better)
            if check_nan:  # PyTorch: a NaN always wins (and propagates)
                better |= np.isnan(window)
                np.copyto(best, window, where=better)
                np.copyto(argmax, index, where=better)
                continue
            # Branch-free updates: masked copies (copyto/where) with a random mask run ~25x slower
            # than arithmetic. Offsets come in increasing order, so where ``better`` holds the new
            # index exceeds the stored one and a maximum replaces it.
            np.maximum(best, window, out=best)
            np.maximum(argmax, better.view(np.uint8) * argmax.dtype.type(index), out=argmax)
        return best, argmax

    def backward(self, gy):
        return MaxPool2dScatter(self.argmax, self.geometry, self.inputs[0].shape[2:], self.out_hw)(gy)


class MaxPool2dScatter(Function):
    """The adjoint of max pooling: y = zeros(N, C, H, W) with ȳ[n, c, i, j] added at the recorded
    argmax of window (i, j). Linear in ȳ; its adjoint is the gather ``MaxPool2dGather``."""

    def __init__(self, argmax, geometry, in_hw, out_hw):
        self.argmax, self.geometry = argmax, geometry
        self.in_hw, self.out_hw = tuple(in_hw), tuple(out_hw)

    def forward(self, gy):
        gc = to_chwn(gy)
        if _overlapping(self.geometry):
            # ȳ times the 0/1 indicator of the window's arg-max (arithmetic, not a masked copy).
            parts = (
                (offset, gc * (self.argmax == index)) for index, offset in enumerate(_offsets(self.geometry))
            )
            return _scatter_windows(parts, self.geometry, self.in_hw, self.out_hw, gc)
        return self._disjoint(gc)

    def _disjoint(self, gc):
        """Windows that do not overlap: each offset's product is written straight into its pixels
        (no temporary), and the zero fill is skipped when the windows tile the padded input."""
        geometry = self.geometry
        (pt, _), (pl, _) = geometry.padding
        hp, wp = geometry.padded(self.in_hw)
        tiled = geometry.dilation == (1, 1) and all(
            k == s and n == m * s
            for k, s, n, m in zip(geometry.kernel, geometry.stride, (hp, wp), self.out_hw)
        )
        shape = (gc.shape[0], hp, wp, gc.shape[3])
        out = workspace.empty(shape, gc.dtype) if tiled else workspace.zeros(shape, gc.dtype)
        mask = np.empty(self.argmax.shape, dtype=bool)
        for index, (u, v) in enumerate(_offsets(geometry)):
            rows, columns = window_slice(geometry, self.out_hw, u, v)
            np.equal(self.argmax, index, out=mask)
            np.multiply(gc, mask, out=out[:, rows, columns])
        return out[:, pt : pt + self.in_hw[0], pl : pl + self.in_hw[1]].transpose(3, 0, 1, 2)

    def backward(self, ggx):
        return MaxPool2dGather(self.argmax, self.geometry, self.out_hw)(ggx)


class MaxPool2dGather(Function):
    """y[n, c, i, j] = g[n, c, argmax of window (i, j)]: reads a (N, C, H, W) tensor at the maxima
    recorded by a max pooling. Linear; its adjoint is ``MaxPool2dScatter``."""

    def __init__(self, argmax, geometry, out_hw):
        self.argmax, self.geometry, self.out_hw = argmax, geometry, tuple(out_hw)

    def forward(self, g):
        gp = pad_chwn(to_chwn(g), self.geometry.padding)
        out = np.zeros(self.argmax.shape, dtype=g.dtype)
        for index, (u, v) in enumerate(_offsets(self.geometry)):
            window = gp[(slice(None),) + window_slice(self.geometry, self.out_hw, u, v)]
            out += window * (self.argmax == index)
        return out.transpose(3, 0, 1, 2)

    def backward(self, gy):
        g = self.inputs[0]
        return MaxPool2dScatter(self.argmax, self.geometry, g.shape[2:], self.out_hw)(gy)


def max_pool2d(
    x: TensorLike,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
):
    """Max pooling, PyTorch's ``F.max_pool2d``: the largest value of each kh × kw window.

    x (N, C, H, W) or (C, H, W). ``stride`` defaults to ``kernel_size``; ``padding`` (≤ half the
    kernel) pads with −∞. Returns (N, C, H_out, W_out), H_out = ⌊(H + 2p − d(kh−1) − 1)/s⌋ + 1.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.max_pool2d(md.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    op = "max_pool2d"
    x = as_tensor(x)
    x, unbatched = _batched(x, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {x.dtype}")
    geometry, out_hw = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, op, True)
    y = MaxPool2d(geometry, out_hw)(x)
    return reshape(y, y.shape[1:]) if unbatched else y


# ----- average pooling --------------------------------------------------------------------------


def _divisor(geometry, in_hw, out_hw, count_include_pad, dtype):
    """D_ij of every output position, as PyTorch counts it: (H_out, W_out, 1) array or a scalar."""
    counts = []
    for n, out, k, s, (p, _) in zip(in_hw, out_hw, geometry.kernel, geometry.stride, geometry.padding):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, n + p)  # windows may not reach past the padding
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, n) - np.maximum(start, 0))
    divisor = counts[0][:, None] * counts[1][None, :]
    if (divisor == divisor.flat[0]).all():
        return float(divisor.flat[0])
    return divisor[:, :, None].astype(dtype)


class AvgPool2d(Function):
    """y[n, c, i, j] = (1/D_ij) Σ_{window} xp (see the module docstring); x (N, C, H, W) ->
    (N, C, H_out, W_out). ∂L/∂x: every pixel of window (i, j) receives ȳ[i, j] / D_ij."""

    def __init__(self, geometry, out_hw, divisor):
        self.geometry, self.out_hw, self.divisor = geometry, tuple(out_hw), divisor

    def forward(self, x):
        xp = pad_chwn(to_chwn(x), self.geometry.padding)
        total = None
        for u, v in _offsets(self.geometry):
            window = xp[(slice(None),) + window_slice(self.geometry, self.out_hw, u, v)]
            if total is None:
                total = window.copy()
            else:
                total += window
        if isinstance(self.divisor, float):
            total *= x.dtype.type(1.0 / self.divisor)
        else:
            total /= self.divisor
        return total.transpose(3, 0, 1, 2)

    def backward(self, gy):
        return AvgPool2dScatter(self.geometry, self.inputs[0].shape[2:], self.out_hw, self.divisor)(gy)


class AvgPool2dScatter(Function):
    """The adjoint of average pooling: each ȳ[n, c, i, j] / D_ij added to all pixels of window
    (i, j), giving (N, C, H, W). Linear; its adjoint is average pooling itself."""

    def __init__(self, geometry, in_hw, out_hw, divisor):
        self.geometry, self.in_hw, self.out_hw, self.divisor = geometry, tuple(in_hw), tuple(out_hw), divisor

    def forward(self, gy):
        gc = to_chwn(gy)
        if isinstance(self.divisor, float):
            scaled = gc * gy.dtype.type(1.0 / self.divisor)
        else:
            scaled = gc / self.divisor
        parts = ((offset, scaled) for offset in _offsets(self.geometry))
        return _scatter_windows(parts, self.geometry, self.in_hw, self.out_hw, scaled)

    def backward(self, ggx):
        return AvgPool2d(self.geometry, self.out_hw, self.divisor)(ggx)


def avg_pool2d(
    x: TensorLike,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Average pooling, PyTorch's ``F.avg_pool2d``: the mean of each kh × kw window.

    x (N, C, H, W) or (C, H, W). ``stride`` defaults to ``kernel_size``; zero ``padding`` (≤ half
    the kernel) is counted in the mean unless ``count_include_pad=False``. Returns
    (N, C, H_out, W_out), H_out = ⌊(H + 2p − kh)/s⌋ + 1.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.avg_pool2d(md.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    op = "avg_pool2d"
    x = as_tensor(x)
    x, unbatched = _batched(x, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {x.dtype}")
    geometry, out_hw = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode, op, False)
    divisor = _divisor(geometry, x.shape[2:], out_hw, count_include_pad, x.dtype)
    y = AvgPool2d(geometry, out_hw, divisor)(x)
    return reshape(y, y.shape[1:]) if unbatched else y


# ----- adaptive average pooling ------------------------------------------------------------------


def _averaging_matrix(n, out, dtype):
    """A (out, n) matrix whose row i averages bin i = [⌊i·n/out⌋, ⌈(i+1)·n/out⌉) (PyTorch's bins)."""
    matrix = np.zeros((out, n), dtype=dtype)
    for i in range(out):
        start, end = (i * n) // out, -(-((i + 1) * n) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def adaptive_avg_pool2d(x: TensorLike, output_size: ShapeLike) -> Tensor:
    """Adaptive average pooling, PyTorch's ``F.adaptive_avg_pool2d``: averages over H_out × W_out
    bins that tile the input, bin i spanning rows [⌊i·H/H_out⌋, ⌈(i+1)·H/H_out⌉).

    As a linear map y[n, c] = A_H · x[n, c] · A_Wᵀ with the averaging matrices A (H_out, H) and
    A (W_out, W); its gradient is ∂L/∂x[n, c] = A_Hᵀ · ȳ[n, c] · A_W. ``output_size``: an int, a pair,
    or a pair with None (keep that size). x (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.adaptive_avg_pool2d(md.arange(16.0).reshape(1, 1, 4, 4), 1).tolist()
    [[[[7.5]]]]
    """
    op = "adaptive_avg_pool2d"
    x = as_tensor(x)
    x, unbatched = _batched(x, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {x.dtype}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:]))
    if not all(isinstance(s, (int, np.integer)) and s >= 1 for s in sizes):
        raise ValueError(f"{op}: output sizes must be positive ints, got {output_size!r}")
    height, width = x.shape[2:]
    if sizes == (1, 1):
        y = mean(x, axis=(2, 3), keepdims=True)
    elif height % sizes[0] == 0 and width % sizes[1] == 0:
        kernel = (height // sizes[0], width // sizes[1])
        geometry, out_hw = _pool_geometry(x, kernel, kernel, 0, 1, False, op, False)
        y = AvgPool2d(geometry, out_hw, float(math.prod(kernel)))(x)
    else:
        rows = as_tensor(_averaging_matrix(height, sizes[0], x.dtype))
        columns = as_tensor(_averaging_matrix(width, sizes[1], x.dtype).T)
        y = matmul(rows, matmul(x, columns))
    return reshape(y, y.shape[1:]) if unbatched else y
