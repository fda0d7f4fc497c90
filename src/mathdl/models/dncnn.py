"""DnCNN: a residual denoising CNN (Zhang, Zuo, Chen, Meng & Zhang, "Beyond a Gaussian Denoiser",
IEEE TIP 2017).

For a noisy image y = x + v (v ~ N(0, σ²)), the network R predicts the noise, not the clean image,
and the estimate is their difference:

    x̂ = y − R(y),      R = conv 3×3 (c → F) → ReLU
                          → (depth − 2) × [conv 3×3 (F → F, no bias) → BatchNorm2d → ReLU]
                          → conv 3×3 (F → c)

trained on ½‖R(y) − (y − x)‖² (equivalently ‖x̂ − x‖²). Residual learning makes the target (the
noise) nearly zero-mean and structure-free, which with batch normalisation trains quickly. All
convolutions keep the size (padding 1), so any H × W works. The paper uses depth 17 and F = 64
for σ known; smaller settings are fine on a CPU.

Quality is measured by the peak signal-to-noise ratio PSNR = 10 log₁₀(peak² / MSE) in dB; for
images in [0, 1] with σ = 25/255, the noisy input has PSNR ≈ 20.2 dB.
"""

import numpy as np

from mathdl import nn
from mathdl.autograd.function import as_tensor
from mathdl.nn.layers.conv import Conv2d


class DnCNN(nn.Module):
    """DnCNN (see the module docstring). Input (N, channels, H, W) noisy images → (N, channels, H, W)
    denoised images x̂ = y − R(y); ``noise(y)`` returns R(y), the predicted noise.

    ``depth``: number of convolution layers (≥ 2; the paper's 17); ``features``: channels F of the
    hidden layers (the paper's 64)."""

    def __init__(self, channels=1, depth=17, features=64):
        super().__init__()
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 2:
            raise ValueError(f"DnCNN: depth must be an int >= 2 (first and last convolution), got {depth!r}")
        if isinstance(features, bool) or not isinstance(features, int) or features < 1:
            raise ValueError(f"DnCNN: features must be a positive int, got {features!r}")
        self.channels = channels
        layers = [Conv2d(channels, features, 3, padding=1), nn.ReLU()]
        for _ in range(depth - 2):
            layers += [
                Conv2d(features, features, 3, padding=1, bias=False),
                nn.BatchNorm2d(features),
                nn.ReLU(),
            ]
        layers.append(Conv2d(features, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def noise(self, y):
        """R(y): the predicted noise (N, channels, H, W)."""
        y = as_tensor(y)
        if y.ndim != 4 or y.shape[1] != self.channels:
            raise ValueError(
                f"DnCNN: expected noisy images of shape (N, {self.channels}, H, W), got "
                f"shape {tuple(y.shape)}"
            )
        return self.body(y)

    def forward(self, y):
        y = as_tensor(y)
        return y - self.noise(y)


def add_gaussian_noise(images, sigma, rng):
    """y = x + v with v ~ N(0, σ²) i.i.d. per pixel (no clipping, as in the DnCNN paper); same dtype."""
    images = np.asarray(images)
    return images + (rng.standard_normal(images.shape) * sigma).astype(images.dtype)


def psnr(estimate, reference, peak=1.0):
    """Peak signal-to-noise ratio in dB: 10 log₁₀(peak² / mean((estimate − reference)²)), averaged
    over the whole batch (one MSE)."""
    estimate = np.asarray(getattr(estimate, "data", estimate), dtype=np.float64)
    reference = np.asarray(getattr(reference, "data", reference), dtype=np.float64)
    if estimate.shape != reference.shape:
        raise ValueError(f"psnr: shapes differ: {estimate.shape} vs {reference.shape}")
    mse = float(np.mean((estimate - reference) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak * peak / mse)
