"""The super-resolution protocol: modcrop, antialiased downscale (MATLAB's imresize in the interior),
bicubic upscale, and the shaved PSNR/SSIM; bicubic beats nearest on a smooth image."""

import numpy as np
import pytest

import mathdl as md
from mathdl.vision.superresolution import bicubic_downscale, bicubic_upscale, modcrop, shave, sr_scores


def _matlab_imresize_interior(image, scale):
    """MATLAB's imresize(image, 1/s, 'bicubic') along both axes, written from its definition:
    u = x/scale + ½(1 − 1/scale) (1-based), weights (1/s)·cubic((u − j)/s), a = −0.5, normalised."""

    def cubic(x):
        x = np.abs(x)
        return np.where(
            x <= 1, 1.5 * x**3 - 2.5 * x**2 + 1, np.where(x < 2, -0.5 * x**3 + 2.5 * x**2 - 4 * x + 2, 0)
        )

    def matrix(n):
        out = n // scale
        u = (np.arange(1, out + 1) * scale + 0.5 * (1 - scale))[:, None]
        j = np.arange(1, n + 1)[None, :]
        w = cubic((u - j) / scale) / scale
        return w / w.sum(axis=1, keepdims=True)  # rows whose support lies inside the image

    return matrix(image.shape[0]) @ image @ matrix(image.shape[1]).T


def test_downscale_equals_matlab_imresize_away_from_the_border(rng):
    image = rng.random((36, 30))
    for s in (2, 3):
        ours = bicubic_downscale(image, s)
        theirs = _matlab_imresize_interior(image, s)
        inner = (slice(3, -3), slice(3, -3))  # where neither kernel reaches the border
        np.testing.assert_allclose(ours[inner], theirs[inner], atol=1e-12)


def test_shapes_constants_and_scores(rng):
    image = rng.random((3, 31, 29))
    cropped = modcrop(image, 3)
    assert cropped.shape == (3, 30, 27)
    low = bicubic_downscale(cropped, 3)
    assert low.shape == (3, 10, 9)
    assert bicubic_upscale(low, 3).shape == cropped.shape
    np.testing.assert_allclose(bicubic_downscale(np.full((12, 12), 0.4), 2), 0.4, atol=1e-12)
    assert shave(np.zeros((10, 12)), 2).shape == (6, 8)
    scores = sr_scores(cropped[0], cropped[0], 3)
    assert scores["psnr"] == float("inf") and scores["ssim"] == 1.0
    t = md.tensor(cropped, requires_grad=True)  # Tensors stay differentiable through the pipeline
    bicubic_upscale(bicubic_downscale(t, 3), 3).sum().backward()
    assert t.grad.shape == cropped.shape


def test_bicubic_beats_nearest_on_a_smooth_image():
    y, x = np.mgrid[0:96, 0:96] / 96.0
    image = 0.5 + 0.2 * np.sin(6 * x + 2 * y) * np.cos(5 * y)
    low = bicubic_downscale(image, 2)
    nearest = np.repeat(np.repeat(low, 2, axis=0), 2, axis=1)
    bicubic = sr_scores(image, bicubic_upscale(low, 2), 2)
    assert bicubic["psnr"] > sr_scores(image, nearest, 2)["psnr"] + 8
    assert bicubic["ssim"] > 0.99


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="not a multiple of 3"):
        bicubic_downscale(np.zeros((10, 9)), 3)
    with pytest.raises(ValueError, match="scale must be a positive int"):
        bicubic_upscale(np.zeros((4, 4)), 1.5)
    with pytest.raises(ValueError, match="leaves nothing"):
        shave(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="luminance images of one shape"):
        sr_scores(np.zeros((8, 8)), np.zeros((8, 9)), 2)
