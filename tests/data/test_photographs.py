"""The scikit-image photographs: offline loading, modes and layouts, the fixed split, luminance as
MATLAB's rgb2ycbcr, patches, and the message when scikit-image is missing."""

import sys

import numpy as np
import pytest

from mathdl.data.datasets import photographs as photo

pytest.importorskip("skimage", reason="the photographs ship with scikit-image (pip install mathdl[images])")


def test_split_is_fixed_disjoint_and_documented():
    assert photo.photograph_names("test") == ("astronaut", "camera", "chelsea", "coins")
    assert len(photo.photograph_names("train")) == 12
    assert not set(photo.TRAIN_PHOTOGRAPHS) & set(photo.TEST_PHOTOGRAPHS)
    assert set(photo.photograph_names("all")) == set(photo.TRAIN_PHOTOGRAPHS) | set(photo.TEST_PHOTOGRAPHS)
    for name in photo.PHOTOGRAPH_NAMES:  # the module docstring lists the split
        assert name in photo.__doc__


def test_natural_training_photographs_are_the_training_split_without_documents_or_dark_images():
    left_out = set(photo.TRAIN_PHOTOGRAPHS) - set(photo.NATURAL_TRAIN_PHOTOGRAPHS)
    assert set(photo.NATURAL_TRAIN_PHOTOGRAPHS) < set(photo.TRAIN_PHOTOGRAPHS)
    assert left_out == {"page", "text", "hubble_deep_field", "retina"}


def test_every_photograph_loads_offline_in_every_mode():
    for name in photo.PHOTOGRAPH_NAMES:
        rgb = photo.load_photograph(name)
        y = photo.load_photograph(name, mode="y")
        grey = photo.load_photograph(name, mode="grey", layout="hwc")
        assert rgb.dtype == np.float32 and rgb.ndim == 3 and rgb.shape[0] == 3
        assert y.shape == (1,) + rgb.shape[1:] and grey.shape == rgb.shape[1:]
        assert 0.0 <= rgb.min() and rgb.max() <= 1.0
        assert 16 / 255 - 1e-6 <= y.min() and y.max() <= 235 / 255 + 1e-6
        assert min(rgb.shape[1:]) >= 150


def test_values_match_scikit_image():
    import skimage.color
    import skimage.data

    astronaut = skimage.data.astronaut()
    loaded = photo.load_photograph("astronaut", layout="hwc", dtype=np.float64)
    np.testing.assert_array_equal(loaded, astronaut / 255.0)
    ycbcr = skimage.color.rgb2ycbcr(astronaut / 255.0)  # MATLAB's convention: Y in [16, 235]
    y = photo.load_photograph("astronaut", mode="y", layout="hwc", dtype=np.float64)
    np.testing.assert_allclose(y * 255, ycbcr[..., 0], atol=1e-10)
    grey = photo.load_photograph("astronaut", mode="grey", layout="hwc", dtype=np.float64)
    np.testing.assert_allclose(grey, skimage.color.rgb2gray(astronaut / 255.0), atol=1e-12)
    camera = photo.load_photograph("camera", mode="grey", layout="hwc", dtype=np.float64)
    np.testing.assert_array_equal(camera, skimage.data.camera() / 255.0)
    np.testing.assert_array_equal(photo.load_photograph("camera", mode="rgb")[1], camera.astype(np.float32))


def test_load_photographs_and_random_patches():
    test = photo.load_photographs("test", mode="y")
    assert list(test) == list(photo.TEST_PHOTOGRAPHS)
    patches = photo.random_patches(test, 17, 50, seed=3)
    assert patches.shape == (50, 1, 17, 17) and patches.dtype == np.float32
    np.testing.assert_array_equal(patches, photo.random_patches(test, 17, 50, seed=3))  # reproducible
    # every patch is a true window: on images of distinct values its corner names its position
    images = [
        np.arange(2 * 9 * 12, dtype=float).reshape(2, 9, 12),
        1000 + np.arange(2 * 20 * 7.0).reshape(2, 20, 7),
    ]
    for patch in photo.random_patches(images, 5, 40, seed=0):
        image = images[0] if patch[0, 0, 0] < 1000 else images[1]
        i, j = np.argwhere(image[0] == patch[0, 0, 0])[0]
        np.testing.assert_array_equal(patch, image[:, i : i + 5, j : j + 5])


def test_errors_name_the_problem(monkeypatch):
    with pytest.raises(ValueError, match="unknown photograph 'eagle'"):
        photo.load_photograph("eagle")
    with pytest.raises(ValueError, match="mode must be one of"):
        photo.load_photograph("camera", mode="lab")
    with pytest.raises(ValueError, match="split must be"):
        photo.photograph_names("validation")
    with pytest.raises(ValueError, match="must be positive and fit"):
        photo.random_patches([np.zeros((1, 8, 8))], 9, 3)
    monkeypatch.setitem(sys.modules, "skimage", None)  # as if scikit-image were not installed
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    with pytest.raises(photo.PhotographsUnavailableError, match=r"pip install mathdl\[images\]"):
        photo.load_photograph("camera")


def test_colour_conversions_accept_uint8_and_channels_first():
    rgb = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    np.testing.assert_allclose(photo.rgb_to_luminance(rgb), photo.rgb_to_luminance(rgb / 255.0), atol=1e-12)
    np.testing.assert_allclose(
        photo.rgb_to_grey(np.moveaxis(rgb, -1, 0), channel_axis=0), photo.rgb_to_grey(rgb / 255.0)
    )
    with pytest.raises(ValueError, match="expected 3 channels"):
        photo.rgb_to_luminance(np.zeros((4, 4, 4)))
