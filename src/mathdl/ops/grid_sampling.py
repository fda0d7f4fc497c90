"""Sampling an image at arbitrary points: ``grid_sample`` and ``affine_grid`` (PyTorch's semantics),
the two halves of a spatial transformer (Jaderberg et al. 2015) and of geometric augmentation.

``grid[n, i, j] = (x, y)`` in [−1, 1] names a point of image n (x along the width). It is first
unnormalised to pixel coordinates,

    align_corners=True:   u = (x + 1)/2 · (W − 1)      (−1 and 1 are the centres of the corner pixels)
    align_corners=False:  u = ((x + 1) · W − 1)/2      (−1 and 1 are the outer edges of the image)

then moved by the padding mode: ``zeros`` leaves it (samples outside read 0), ``border`` clips it
to [0, W − 1], ``reflection`` reflects it about the image border and then clips. Bilinear
sampling with u₀ = ⌊u⌋, v₀ = ⌊v⌋, α = u − u₀, β = v − v₀ reads the four neighbours

    out[n, c, i, j] = (1−α)(1−β) I[v₀, u₀] + α(1−β) I[v₀, u₀+1] + (1−α)β I[v₀+1, u₀] + αβ I[v₀+1, u₀+1]

(a neighbour outside the image reads 0). Its derivatives are

    ∂out/∂I[v₀ + a, u₀ + b] = the corner's weight        (ȳ scattered back to the four corners)
    ∂out/∂u = (1−β)(I[v₀, u₀+1] − I[v₀, u₀]) + β(I[v₀+1, u₀+1] − I[v₀+1, u₀])
    ∂out/∂v = (1−α)(I[v₀+1, u₀] − I[v₀, u₀]) + α(I[v₀+1, u₀+1] − I[v₀, u₀+1])

and the chain rule through the unnormalisation (a constant factor) and the padding (0 where a
coordinate was clipped, ±1 through a reflection) gives ∂L/∂grid. Nearest sampling reads
I[round(v), round(u)] (round half to even) and passes no gradient to the grid.

``affine_grid(θ, (N, C, H, W))`` is the grid of a 2 × 3 affine map: grid[n, i, j] = θₙ · (xⱼ, yᵢ, 1)ᵀ
with xⱼ, yᵢ evenly spaced in [−1, 1] (scaled by (W − 1)/W when ``align_corners=False``).
"""

from collections.abc import Sequence

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.arithmetic import matmul
from mathdl.ops.elementwise import abs, clip, where
from mathdl.ops.reduction import sum
from mathdl.ops.shape import getitem, reshape, transpose, unsqueeze
from mathdl.typing import TensorLike

MODES = ("bilinear", "nearest")
PADDING_MODES = ("zeros", "border", "reflection")


# ----- gathering pixels at integer positions, and its adjoint -------------------------------------


def _flat_positions(rows, columns, height, width):
    """Flat pixel index per sample (N, P) and the in-image mask; outside positions point at pixel 0."""
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    return np.where(inside, rows * width + columns, 0).reshape(rows.shape[0], -1), inside


class GatherPixels(Function):
    """y[n, c, i, j] = I[n, c, rows[n, i, j], columns[n, i, j]], or 0 where that is outside the image.

    Linear in I; its adjoint is ``ScatterPixels`` (∂L/∂I: ȳ added back at the same positions)."""

    def __init__(self, rows, columns):
        self.rows, self.columns = rows, columns

    def forward(self, image):
        n, c, height, width = image.shape
        flat, inside = _flat_positions(self.rows, self.columns, height, width)
        values = np.take_along_axis(image.reshape(n, c, height * width), flat[:, None, :], axis=2)
        return values.reshape((n, c) + self.rows.shape[1:]) * inside[:, None].astype(image.dtype)

    def backward(self, gy):
        return ScatterPixels(self.rows, self.columns, self.inputs[0].shape)(gy)


class ScatterPixels(Function):
    """I = zeros(shape); I[n, c, rows[n, i, j], columns[n, i, j]] += g[n, c, i, j] for positions inside.

    The adjoint of ``GatherPixels`` (a scatter-add, np.bincount over flat indices); its own adjoint
    is the gather."""

    def __init__(self, rows, columns, shape):
        self.rows, self.columns, self.shape = rows, columns, tuple(shape)

    def forward(self, g):
        n, c, height, width = self.shape
        flat, inside = _flat_positions(self.rows, self.columns, height, width)
        plane = (np.arange(n * c) * (height * width)).reshape(n, c, 1)
        index = (plane + flat[:, None, :]).reshape(-1)
        values = (g * inside[:, None]).reshape(-1)
        return (
            np.bincount(index, values, minlength=n * c * height * width).astype(g.dtype).reshape(self.shape)
        )

    def backward(self, gi):
        return GatherPixels(self.rows, self.columns)(gi)


