"""Single-image super-resolution networks on luminance: SRCNN and ESPCN.

**SRCNN** (Dong, Loy, He & Tang, "Learning a Deep Convolutional Network for Image
Super-Resolution", ECCV 2014) refines an image already enlarged by bicubic interpolation:

    Y_up (N, 1, H, W) → conv 9×9 (1 → 64) → ReLU → conv 1×1 (64 → 32) → ReLU → conv 5×5 (32 → 1)

(the paper's 9-1-5 network with n₁ = 64, n₂ = 32: patch extraction, non-linear mapping,
reconstruction). Every pixel costs 9·9·64 + 64·32 + 5·5·32 ≈ 8.0k multiply-adds at the high
resolution.

**ESPCN** (Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network", CVPR 2016) works on the small image and enlarges only at
the end, with a sub-pixel convolution (a convolution to r² channels and a periodic shuffle):

    Y_low (N, 1, h, w) → conv 5×5 (1 → 64) → tanh → conv 3×3 (64 → 32) → tanh
                       → conv 3×3 (32 → r²) → pixel_shuffle(r) → (N, 1, r·h, r·w)

so each low-resolution pixel costs 5·5·64 + 3·3·64·32 + 3·3·32·r² ≈ 21k multiply-adds for r² output
pixels: at ×3 about 2.5k per output pixel, 3.2 times fewer than SRCNN.

Both are trained on the mean squared error against the high-resolution patch (the papers' loss;
minimising it maximises PSNR): ``loss(output, target)``.

What differs from the papers, on purpose:

* **Borders.** The papers train with valid convolutions (SRCNN: 33×33 inputs give 21×21 outputs).
  Here the input is first extended by its receptive radius R (SRCNN 6, ESPCN 4 low-resolution
  pixels) by repeating its border pixels, then every convolution is valid: the output has the
  size of the input (× r) like 'same' padding, but without the dark frame zero padding puts around
  an image whose mean is about 0.45. With ``padding='valid'`` (how the examples train, on patches
  carrying R pixels of real context, ``sr_patches(..., context=R)``) ``forward`` is the unpadded
  network, ``forward_valid``, as in the papers; images are enlarged through ``forward_valid`` on
  edge-extended tiles (``mathdl.vision.upscale``) whatever the setting.
* **Optimiser.** Adam (lr 1e-3) instead of SGD with momentum and per-layer rates (SRCNN: 1e-4,
  1e-5 on the last layer, ~10⁸ back-propagations), so that minutes of training suffice here.
* **Data.** Patches of the natural training photographs (``mathdl.data.sr_patches``) instead of the
  91-image set or ImageNet.

Two options, off by default (the papers' networks), on in the trained variants of
``examples/superresolution.py``:

* ``residual=True``: the network predicts the difference to the bicubic enlargement,
  ŷ = bicubic(x) + f(x) (SRCNN: ŷ = x_up + f(x_up)), the global skip of VDSR (Kim, Lee & Lee 2016).
  The target f is then zero-mean, high-frequency detail.
* ``activation='relu'`` (ESPCN): ReLU instead of tanh.
* ``standardize=True``: the first convolution sees (x − 0.45)/0.25 instead of x ∈ [0, 1] (roughly
  zero mean and unit variance for photographs; a fixed affine map, so the same function class, but
  the default initialisation then starts the units in their non-linear range).

Why: after minutes of training (10⁵ patches, where the papers use 10⁸ back-propagations) both
papers' networks reach exactly the PSNR of the best *linear* upscaler with the same receptive field
(least squares, ``examples/superresolution.py`` scores it): the tanh units stay in their linear
range and the network is a product of linear maps, which gradient descent leaves slowly. The
residual target and ReLU units reach non-linear solutions (edge-dependent sharpening) within
the same minutes.
"""

import numpy as np

from mathdl import nn
from mathdl.autograd.function import as_tensor
from mathdl.models.registry import register
from mathdl.nn import functional as F
from mathdl.nn.layers.conv import Conv2d
from mathdl.ops.elementwise import relu, tanh

__all__ = ["ESPCN", "SRCNN", "edge_pad", "sr_loss"]
ACTIVATIONS = {"tanh": tanh, "relu": relu}
Y_MEAN, Y_STD = 0.45, 0.25  # rough luminance statistics of photographs, for ``standardize``


def edge_pad(x, radius):
    """(…, H, W) → (…, H + 2R, W + 2R) repeating the border rows and columns (NumPy's ``mode='edge'``).

    Differentiable: a gather whose gradient adds each padded pixel's gradient into the border
    pixel it copies.

    >>> import mathdl as md
    >>> edge_pad(md.tensor([[1.0, 2.0]]), 1).array
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [1., 1., 2., 2.]], dtype=float32)
    """
    x = as_tensor(x)
    if radius == 0:
        return x
    rows = np.clip(np.arange(-radius, x.shape[-2] + radius), 0, x.shape[-2] - 1)
    cols = np.clip(np.arange(-radius, x.shape[-1] + radius), 0, x.shape[-1] - 1)
    return x[..., rows, :][..., cols]


def sr_loss(output, target):
    """The papers' training loss: the mean squared error (1/P) Σ (ŷ − y)² over all pixels."""
    return F.mse_loss(output, target)


def _check_scale(scale, name):
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or not 2 <= scale <= 8:
        raise ValueError(f"{name}: scale must be an int from 2 to 8, got {scale!r}")
    return int(scale)


