"""PSNR and SSIM against scikit-image (random images, the photographs, colour, uint8, float32,
several windows), their gradients by finite differences, the batch forms and the loss."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck
from mathdl.vision.filters import gaussian_filter
from mathdl.vision.metrics import batch_psnr, batch_ssim, psnr, ssim, ssim_loss

skimage_metrics = pytest.importorskip(
    "skimage.metrics", reason="scikit-image is the reference for PSNR/SSIM (pip install mathdl[images])"
)
WANG = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}


def _pair(rng, shape, noise=0.1):
    a = rng.random(shape)
    return a, np.clip(a + noise * rng.standard_normal(shape), 0, 1)


@pytest.mark.parametrize("shape", [(11, 11), (16, 23), (40, 33), (64, 64)])
@pytest.mark.parametrize("noise", [0.02, 0.3])
def test_ssim_and_psnr_equal_scikit_image_on_random_images(rng, shape, noise):
    a, b = _pair(rng, shape, noise)
    expected = skimage_metrics.structural_similarity(a, b, data_range=1.0, **WANG)
    assert ssim(a, b, data_range=1.0) == pytest.approx(expected, rel=1e-12, abs=1e-13)
    assert psnr(a, b, 1.0) == pytest.approx(
        skimage_metrics.peak_signal_noise_ratio(a, b, data_range=1.0), rel=1e-12
    )


@pytest.mark.parametrize(
    "options",
    [
        {"gaussian_weights": False, "use_sample_covariance": True},  # scikit-image's defaults (7 × 7 box)
        {"gaussian_weights": False, "win_size": 5, "use_sample_covariance": False},
        {
            "gaussian_weights": True,
            "sigma": 1.5,
            "win_size": 7,
            "use_sample_covariance": False,
        },  # reflect borders
        {"gaussian_weights": True, "sigma": 0.8, "use_sample_covariance": True, "K1": 0.02, "K2": 0.05},
    ],
)
def test_ssim_options_equal_scikit_image(rng, options):
    a, b = _pair(rng, (25, 31))
    expected = skimage_metrics.structural_similarity(a, b, data_range=2.0, **options)
    assert ssim(a, b, data_range=2.0, **options) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("channel_axis", [-1, 0])
def test_ssim_with_channels_equals_scikit_image(rng, channel_axis):
    a, b = _pair(rng, (3, 20, 24) if channel_axis == 0 else (20, 24, 3))
    expected = skimage_metrics.structural_similarity(a, b, data_range=1.0, channel_axis=channel_axis, **WANG)
    assert ssim(a, b, data_range=1.0, channel_axis=channel_axis) == pytest.approx(expected, rel=1e-12)


def test_uint8_and_float32_images(rng):
    a, b = _pair(rng, (30, 30))
    a8, b8 = (a * 255).astype(np.uint8), (b * 255).astype(np.uint8)
    assert ssim(a8, b8) == pytest.approx(skimage_metrics.structural_similarity(a8, b8, **WANG), rel=1e-12)
    assert psnr(a8, b8) == pytest.approx(skimage_metrics.peak_signal_noise_ratio(a8, b8), rel=1e-12)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)  # scikit-image computes these in float32
    expected = skimage_metrics.structural_similarity(a32, b32, data_range=1.0, **WANG)
    assert ssim(a32, b32, data_range=1.0) == pytest.approx(expected, rel=1e-5)


def test_metrics_on_the_photographs_equal_scikit_image():
    photo = pytest.importorskip("mathdl.data.datasets.photographs")
    for name in ("camera", "astronaut"):
        clean = photo.load_photograph(name, mode="rgb", layout="hwc", dtype=np.float64)
        blurred = gaussian_filter(np.moveaxis(clean, -1, 0), 1.2)
        blurred = np.moveaxis(blurred, 0, -1)
        expected = skimage_metrics.structural_similarity(
            clean, blurred, data_range=1.0, channel_axis=-1, **WANG
        )
        assert ssim(clean, blurred, data_range=1.0, channel_axis=-1) == pytest.approx(expected, rel=1e-12)
        y, y_blur = photo.rgb_to_luminance(clean), photo.rgb_to_luminance(blurred)
        assert psnr(y, y_blur, 1.0) == pytest.approx(
            skimage_metrics.peak_signal_noise_ratio(y, y_blur, data_range=1.0), rel=1e-12
        )


def test_identical_images_and_known_values():
    image = np.random.default_rng(1).random((16, 16))
    assert ssim(image, image, data_range=1.0) == 1.0
    assert psnr(image, image, data_range=1.0) == float("inf")
    assert psnr(np.zeros((4, 4)), np.full((4, 4), 0.1), data_range=1.0) == pytest.approx(20.0)
    assert psnr(np.zeros((4, 4)), np.full((4, 4), 25.5), data_range=255) == pytest.approx(20.0)


def test_ssim_and_psnr_gradients_by_finite_differences(rng):
    a, b = _pair(rng, (12, 13))
    x = md.tensor(b, requires_grad=True)
    gradcheck(lambda x: ssim(a, x, data_range=1.0), [x])
    gradcheck(lambda x: psnr(a, x, data_range=1.0), [x])
    c, d = _pair(rng, (12, 12, 2))
    y = md.tensor(d, requires_grad=True)
    gradcheck(lambda y: ssim(c, y, data_range=1.0, channel_axis=-1, win_size=7), [y])


def test_batch_forms_and_the_loss(rng):
    x, y = _pair(rng, (3, 2, 14, 15))
    per_image = batch_ssim(md.tensor(x), md.tensor(y), data_range=1.0).array
    expected = [ssim(x[n], y[n], data_range=1.0, channel_axis=0) for n in range(3)]
    np.testing.assert_allclose(per_image, expected, rtol=1e-12)
    np.testing.assert_allclose(
        batch_psnr(md.tensor(x), md.tensor(y), 1.0).array,
        [psnr(x[n], y[n], 1.0) for n in range(3)],
        rtol=1e-12,
    )
    assert float(ssim_loss(x, y).array) == pytest.approx(1 - np.mean(expected), rel=1e-12)
    assert ssim_loss(x, y, reduction="none").shape == (3,)
    t = md.tensor(y, requires_grad=True)
    gradcheck(lambda t: ssim_loss(x, t, reduction="sum"), [t])


def test_ssim_as_a_loss_improves_ssim(rng):
    clean, noisy = _pair(rng, (1, 1, 24, 24), noise=0.2)
    estimate = md.tensor(noisy, requires_grad=True)
    before = ssim(clean[0, 0], noisy[0, 0], data_range=1.0)
    for _ in range(30):  # plain gradient descent on 1 − SSIM
        loss = ssim_loss(clean, estimate)
        estimate.grad = None
        loss.backward()
        estimate.array -= 20.0 * estimate.grad.array
    assert before < 0.9 and ssim(clean[0, 0], estimate.array[0, 0], data_range=1.0) > 0.99


def test_metric_errors_name_the_problem(rng):
    a = rng.random((12, 12))
    with pytest.raises(ValueError, match="give data_range"):
        ssim(a, a)
    with pytest.raises(ValueError, match="give data_range"):
        psnr(a, a)
    with pytest.raises(ValueError, match="same shape"):
        psnr(a, a[:5], 1.0)
    with pytest.raises(ValueError, match="smaller than the 11 × 11 window"):
        ssim(a[:8], a[:8], data_range=1.0)
    with pytest.raises(ValueError, match="win_size must be odd"):
        ssim(a, a, data_range=1.0, win_size=4)
    with pytest.raises(ValueError, match="pass channel_axis"):
        ssim(rng.random((12, 12, 3)), rng.random((12, 12, 3)), data_range=1.0)
    with pytest.raises(ValueError, match="positive number"):
        psnr(a, a, data_range=0)
    with pytest.raises(ValueError, match="reduction"):
        ssim_loss(a[None, None], a[None, None], reduction="max")


def test_an_array_takes_the_dtype_of_a_float32_tensor(rng):
    a, b = _pair(rng, (16, 16))
    t = md.tensor(b.astype(np.float32), requires_grad=True)
    value = ssim(a, t, data_range=1.0)
    assert value.dtype == np.float32 and psnr(a, t, 1.0).dtype == np.float32
    assert float(value.array) == pytest.approx(ssim(a, b.astype(np.float32), data_range=1.0), rel=1e-5)
