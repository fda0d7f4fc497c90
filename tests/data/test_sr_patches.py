"""Super-resolution patch pairs (aligned windows of the image and its bicubic reduction) and
photograph-labelled patches."""

import numpy as np
import pytest

from mathdl.data import labelled_patches, sr_pair, sr_patches
from mathdl.vision.superresolution import bicubic_downscale, bicubic_upscale


def _images(rng):
    return {"a": rng.random((1, 40, 47)).astype(np.float32), "b": rng.random((1, 31, 36)).astype(np.float32)}


@pytest.mark.parametrize("scale", [2, 3])
def test_pairs_are_aligned_windows_of_the_whole_image_reduction(rng, scale):
    images = _images(rng)
    low, high = sr_patches(images, scale, 5, 50, seed=1, context=2)
    assert low.shape == (50, 1, 9, 9) and high.shape == (50, 1, 5 * scale, 5 * scale)
    assert low.dtype == high.dtype == np.float32
    # every pair is found in one image at positions (i, j) and (s·i, s·j)
    reductions = [sr_pair(image, scale) for image in images.values()]
    for k in range(0, 50, 7):
        found = False
        for full, small in reductions:
            rows, cols = small.shape[1] - 8, small.shape[2] - 8
            for i in range(rows):
                for j in range(cols):
                    if np.array_equal(small[:, i : i + 9, j : j + 9], low[k]):
                        found = np.array_equal(
                            full[:, scale * (i + 2) : scale * (i + 7), scale * (j + 2) : scale * (j + 7)],
                            high[k],
                        )
        assert found
    again = sr_patches(images, scale, 5, 50, seed=1, context=2)
    np.testing.assert_array_equal(again[0], low)


def test_upscaled_inputs_are_the_bicubic_enlargement(rng):
    images = _images(rng)
    up, high = sr_patches(images, 2, 6, 20, seed=0, upscaled_input=True, context=3)
    assert up.shape == (20, 1, 18, 18) and high.shape == (20, 1, 12, 12)
    full, small = sr_pair(images["a"], 2)
    enlarged = bicubic_upscale(small, 2)
    matches = [
        any(
            np.allclose(enlarged[:, i : i + 18, j : j + 18], u)
            for i in range(enlarged.shape[1] - 17)
            for j in range(enlarged.shape[2] - 17)
        )
        for u in up[:5]
    ]
    assert any(matches)  # some patches come from image a, and those are windows of its enlargement
    np.testing.assert_array_equal(sr_pair(images["a"], 2)[1], bicubic_downscale(images["a"][:, :40, :46], 2))


def test_image_weighting_balances_images(rng):
    images = {"big": rng.random((1, 200, 200)), "small": rng.random((1, 24, 24)) + 10}
    low, _ = sr_patches(images, 2, 4, 2000, weighting="image")
    assert 0.4 < np.mean(low.mean(axis=(1, 2, 3)) > 5) < 0.6
    low, _ = sr_patches(images, 2, 4, 2000, weighting="position")
    assert np.mean(low.mean(axis=(1, 2, 3)) > 5) < 0.05


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale": 1}, "scale"),
        ({"patch_size": 0}, "positive"),
        ({"count": 0}, "positive"),
        ({"context": -1}, "context"),
        ({"weighting": "pixel"}, "weighting"),
        ({"patch_size": 30}, "does not fit"),
    ],
)
def test_bad_arguments(rng, kwargs, message):
    arguments = {"images": _images(rng), "scale": 2, "patch_size": 5, "count": 3} | kwargs
    with pytest.raises(ValueError, match=message):
        sr_patches(**arguments)
    with pytest.raises(ValueError, match="non-empty"):
        sr_patches([], 2, 5, 3)


def test_labelled_patches(rng):
    images = {"a": np.zeros((3, 20, 20)), "b": np.ones((3, 30, 25))}
    patches, labels = labelled_patches(images, 8, 5, seed=0)
    assert patches.shape == (10, 3, 8, 8) and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [0] * 5 + [1] * 5)
    np.testing.assert_array_equal(patches[labels == 1], 1.0)
    with pytest.raises(ValueError, match="non-empty"):
        labelled_patches({}, 8, 5)


def test_random_patches_refuse_a_patch_larger_than_both_sides():
    from mathdl.data import random_patches

    # (20 − 30 + 1)·(25 − 30 + 1) = 45 > 0: the product of two negative counts must not pass
    with pytest.raises(ValueError, match="fit"):
        random_patches([np.zeros((1, 20, 25))], 30, 2)


def test_synthetic_blocks():
    from mathdl.data import synthetic_blocks

    grey = synthetic_blocks(3, 32, seed=1)
    assert len(grey) == 3 and grey[0].shape == (1, 32, 32) and grey[0].dtype == np.float32
    assert set(np.unique(grey[0])) <= {np.float32(0.2), np.float32(0.8)}
    np.testing.assert_array_equal(synthetic_blocks(3, 32, seed=1)[2], grey[2])
    colour = synthetic_blocks(1, 16, channels=3)[0]
    assert colour.shape == (3, 16, 16) and len(np.unique(colour.reshape(3, -1), axis=1).T) <= 2
    with pytest.raises(ValueError, match="count"):
        synthetic_blocks(0)
    with pytest.raises(ValueError, match="even"):
        synthetic_blocks(1, 15)
