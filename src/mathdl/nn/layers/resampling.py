"""Resampling layers: ``Upsample`` (and its fixed-mode forms) and the sub-pixel ``PixelShuffle`` /
``PixelUnshuffle``, thin Modules over ``mathdl.nn.functional.resampling``. None holds parameters."""

from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.resampling import interpolate, pixel_shuffle, pixel_unshuffle
from mathdl.nn.module import Module


class Upsample(Module):
    """Resize the spatial dimensions, PyTorch's ``nn.Upsample``: ``interpolate`` with fixed arguments.

    Args:
        size / scale_factor: output size or multiplier (exactly one).
        mode: ``nearest`` | ``nearest-exact`` | ``linear`` | ``bilinear`` | ``bicubic`` | ``trilinear``.
        align_corners, recompute_scale_factor: as ``interpolate``.

    Shape: (N, C, *spatial) → (N, C, *size) or (N, C, ⌊spatial · scale_factor⌋).

    >>> import mathdl as md
    >>> Upsample(scale_factor=2)(md.ones(1, 1, 2, 3)).shape
    (1, 1, 4, 6)
    """

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(
            input, self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor
        )

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")`` for (N, C, H, W) inputs, as PyTorch.

    >>> import mathdl as md
    >>> md.nn.UpsamplingNearest2d(size=(2, 4))(md.ones(1, 1, 1, 2)).shape
    (1, 1, 2, 4)
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)``, as PyTorch.

    >>> import mathdl as md
    >>> md.nn.UpsamplingBilinear2d(scale_factor=2)(md.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C·r², H, W) → (*, C, H·r, W·r): y[…, c, h·r + i, w·r + j] = x[…, c·r² + i·r + j, h, w].

    After a convolution with C·r² output channels this is ESPCN's sub-pixel convolution layer.

    >>> import mathdl as md
    >>> PixelShuffle(3)(md.zeros(1, 9, 4, 4)).shape
    (1, 1, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of ``PixelShuffle``.

    >>> import mathdl as md
    >>> PixelUnshuffle(2)(md.zeros(1, 1, 4, 6)).shape
    (1, 4, 2, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