# ----- bilinear sampling at pixel coordinates -----------------------------------------------------


def _corners(u, v):
    u0, v0 = np.floor(u), np.floor(v)
    return u0.astype(np.int64), v0.astype(np.int64), u0, v0


class BilinearSample(Function):
    """out[n, c, i, j] = bilinear interpolation of I[n, c] at pixel coordinates (u, v)[n, i, j].

    Inputs: I (N, C, H, W), u and v (N, H_out, W_out). See the module docstring for the value and
    the three derivatives; the backward is written with differentiable ops (corner gathers and
    scatters, products of the weights), so gradients of gradients work."""

    def forward(self, image, u, v):
        iu, iv, u0, v0 = _corners(u, v)
        alpha, beta = (u - u0)[:, None], (v - v0)[:, None]
        corner = lambda dv, du: GatherPixels(iv + dv, iu + du).forward(image)
        top = corner(0, 0) * (1 - alpha) + corner(0, 1) * alpha
        bottom = corner(1, 0) * (1 - alpha) + corner(1, 1) * alpha
        return top * (1 - beta) + bottom * beta

    def backward(self, gy):
        image, u, v = self.inputs
        iu, iv, u0, v0 = _corners(u.array, v.array)
        alpha = unsqueeze(u - Tensor(u0.astype(u.dtype)), 1)
        beta = unsqueeze(v - Tensor(v0.astype(v.dtype)), 1)
        positions = {(dv, du): (iv + dv, iu + du) for dv in (0, 1) for du in (0, 1)}
        weights = {
            (0, 0): (1 - alpha) * (1 - beta),
            (0, 1): alpha * (1 - beta),
            (1, 0): (1 - alpha) * beta,
            (1, 1): alpha * beta,
        }
        grad_image = None
        for key, (rows, columns) in positions.items():
            term = ScatterPixels(rows, columns, image.shape)(gy * weights[key])
            grad_image = term if grad_image is None else grad_image + term
        value = {key: GatherPixels(rows, columns)(image) for key, (rows, columns) in positions.items()}
        du = (value[0, 1] - value[0, 0]) * (1 - beta) + (value[1, 1] - value[1, 0]) * beta
        dv = (value[1, 0] - value[0, 0]) * (1 - alpha) + (value[1, 1] - value[0, 1]) * alpha
        return grad_image, sum(gy * du, 1), sum(gy * dv, 1)


# ----- coordinates --------------------------------------------------------------------------------


def _unnormalize(coordinate, size, align_corners):
    if align_corners:
        return (coordinate + 1.0) * ((size - 1) / 2.0)
    return ((coordinate + 1.0) * size - 1.0) / 2.0


def _reflect(coordinate, twice_low, twice_high):
    """Reflect about low and high (given doubled, as PyTorch) until inside [low, high]."""
    if twice_low == twice_high:
        return coordinate * 0.0
    low, span = twice_low / 2.0, (twice_high - twice_low) / 2.0
    distance = abs(coordinate - low)
    flips = np.floor(distance.array / span)
    extra = distance - Tensor((span * flips).astype(distance.dtype))
    return where(Tensor(flips % 2 == 0), extra + low, (span + low) - extra)


def _source_coordinate(coordinate, size, padding_mode, align_corners):
    """Pixel coordinate of normalised ``coordinate`` after the padding mode (differentiable)."""
    u = _unnormalize(coordinate, size, align_corners)
    if padding_mode == "reflection":
        u = _reflect(u, 0, 2 * (size - 1)) if align_corners else _reflect(u, -1, 2 * size - 1)
    if padding_mode in ("border", "reflection"):
        u = clip(u, 0, size - 1)
    return u


