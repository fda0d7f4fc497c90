"""Resampling at the ``nn.functional`` level: PyTorch's ``interpolate``, ``pixel_shuffle``,
``pixel_unshuffle``, ``grid_sample`` and ``affine_grid`` (their formulas live in
``mathdl.ops.resampling`` and ``mathdl.ops.grid_sampling``), and the older ``upsample*`` names.

    import mathdl.nn.functional as F
    y = F.interpolate(x, scale_factor=2, mode="bicubic")      # (N, C, 2H, 2W)
    z = F.pixel_shuffle(conv(x), 3)                            # ESPCN's sub-pixel convolution
"""

from collections.abc import Sequence

from mathdl.autograd.tensor import Tensor
from mathdl.ops.grid_sampling import affine_grid, grid_sample
from mathdl.ops.resampling import interpolate, pixel_shuffle, pixel_unshuffle
from mathdl.typing import ShapeLike, TensorLike


def upsample(
    input: TensorLike,
    size: ShapeLike | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """PyTorch's deprecated name for ``interpolate`` (same arguments, same result).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.upsample(md.ones(1, 1, 2, 3), scale_factor=2).shape
    (1, 1, 4, 6)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(
    input: TensorLike, size: ShapeLike | None = None, scale_factor: float | Sequence[float] | None = None
) -> Tensor:
    """``interpolate(input, size, scale_factor, mode="nearest")``, PyTorch's ``F.upsample_nearest``.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.upsample_nearest(md.tensor([[[[1.0, 2.0]]]]), scale_factor=2).tolist()
    [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(
    input: TensorLike, size: ShapeLike | None = None, scale_factor: float | Sequence[float] | None = None
) -> Tensor:
    """Bilinear upsampling with ``align_corners=True``, as PyTorch's ``F.upsample_bilinear``
    (corner pixel centres of input and output coincide).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.upsample_bilinear(md.ones(1, 1, 2, 2), size=(3, 5)).shape
    (1, 1, 3, 5)
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = [
    "affine_grid",
    "grid_sample",
    "interpolate",
    "pixel_shuffle",
    "pixel_unshuffle",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]
