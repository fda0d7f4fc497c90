"""Resampling: ``interpolate`` (nearest, linear, bilinear, bicubic, trilinear, area) and the
sub-pixel rearrangements ``pixel_shuffle`` / ``pixel_unshuffle``, with PyTorch's semantics.

Interpolation along one axis is a sparse linear map: output sample i reads a few input samples,

    y[i] = Σ_k w[i, k] · x[idx[i, k]],        ∂L/∂x[j] = Σ_{(i, k): idx[i, k] = j} w[i, k] · ȳ[i],

and the multi-dimensional modes apply it along each spatial axis in turn (bilinear and bicubic
weights are products of 1-D weights, so the 2-D map is the tensor product of two 1-D maps). The
mode only decides the table (idx, w). Output sample i sits at source coordinate

    align_corners=True:   s_i = i · (n_in − 1) / (n_out − 1)
    align_corners=False:  s_i = (i + ½) · σ − ½,   σ = 1 / scale_factor if one was given, else n_in / n_out

(the first matches corner pixel centres, the second corner pixel edges). Then

    nearest:        idx = min(⌊i · σ⌋, n_in − 1)               w = 1   (PyTorch's "nearest")
    nearest-exact:  idx = min(⌊(i + ½) · σ⌋, n_in − 1)         w = 1   (scikit-image's / PIL's)
    linear:         i₀ = ⌊s⌋, λ = s − i₀ (s clamped at 0),     w = (1 − λ, λ) at (i₀, min(i₀ + 1, n_in − 1))
    cubic:          i₀ = ⌊s⌋, t = s − i₀, taps i₀ − 1 … i₀ + 2 clamped to the border, weights Keys'
                    cubic convolution kernel with a = −0.75 (PyTorch's and OpenCV's choice):
                        W(x) = (a + 2)|x|³ − (a + 3)|x|² + 1          for |x| ≤ 1
                        W(x) = a|x|³ − 5a|x|² + 8a|x| − 4a            for 1 < |x| < 2
                    at distances (1 + t, t, 1 − t, 2 − t); the four weights sum to 1.

The adjoint of a table is another table (the transpose of the sparse matrix), so the backward of
a resampling is again a gather: no scatter in the hot path, and gradients of gradients come free
(each map's adjoint's adjoint is the map itself).
"""

import math
import numbers
from collections.abc import Sequence

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.pooling import adaptive_avg_pool2d
from mathdl.ops.shape import reshape
from mathdl.typing import ShapeLike, TensorLike

CUBIC_A = -0.75
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
# Modes that need a given number of spatial dimensions, as PyTorch's interpolate.
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


# ----- 1-D interpolation tables -------------------------------------------------------------------


def cubic_convolution_weights(t, a=CUBIC_A):
    """Keys' cubic convolution weights (…, 4) of taps ⌊s⌋ − 1 … ⌊s⌋ + 2 for fractional offsets t (…).

    >>> cubic_convolution_weights(np.array([0.0, 0.5]))
    array([[ 0.     ,  1.     ,  0.     ,  0.     ],
           [-0.09375,  0.59375,  0.59375, -0.09375]])
    """

    def near(x):  # |x| ≤ 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)], axis=-1)


def _scale_value(in_size, out_size, scale, dtype):
    # PyTorch's compute_scales_value: 1 / scale_factor when one was given (not recomputed), else in/out.
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(in_size) / dtype.type(out_size)


def _source_coordinates(in_size, out_size, align_corners, scale, dtype, cubic):
    """s_i for every output sample i, as PyTorch's area_pixel_compute_source_index."""
    dst = np.arange(out_size)
    if align_corners:
        step = dtype.type(in_size - 1) / dtype.type(out_size - 1) if out_size > 1 else dtype.type(0)
        return step * dst.astype(dtype)
    step = _scale_value(in_size, out_size, scale, dtype)
    source = (step * (dst + 0.5) - 0.5).astype(dtype)
    # Linear modes clamp at 0 (both taps then read pixel 0); cubic keeps the negative offset.
    return source if cubic else np.maximum(source, dtype.type(0))