def _check_images(x, channels, name):
    x = as_tensor(x)
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(
            f"{name}: expected images of shape (N, {channels}, H, W), got shape {tuple(x.shape)}"
        )
    return x


def _check_widths(filters, kernels, name):
    filters, kernels = list(filters), list(kernels)
    if len(filters) != 2 or len(kernels) != 3:
        raise ValueError(f"{name}: expected 2 filter counts and 3 kernel sizes, got {filters} and {kernels}")
    for value in filters + kernels:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: filter counts and kernel sizes must be positive ints, got {value!r}")
    if any(k % 2 == 0 for k in kernels):
        raise ValueError(f"{name}: kernel sizes must be odd (centred), got {kernels}")
    return [int(f) for f in filters], [int(k) for k in kernels]


class _SuperResolution(nn.Module):
    """Shared parts: three convolutions, the receptive radius, the loss."""

    def _build(self, channels, filters, kernels, out_channels, padding):
        if padding not in ("edge", "valid"):
            raise ValueError(f"{type(self).__name__}: padding must be 'edge' or 'valid', got {padding!r}")
        self.channels, self.padding = channels, padding
        widths = [channels, *filters, out_channels]
        self.conv1, self.conv2, self.conv3 = (Conv2d(widths[i], widths[i + 1], kernels[i]) for i in range(3))
        self.radius = sum(k // 2 for k in kernels)

    def _input(self, x):
        """What the first convolution sees: x, or (x − 0.45)/0.25 with ``standardize``."""
        return (x - Y_MEAN) * (1.0 / Y_STD) if self.standardize else x

    @staticmethod
    def loss(output, target):
        """Mean squared error (see ``sr_loss``)."""
        return sr_loss(output, target)

    def forward(self, x):
        x = _check_images(x, self.channels, type(self).__name__)
        return self.forward_valid(edge_pad(x, self.radius) if self.padding == "edge" else x)


@register("srcnn")
class SRCNN(_SuperResolution):
    """SRCNN 9-1-5 (see the module docstring). Input: the bicubic-enlarged image (N, channels, H, W)
    → the refined image (N, channels, H, W). ``scale`` is recorded (the factor the network was
    trained for; ``upscale`` enlarges by it) but does not change the architecture. ``padding``:
    'edge' (output size = input size) or 'valid' (2R pixels smaller). ``residual``: add the
    input to the output (the network learns the correction to bicubic); ``standardize``: see the
    module docstring."""

    def __init__(
        self,
        scale=2,
        channels=1,
        filters=(64, 32),
        kernels=(9, 1, 5),
        padding="edge",
        residual=False,
        standardize=False,
    ):
        super().__init__()
        self.scale = _check_scale(scale, "SRCNN")
        self.residual, self.standardize = bool(residual), bool(standardize)
        filters, kernels = _check_widths(filters, kernels, "SRCNN")
        self._build(channels, filters, kernels, channels, padding)
        self.magnification = 1  # forward keeps the size; the input is enlarged beforehand

    def forward_valid(self, x):
        """The three convolutions without padding: (N, C, H, W) → (N, C, H − 2R, W − 2R)."""
        out = self.conv3(relu(self.conv2(relu(self.conv1(self._input(x))))))
        if not self.residual:
            return out
        r = self.radius
        return out + x[..., r : x.shape[-2] - r, r : x.shape[-1] - r]

    def upscale(self, low):
        """The whole pipeline: bicubic enlargement by ``scale`` (PyTorch's kernel), then the network."""
        low = _check_images(low, self.channels, "SRCNN.upscale")
        return self(F.interpolate(low, scale_factor=self.scale, mode="bicubic", align_corners=False))


@register("espcn")
class ESPCN(_SuperResolution):
    """ESPCN 5-3-3 with a sub-pixel convolution (see the module docstring). Input: the small image
    (N, channels, h, w) → (N, channels, r·h, r·w), r = ``scale`` (r(h − 2R) × r(w − 2R) with
    ``padding='valid'``). ``residual``: add the bicubic enlargement of the input (PyTorch's
    kernel); ``activation``: 'tanh' (the paper's) or 'relu'; ``standardize``: see the module
    docstring."""

    def __init__(
        self,
        scale=2,
        channels=1,
        filters=(64, 32),
        kernels=(5, 3, 3),
        padding="edge",
        residual=False,
        activation="tanh",
        standardize=False,
    ):
        super().__init__()
        self.scale = _check_scale(scale, "ESPCN")
        self.residual, self.standardize = bool(residual), bool(standardize)
        if activation not in ACTIVATIONS:
            raise ValueError(f"ESPCN: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation = activation
        filters, kernels = _check_widths(filters, kernels, "ESPCN")
        self._build(channels, filters, kernels, channels * self.scale**2, padding)
        self.magnification = self.scale  # output side / input side of forward
        self.shuffle = nn.PixelShuffle(self.scale)

    def forward_valid(self, x):
        """Without padding: (N, C, h, w) → (N, C, r(h − 2R), r(w − 2R))."""
        act = ACTIVATIONS[self.activation]
        out = self.shuffle(self.conv3(act(self.conv2(act(self.conv1(self._input(x)))))))
        if not self.residual:
            return out
        crop = self.radius * self.scale
        up = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        return out + up[..., crop : up.shape[-2] - crop, crop : up.shape[-1] - crop]

    def upscale(self, low):
        """The network itself (it takes the small image)."""
        return self(low)