def _check_grid_inputs(image, grid, mode, padding_mode):
    if mode not in MODES:
        raise ValueError(f"grid_sample: mode must be one of {MODES}, got {mode!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"grid_sample: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    if image.ndim != 4:
        raise ValueError(f"grid_sample: input must be 4-D (N, C, H, W), got shape {image.shape}")
    if grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != image.shape[0]:
        raise ValueError(
            f"grid_sample: grid must have shape (N, H_out, W_out, 2) with N = {image.shape[0]}, got {grid.shape}"
        )
    if image.dtype.kind != "f" or grid.dtype != image.dtype:
        raise TypeError(
            f"grid_sample: input and grid must be floating with the same dtype, got {image.dtype} and {grid.dtype}"
        )


def grid_sample(
    input: TensorLike,
    grid: TensorLike,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` (N, C, H, W) at the points of ``grid`` (N, H_out, W_out, 2), PyTorch's
    ``F.grid_sample`` for 4-D inputs: returns (N, C, H_out, W_out).

    ``mode``: ``bilinear`` | ``nearest``; ``padding_mode``: ``zeros`` | ``border`` | ``reflection``;
    ``align_corners`` (default False): see the module docstring. Differentiable in the input and,
    for bilinear sampling, in the grid.

    >>> import mathdl as md
    >>> image = md.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> grid_sample(image, md.tensor([[[[0.0, 0.0]]]]), align_corners=True).array.ravel()
    array([1.5], dtype=float32)
    """
    image, grid = as_tensor(input), as_tensor(grid)
    _check_grid_inputs(image, grid, mode, padding_mode)
    align_corners = bool(align_corners)
    height, width = image.shape[2:]
    u = _source_coordinate(getitem(grid, (Ellipsis, 0)), width, padding_mode, align_corners)
    v = _source_coordinate(getitem(grid, (Ellipsis, 1)), height, padding_mode, align_corners)
    if mode == "bilinear":
        return BilinearSample()(image, u, v)
    rows, columns = np.rint(v.array).astype(np.int64), np.rint(u.array).astype(np.int64)
    return GatherPixels(rows, columns)(image)


# ----- affine grids -------------------------------------------------------------------------------


def _base_coordinates(steps, align_corners, dtype):
    if steps <= 1:
        return np.zeros(max(steps, 0), dtype)
    points = np.linspace(-1.0, 1.0, steps)
    return (points if align_corners else points * (steps - 1) / steps).astype(dtype)


def base_grid(height, width, align_corners, dtype=np.float64):
    """The homogeneous coordinates (H·W, 3) of the output pixels: rows (xⱼ, yᵢ, 1), row-major."""
    xs = _base_coordinates(width, align_corners, dtype)
    ys = _base_coordinates(height, align_corners, dtype)
    grid = np.ones((height, width, 3), dtype)
    grid[..., 0] = xs[None, :]
    grid[..., 1] = ys[:, None]
    return grid.reshape(height * width, 3)


class AffineGrid(Function):
    """grid[n, p] = θₙ · bₚ for the base points bₚ = (x, y, 1): θ (N, 2, 3) → (N, H·W, 2).

    Linear in θ: ∂L/∂θₙ = Σₚ ḡ[n, p] bₚᵀ (a (2, 3) matrix per sample)."""

    def __init__(self, base):
        self.base = base

    def forward(self, theta):
        return np.matmul(self.base.astype(theta.dtype), theta.transpose(0, 2, 1))

    def backward(self, g):
        return matmul(transpose(g, (0, 2, 1)), Tensor(self.base.astype(g.dtype)))


def affine_grid(theta: TensorLike, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) of the affine maps θ (N, 2, 3), PyTorch's ``F.affine_grid``
    for a 4-D ``size`` (N, C, H, W); feed it to ``grid_sample``.

    >>> import mathdl as md
    >>> identity = md.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> affine_grid(identity, (1, 1, 2, 2), align_corners=True).array[0].tolist()
    [[[-1.0, -1.0], [1.0, -1.0]], [[-1.0, 1.0], [1.0, 1.0]]]
    """
    theta = as_tensor(theta)
    if len(size) != 4 or min(size) < 1:
        raise ValueError(f"affine_grid: size must be a positive 4-D size (N, C, H, W), got {tuple(size)}")
    n, _, height, width = (int(s) for s in size)
    if theta.ndim != 3 or theta.shape != (n, 2, 3):
        raise ValueError(
            f"affine_grid: theta must have shape ({n}, 2, 3) for size {tuple(size)}, got {theta.shape}"
        )
    if theta.dtype.kind != "f":
        raise TypeError(f"affine_grid: theta must be floating, got dtype {theta.dtype}")
    base = base_grid(height, width, bool(align_corners), np.float64)
    return reshape(AffineGrid(base)(theta), (n, height, width, 2))