def _floor_and_fraction(source, in_size):
    """i₀ = min(⌊s⌋, n − 1) and λ = clip(s − i₀, 0, 1) (PyTorch's guard_index_and_lambda)."""
    index = np.minimum(np.floor(source).astype(np.int64), in_size - 1)
    return index, np.clip(source - index, 0, 1).astype(source.dtype)


def _nearest_index(in_size, out_size, scale, exact, shortcuts):
    dst = np.arange(out_size)
    # PyTorch's 2-D nearest kernel copies (n_out = n_in) or duplicates (n_out = 2 n_in) whatever
    # the scale factor says; its 1-D and 3-D kernels do not. ``shortcuts`` follows it.
    if shortcuts and out_size == in_size:
        return dst
    if shortcuts and out_size == 2 * in_size:
        return dst >> 1
    # PyTorch computes the nearest source index in single precision whatever the tensor's dtype.
    step = _scale_value(in_size, out_size, scale, np.dtype(np.float32))
    if exact:
        source = np.floor(((dst + 0.5) * np.float64(step)).astype(np.float32))
    else:
        source = np.floor(dst.astype(np.float32) * step)
    return np.minimum(source.astype(np.int64), in_size - 1)


def _antialias_filter(kind, x):
    x = np.abs(x)
    if kind == "linear":  # the triangle (tent) filter
        return np.maximum(1.0 - x, 0.0)
    # Keys' kernel with a = −0.5 (PIL's and PyTorch's antialiased bicubic), zero beyond |x| = 2
    a = -0.5
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def antialias_table(kind, in_size, out_size, align_corners=False, scale=None, dtype=np.float64):
    """The table of PyTorch's ``antialias=True`` (PIL's resampling): when shrinking by σ = n_in/n_out > 1
    the filter is stretched by σ (support σ·taps/2), so every input sample contributes and high
    frequencies are averaged away instead of aliased; weights are renormalised to sum to 1 where the
    support leaves the image. Output i is centred at c_i = σ (i + ½); the weight of input j is
    K((j + ½ − c_i) / max(σ, 1)) with K the tent (linear) or Keys' a = −0.5 kernel (cubic).
    """
    dtype = np.dtype(dtype)
    taps = 2 if kind == "linear" else 4
    if align_corners:
        step = dtype.type(in_size - 1) / dtype.type(out_size - 1) if out_size > 1 else dtype.type(0)
    else:
        step = _scale_value(in_size, out_size, scale, dtype)
    support = taps / 2 * step if step >= 1 else taps / 2
    stretch = step if step >= 1 else 1.0
    center = step * (np.arange(out_size) + 0.5)
    first = np.maximum((center - support + 0.5).astype(np.int64), 0)
    stop = np.minimum((center + support + 0.5).astype(np.int64), in_size)
    offsets = np.arange(int(np.ceil(support)) * 2 + 1)
    positions = first[:, None] + offsets
    inside = offsets < (stop - first)[:, None]
    weight = _antialias_filter(kind, (positions - center[:, None] + 0.5) / stretch) * inside
    total = weight.sum(axis=1, keepdims=True)
    weight = np.divide(weight, total, out=np.zeros_like(weight), where=total != 0)
    return np.minimum(positions, in_size - 1), weight.astype(dtype)


