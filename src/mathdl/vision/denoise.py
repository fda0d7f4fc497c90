"""Classical denoisers, the baselines a learned denoiser (DnCNN) is measured against.

For a noisy image y = x + n with white Gaussian noise n ~ N(0, σ²) (σ known):

* **Gaussian filter** (``gaussian_filter``): y blurred by a Gaussian of width s (pixels).
* **Gaussian low-pass in the Fourier domain** (``fft_lowpass``): Ŷ(f) multiplied by
  H(f) = exp(−2π² s² |f|²) (f in cycles per pixel), the continuous Gaussian's transfer function.
* **Wiener filter in the Fourier domain** (``wiener_filter``): the linear estimator minimising the
  expected squared error for a stationary signal with power spectrum S_x(f),

      X̂(f) = S_x(f) / (S_x(f) + S_n(f)) · Ŷ(f),      S_n(f) = P σ²  (white noise, P pixels, unnormalised DFT),

  with S_x estimated from the noisy image itself: the periodogram |Ŷ(f)|² averaged over rings of
  equal radial frequency (natural images are close to isotropic), minus the noise power, floored
  at 0 (power spectral subtraction). Only σ is assumed known.
* **Best-σ** (``best_sigma``): the width s (of either low-pass) that maximises PSNR against the clean
  image, an oracle that upper-bounds every Gaussian low-pass; a learned denoiser must beat it.

The Fourier methods extend the image by mirroring (2H × 2W, ``boundary="reflect"``, the default)
before transforming, so the DFT's periodicity does not join opposite borders (whose jumps would
leak across the spectrum); the mirrored noise then has power 4Pσ² (8Pσ² on the frequency axes,
where the mirror images add coherently). ``boundary="periodic"`` transforms the image as it is.
All work on the last two axes of (…, H, W) arrays (channels first for colour).
"""

import numpy as np

from mathdl.vision.filters import gaussian_filter
from mathdl.vision.metrics.image import psnr

__all__ = ["best_sigma", "fft_lowpass", "gaussian_filter", "radial_power_spectrum", "wiener_filter"]


def _image(y, op):
    y = np.asarray(y)
    if y.ndim < 2:
        raise ValueError(f"{op}: expected an image (…, H, W), got shape {y.shape}")
    return y if y.dtype.kind == "f" else y.astype(np.float64)


def _frequency_radius(height, width):
    """|f| in cycles per pixel for every coefficient of a (H, W) DFT."""
    fy, fx = np.fft.fftfreq(height), np.fft.fftfreq(width)
    return np.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2)


BOUNDARIES = ("reflect", "periodic")


def _extend(y, boundary, op):
    """The image the DFT sees: ``y`` mirrored to (…, 2H, 2W), or ``y`` itself."""
    if boundary not in BOUNDARIES:
        raise ValueError(f"{op}: boundary must be one of {BOUNDARIES}, got {boundary!r}")
    if boundary == "periodic":
        return y
    y = np.concatenate([y, y[..., ::-1, :]], axis=-2)
    return np.concatenate([y, y[..., :, ::-1]], axis=-1)


def fft_lowpass(image, sigma, boundary="reflect"):
    """Gaussian low-pass in the Fourier domain: y ↦ F⁻¹[exp(−2π² σ² |f|²) · F y] (see the module
    docstring for ``boundary``).

    >>> import numpy as np
    >>> float(fft_lowpass(np.ones((4, 4)), 2.0).mean())
    1.0
    """
    y = _image(image, "fft_lowpass")
    if sigma < 0:
        raise ValueError(f"fft_lowpass: sigma must be non-negative, got {sigma}")
    height, width = y.shape[-2:]
    z = _extend(y, boundary, "fft_lowpass")
    transfer = np.exp(-2.0 * np.pi**2 * sigma**2 * _frequency_radius(*z.shape[-2:]) ** 2)
    filtered = np.fft.irfft2(np.fft.rfft2(z) * transfer[..., : z.shape[-1] // 2 + 1], s=z.shape[-2:])
    return filtered[..., :height, :width].astype(y.dtype)


def radial_power_spectrum(image, bins=None):
    """The periodogram |F y|² averaged over rings of equal |f|, returned at every DFT coefficient
    (same shape as the image's last two axes; averaged over leading axes too)."""
    y = _image(image, "radial_power_spectrum")
    height, width = y.shape[-2:]
    power = np.abs(np.fft.fft2(y)) ** 2
    power = power.reshape((-1, height, width)).mean(axis=0)
    radius = _frequency_radius(height, width)
    bins = bins or max(height, width) // 2
    ring = np.minimum((radius / radius.max() * bins).astype(np.int64), bins - 1)
    totals = np.bincount(ring.ravel(), power.ravel(), minlength=bins)
    counts = np.bincount(ring.ravel(), minlength=bins)
    return (totals / np.maximum(counts, 1))[ring]


def _noise_power(shape, noise_std, boundary):
    """E|F n|² per DFT coefficient of the (extended) noise: Pσ², or for the mirrored image 4Pσ²
    doubled on each frequency axis (f_x = 0 or f_y = 0), where the mirror images add coherently."""
    power = np.full(shape, float(np.prod(shape)) * noise_std**2)
    if boundary == "reflect":
        power[0, :] *= 2.0
        power[:, 0] *= 2.0
    return power


def wiener_filter(noisy, noise_std, boundary="reflect"):
    """Wiener filter in the Fourier domain for white noise of known standard deviation σ.

    X̂ = max(S_y − S_n, 0) / S_y · Ŷ with S_y the ring-averaged periodogram of the noisy image and
    S_n the noise power (see the module docstring). The DC coefficient is kept. Same shape out.
    """
    y = _image(noisy, "wiener_filter")
    if noise_std < 0:
        raise ValueError(f"wiener_filter: noise_std must be non-negative, got {noise_std}")
    height, width = y.shape[-2:]
    z = _extend(y, boundary, "wiener_filter")
    signal_plus_noise = radial_power_spectrum(z)
    noise = _noise_power(z.shape[-2:], noise_std, boundary)
    gain = np.maximum(signal_plus_noise - noise, 0.0) / np.maximum(signal_plus_noise, 1e-300)
    gain[0, 0] = 1.0
    estimate = np.real(np.fft.ifft2(np.fft.fft2(z) * gain))
    return estimate[..., :height, :width].astype(y.dtype)


def best_sigma(denoiser, noisy, clean, sigmas=None, data_range=1.0):
    """The width s maximising PSNR(clean, denoiser(noisy, s)) over ``sigmas`` (an oracle baseline).

    ``denoiser`` is ``gaussian_filter`` or ``fft_lowpass`` (any f(image, s)); ``sigmas`` defaults to
    40 widths from 0.2 to 8 pixels, geometrically spaced. Returns (best s, its PSNR, its estimate).
    """
    if not callable(denoiser):
        raise TypeError("best_sigma: denoiser must be a function f(image, sigma)")
    sigmas = np.geomspace(0.2, 8.0, 40) if sigmas is None else np.asarray(sigmas, dtype=float)
    if sigmas.ndim != 1 or sigmas.size == 0:
        raise ValueError("best_sigma: sigmas must be a non-empty 1-D sequence")
    best = (None, -np.inf, None)
    for s in sigmas:  # a 1-D search over a handful of widths, each one vectorised filter
        estimate = denoiser(noisy, float(s))
        score = psnr(clean, estimate, data_range=data_range)
        if score > best[1]:
            best = (float(s), score, estimate)
    return best
