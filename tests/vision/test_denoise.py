"""Classical denoisers: the Gaussian filter equals scipy.ndimage's, the FFT low-pass is the Gaussian
transfer function, Wiener and best-σ improve PSNR on a photograph in the expected order."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck
from mathdl.vision.denoise import (
    best_sigma,
    fft_lowpass,
    gaussian_filter,
    radial_power_spectrum,
    wiener_filter,
)
from mathdl.vision.metrics import psnr

ndimage = pytest.importorskip("scipy.ndimage", reason="SciPy is the reference for the Gaussian filter")


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.3, 4.0])
@pytest.mark.parametrize("shape", [(17, 23), (2, 9, 6)])
def test_gaussian_filter_equals_scipy(rng, sigma, shape):
    image = rng.standard_normal(shape)
    expected = ndimage.gaussian_filter(image, sigma, axes=(-2, -1))
    np.testing.assert_allclose(gaussian_filter(image, sigma), expected, atol=1e-14)


def test_gaussian_filter_on_tensors_is_differentiable(rng):
    x = md.tensor(rng.standard_normal((2, 7, 8)), requires_grad=True)
    gradcheck(lambda x: gaussian_filter(x, 1.3), [x])


def test_fft_lowpass_is_the_gaussian_transfer_function(rng):
    image = rng.standard_normal((16, 20))
    sigma = 1.7
    fy, fx = np.fft.fftfreq(16)[:, None], np.fft.fftfreq(20)[None, :]
    transfer = np.exp(-2 * np.pi**2 * sigma**2 * (fx**2 + fy**2))
    expected = np.real(np.fft.ifft2(np.fft.fft2(image) * transfer))
    np.testing.assert_allclose(fft_lowpass(image, sigma, boundary="periodic"), expected, atol=1e-12)
    np.testing.assert_allclose(fft_lowpass(image, 0.0), image, atol=1e-12)
    # mirrored, the Fourier Gaussian is the spatial one with reflecting borders (up to sampling the
    # Gaussian, which differs from its transfer function by ~1e-3 at σ = 1.7)
    np.testing.assert_allclose(fft_lowpass(image, sigma), gaussian_filter(image, sigma), atol=5e-3)


def test_radial_power_spectrum_of_white_noise_is_flat(rng):
    noise = rng.standard_normal((4, 64, 64))
    spectrum = radial_power_spectrum(noise)
    assert spectrum.shape == (64, 64)
    # E|F n|² = P σ² at every frequency; ring averages of 4 images are within a few per cent
    np.testing.assert_allclose(np.median(spectrum), 64 * 64, rtol=0.05)


def test_denoisers_on_a_photograph_rank_as_expected():
    photo = pytest.importorskip("mathdl.data.datasets.photographs")
    clean = photo.load_photograph("camera", mode="grey", layout="hwc", dtype=np.float64)[::2, ::2]
    noisy = clean + 25 / 255 * np.random.default_rng(0).standard_normal(clean.shape)
    before = psnr(clean, noisy, 1.0)
    wiener = psnr(clean, wiener_filter(noisy, 25 / 255), 1.0)
    s, best, estimate = best_sigma(gaussian_filter, noisy, clean)
    assert estimate.shape == clean.shape and 0.2 <= s <= 8
    # Every method removes several dB of the noise; the oracle best-σ Gaussian beats a fixed σ.
    assert wiener > before + 4 and best > before + 4
    assert best >= psnr(clean, gaussian_filter(noisy, 3.0), 1.0)
    assert best >= psnr(clean, gaussian_filter(noisy, 0.3), 1.0)


def test_mirrored_noise_power_is_as_stated(rng):
    # E|F(mirror n)|² = 4Pσ², doubled on the frequency axes: averaged over 400 noise draws
    from mathdl.vision.denoise import _noise_power

    noise = rng.standard_normal((400, 6, 5))
    z = np.concatenate([noise, noise[:, ::-1]], axis=1)
    z = np.concatenate([z, z[:, :, ::-1]], axis=2)
    power = (np.abs(np.fft.fft2(z)) ** 2).mean(axis=0)
    expected = _noise_power((12, 10), 1.0, "reflect")
    inside = (np.arange(12) != 6)[:, None] & (np.arange(10) != 5)[None, :]  # the Nyquist lines are 0
    np.testing.assert_allclose(power[inside], expected[inside], rtol=0.25)


def test_denoiser_errors(rng):
    with pytest.raises(ValueError, match="noise_std must be non-negative"):
        wiener_filter(rng.random((8, 8)), -1.0)
    with pytest.raises(ValueError, match="expected an image"):
        fft_lowpass(np.ones(5), 1.0)
    with pytest.raises(ValueError, match="boundary must be one of"):
        wiener_filter(rng.random((8, 8)), 0.1, boundary="wrap")
    with pytest.raises(TypeError, match="denoiser must be a function"):
        best_sigma(None, np.ones((8, 8)), np.ones((8, 8)))
    with pytest.raises(ValueError, match="sigma must be positive"):
        gaussian_filter(np.ones((8, 8)), 0.0)