def interpolation_table(
    mode, in_size, out_size, align_corners=False, scale=None, dtype=np.float64, nearest_shortcuts=False
):
    """The 1-D map of ``mode``: (idx (n_out, taps) int64, w (n_out, taps)) with y[i] = Σ_k w[i,k] x[idx[i,k]].

    ``mode`` is ``"nearest"``, ``"nearest-exact"``, ``"linear"`` or ``"cubic"``; ``scale`` is the
    scale factor given to ``interpolate`` (None when a size was given or it was recomputed);
    ``nearest_shortcuts`` reproduces PyTorch's 2-D nearest kernel (see ``_nearest_index``).

    >>> idx, w = interpolation_table("linear", 2, 4)
    >>> idx.tolist(), w.tolist()
    ([[0, 1], [0, 1], [0, 1], [1, 1]], [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.75, 0.25]])
    """
    dtype = np.dtype(dtype)
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        index = _nearest_index(in_size, out_size, scale, exact, nearest_shortcuts and not exact)
        return index[:, None], np.ones((out_size, 1), dtype)
    if mode == "linear":
        if out_size == in_size and not align_corners:
            return np.arange(out_size)[:, None], np.ones((out_size, 1), dtype)
        source = _source_coordinates(in_size, out_size, align_corners, scale, dtype, cubic=False)
        first, fraction = _floor_and_fraction(source, in_size)
        index = np.stack([first, first + (first < in_size - 1)], axis=1)
        return index, np.stack([1 - fraction, fraction], axis=1).astype(dtype)
    if mode == "cubic":
        source = _source_coordinates(in_size, out_size, align_corners, scale, dtype, cubic=True)
        first, fraction = _floor_and_fraction(source, in_size)
        index = np.clip(first[:, None] + np.arange(-1, 3), 0, in_size - 1)
        return index, cubic_convolution_weights(fraction).astype(dtype)
    raise ValueError(
        f"interpolation_table: mode must be nearest, nearest-exact, linear or cubic, got {mode!r}"
    )


def transpose_table(index, weight, in_size):
    """The table of the adjoint map Aᵀ: for each input j, the outputs i (and weights) that read it.

    Rows are padded with weight-0 entries to the largest count, so Aᵀ is again a dense gather.
    """
    out_size, taps = index.shape
    rows = np.repeat(np.arange(out_size), taps)
    columns = index.reshape(-1)
    order = np.argsort(columns, kind="stable")
    rows, columns, values = rows[order], columns[order], weight.reshape(-1)[order]
    counts = np.bincount(columns, minlength=in_size)
    slot = np.arange(columns.size) - (np.cumsum(counts) - counts)[columns]
    width = max(int(counts.max(initial=0)), 1)
    adjoint_index = np.zeros((in_size, width), dtype=np.int64)
    adjoint_weight = np.zeros((in_size, width), dtype=weight.dtype)
    adjoint_index[columns, slot] = rows
    adjoint_weight[columns, slot] = values
    return adjoint_index, adjoint_weight


class Resample1d(Function):
    """y[…, i, …] = Σ_k w[i, k] · x[…, idx[i, k], …] along ``axis``: a sparse linear map A (n_out × n_in).

    ∂L/∂x = Aᵀ ȳ, which is computed as another ``Resample1d`` with the transposed table; the
    adjoint of that is A again, so derivatives of every order are exact.
    """

    def __init__(self, axis, table, adjoint_table=None):
        self.axis, self.table, self.adjoint_table = axis, table, adjoint_table

    def forward(self, x):
        index, weight = self.table
        shape = [1] * x.ndim
        shape[self.axis] = index.shape[0]
        weight = weight.astype(x.dtype, copy=False)
        y = np.take(x, index[:, 0], axis=self.axis) * weight[:, 0].reshape(shape)
        for k in range(1, index.shape[1]):
            y += np.take(x, index[:, k], axis=self.axis) * weight[:, k].reshape(shape)
        return y

    def backward(self, gy):
        in_size = self.inputs[0].shape[self.axis]
        if self.adjoint_table is None:
            self.adjoint_table = transpose_table(*self.table, in_size)
        return Resample1d(self.axis, self.adjoint_table, self.table)(gy)


# ----- interpolate --------------------------------------------------------------------------------


def _check_sizes(values, dims, name, kind):
    values = list(values) if isinstance(values, (tuple, list)) else [values] * dims
    if len(values) != dims:
        raise ValueError(
            f"interpolate: {name} must have {dims} entries (one per spatial dimension), got {len(values)}"
        )
    for v in values:
        if not isinstance(v, kind) or isinstance(v, bool):
            raise TypeError(f"interpolate: {name} must hold {kind.__name__}s, got {v!r}")
    return values


def _output_sizes(shape, size, scale_factor, recompute_scale_factor):
    """Output spatial sizes and the scale factors the kernels see (None where they use in/out)."""
    dims = len(shape)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size")
        sizes = [int(s) for s in _check_sizes(size, dims, "size", numbers.Integral)]
        scales = [None] * dims
    else:
        scales = [float(s) for s in _check_sizes(scale_factor, dims, "scale_factor", numbers.Real)]
        if min(scales) <= 0 or not all(math.isfinite(s) for s in scales):
            raise ValueError(f"interpolate: scale_factor must be positive and finite, got {scale_factor!r}")
        sizes = [math.floor(n * s) for n, s in zip(shape, scales)]
        if recompute_scale_factor:
            scales = [None] * dims
    if min(sizes) <= 0:
        raise ValueError(f"interpolate: output size {tuple(sizes)} must be positive (input {tuple(shape)})")
    return sizes, scales


def _check_mode(mode, align_corners, ndim, antialias):
    if mode not in MODES:
        raise ValueError(f"interpolate: mode must be one of {MODES}, got {mode!r}")
    if ndim not in (3, 4, 5):
        raise ValueError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got {ndim}-D")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != ndim - 2:
        raise ValueError(f"interpolate: mode {mode!r} needs a {_MODE_DIMS[mode] + 2}-D input, got {ndim}-D")
    if mode == "area" and ndim == 5:
        raise ValueError("interpolate: mode 'area' supports 3-D and 4-D inputs here")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(
            "interpolate: align_corners can only be set with the interpolating modes "
            "linear | bilinear | bicubic | trilinear"
        )
    if antialias and (mode not in ("bilinear", "bicubic") or ndim != 4):
        raise ValueError("interpolate: antialias=True needs mode 'bilinear' or 'bicubic' and a 4-D input")


def _area(x, sizes):
    if x.ndim == 4:
        return adaptive_avg_pool2d(x, tuple(sizes))
    y = adaptive_avg_pool2d(reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2])), (1, sizes[0]))
    return reshape(y, (x.shape[0], x.shape[1], sizes[0]))


def interpolate(
    input: TensorLike,
    size: ShapeLike | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs, PyTorch's ``F.interpolate``.

    Args:
        size: output spatial size (an int or one per spatial dimension), or
        scale_factor: multiplier(s); the output size is ⌊n · scale_factor⌋ and, unless
            ``recompute_scale_factor=True``, the kernels use 1 / scale_factor as the step (so a
            non-integer factor samples exactly where PyTorch does).
        mode: ``nearest`` | ``nearest-exact`` | ``linear`` (3-D) | ``bilinear`` | ``bicubic`` (4-D) |
            ``trilinear`` (5-D) | ``area`` (3-D, 4-D; adaptive average pooling).
        align_corners: for the interpolating modes, whether corner pixel centres (True) or edges
            (False, the default) of input and output coincide; must be None for the others.
        antialias: bilinear and bicubic only: widen the kernel when shrinking (PIL's resize; the
            cubic kernel then has a = −0.5), see ``antialias_table``.

    See the module docstring for the formulas. Returns (N, C, *size).

    >>> import mathdl as md
    >>> x = md.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> interpolate(x, scale_factor=2, mode="bilinear").array[0, 0, 0]
    array([1.  , 1.25, 1.75, 2.  ], dtype=float32)
    """
    x = as_tensor(input)
    _check_mode(mode, align_corners, x.ndim, antialias)
    if x.dtype.kind != "f":
        raise TypeError(f"interpolate: expected a floating tensor, got dtype {x.dtype}")
    recompute = recompute_scale_factor or (mode == "area" and size is None)
    sizes, scales = _output_sizes(x.shape[2:], size, scale_factor, recompute)
    if mode == "area":
        return _area(x, sizes)
    kind = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    for offset in range(x.ndim - 2):
        axis = x.ndim - 1 - offset
        in_size, out_size, scale = x.shape[axis], sizes[axis - 2], scales[axis - 2]
        if antialias:
            table = antialias_table(kind, in_size, out_size, bool(align_corners), scale, x.dtype)
        else:
            table = interpolation_table(
                kind, in_size, out_size, bool(align_corners), scale, x.dtype, nearest_shortcuts=x.ndim == 4
            )
        if table[0].shape[1] == 1 and np.array_equal(table[0][:, 0], np.arange(in_size)):
            continue  # the identity (same size): nothing to do
        x = Resample1d(axis, table)(x)
    return x


# ----- sub-pixel rearrangement --------------------------------------------------------------------


def _check_factor(factor, op):
    if not isinstance(factor, numbers.Integral) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"{op}: the factor must be a positive int, got {factor!r}")
    return int(factor)


class PixelShuffle(Function):
    """y[…, c, h·r + i, w·r + j] = x[…, c·r² + i·r + j, h, w]: (*, C·r², H, W) → (*, C, H·r, W·r).

    A permutation of the entries, so ∂L/∂x = pixel_unshuffle(ȳ, r). It is the "sub-pixel
    convolution" of ESPCN (Shi et al. 2016): a convolution with C·r² output channels at low
    resolution, then this rearrangement into an r-times larger image.
    """

    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        r, lead = self.factor, x.shape[:-3]
        channels, height, width = x.shape[-3:]
        k = len(lead)
        y = x.reshape(lead + (channels // (r * r), r, r, height, width))
        y = y.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
        return y.reshape(lead + (channels // (r * r), height * r, width * r))

    def backward(self, gy):
        return PixelUnshuffle(self.factor)(gy)


class PixelUnshuffle(Function):
    """y[…, c·r² + i·r + j, h, w] = x[…, c, h·r + i, w·r + j]: (*, C, H·r, W·r) → (*, C·r², H, W).

    The inverse (and adjoint) of ``PixelShuffle``: ∂L/∂x = pixel_shuffle(ȳ, r).
    """

    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        r, lead = self.factor, x.shape[:-3]
        channels, height, width = x.shape[-3:]
        k = len(lead)
        y = x.reshape(lead + (channels, height // r, r, width // r, r))
        y = y.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
        return y.reshape(lead + (channels * r * r, height // r, width // r))

    def backward(self, gy):
        return PixelShuffle(self.factor)(gy)


def pixel_shuffle(input: TensorLike, upscale_factor: int) -> Tensor:
    """Rearrange (*, C·r², H, W) into (*, C, H·r, W·r), PyTorch's ``F.pixel_shuffle`` (see PixelShuffle).

    >>> import mathdl as md
    >>> pixel_shuffle(md.arange(4.0).reshape(1, 4, 1, 1), 2).array[0, 0]
    array([[0., 1.],
           [2., 3.]], dtype=float32)
    """
    x = as_tensor(input)
    r = _check_factor(upscale_factor, "pixel_shuffle")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(
            f"pixel_shuffle: expected (*, C·r², H, W) with C·r² divisible by r² = {r * r}, got shape {x.shape}"
        )
    return PixelShuffle(r)(x)


def pixel_unshuffle(input: TensorLike, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H·r, W·r) into (*, C·r², H, W), PyTorch's ``F.pixel_unshuffle``.

    >>> import mathdl as md
    >>> pixel_unshuffle(md.arange(4.0).reshape(1, 1, 2, 2), 2).array.ravel()
    array([0., 1., 2., 3.], dtype=float32)
    """
    x = as_tensor(input)
    r = _check_factor(downscale_factor, "pixel_unshuffle")
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(
            f"pixel_unshuffle: expected (*, C, H, W) with H and W divisible by r = {r}, got shape {x.shape}"
        )
    return PixelUnshuffle(r)(x)
