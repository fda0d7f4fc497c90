"""mathdl.data.transforms against PyTorch where the result is deterministic: flips, padding +
crops at fixed offsets, affine maps at fixed parameters (torch's affine_grid + grid_sample with
the grid written from the pixel geometry here), and the soft-target cross-entropy MixUp/CutMix
train with."""

import math

import numpy as np
import pytest

import mathdl as md
from mathdl.data import transforms as T
from mathdl.nn import functional as F


@pytest.fixture
def images():
    return np.random.default_rng(0).random((5, 2, 9, 13))


def test_flips_match_torch_flip(torch, images):
    x = torch.tensor(images)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(images), torch.flip(x, dims=(-1,)).numpy())
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(images), torch.flip(x, dims=(-2,)).numpy())


@pytest.mark.parametrize(
    ("ours", "theirs"), [("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect")]
)
def test_padding_and_fixed_crop_match_torch(torch, images, ours, theirs):
    padded = T.pad(images, (1, 2, 3, 4), padding_mode=ours)  # left, top, right, bottom
    reference = torch.nn.functional.pad(torch.tensor(images), (1, 3, 2, 4), mode=theirs)
    np.testing.assert_array_equal(padded, reference.numpy())
    top, left = np.array([0, 1, 2, 3, 6]), np.array([4, 0, 2, 1, 3])
    out = T.crop(padded, top, left, 9, 13)
    for n in range(5):
        np.testing.assert_array_equal(
            out[n], reference[n, :, top[n] : top[n] + 9, left[n] : left[n] + 13].numpy()
        )


def _torch_affine(torch, images, angle, translate, scale, mode="bilinear"):
    """Sample torch's grid_sample at M⁻¹p written pointwise: p relative to the centre in pixels,
    M = rotation (clockwise, torchvision's F.affine) · scale, then translation."""
    n, _, height, width = images.shape
    r = math.radians(angle)
    i, j = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    xp, yp = j + 0.5 - width / 2 - translate[0], i + 0.5 - height / 2 - translate[1]
    x_in = (math.cos(r) * xp + math.sin(r) * yp) / scale
    y_in = (-math.sin(r) * xp + math.cos(r) * yp) / scale
    grid = np.stack([x_in / (width / 2), y_in / (height / 2)], axis=-1)
    grid = torch.tensor(np.broadcast_to(grid, (n, height, width, 2)).copy())
    return torch.nn.functional.grid_sample(torch.tensor(images), grid, mode=mode, align_corners=False).numpy()


@pytest.mark.parametrize(
    ("angle", "translate", "scale"), [(30.0, (0, 0), 1.0), (-75.0, (2, -1), 1.3), (180.0, (0, 3), 0.7)]
)
def test_affine_with_fixed_parameters_matches_torch_grid_sample(torch, images, angle, translate, scale):
    out = T.affine(images, angle, translate=translate, scale=scale, interpolation="bilinear")
    np.testing.assert_allclose(out, _torch_affine(torch, images, angle, translate, scale), atol=1e-12)


def test_rotation_matches_torch_affine_grid_theta(torch, images):
    r = math.radians(30.0)
    height, width = images.shape[2:]
    theta = torch.tensor(
        [
            [
                [math.cos(r), math.sin(r) * height / width, 0.0],
                [-math.sin(r) * width / height, math.cos(r), 0.0],
            ]
        ],
        dtype=torch.float64,
    )
    grid = torch.nn.functional.affine_grid(theta.expand(5, 2, 3), (5, 2, height, width), align_corners=False)
    reference = torch.nn.functional.grid_sample(torch.tensor(images), grid, align_corners=False)
    md.manual_seed(0)
    ours = T.RandomAffine((30.0, 30.0), interpolation="bilinear")(images)
    np.testing.assert_allclose(ours, reference.numpy(), atol=1e-12)
    # nearest at an angle whose sample points avoid ties (sin 30° = 1/2 puts some on x.5 exactly)
    reference = _torch_affine(torch, images, 37.0, (1, 0), 1.1, mode="nearest")
    np.testing.assert_array_equal(T.affine(images, 37.0, (1, 0), 1.1, interpolation="nearest"), reference)


def test_soft_target_cross_entropy_after_mixing_matches_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.random((8, 1, 6, 6))
    labels = rng.integers(0, 4, 8)
    md.manual_seed(1)
    _, targets = T.CutMix(num_classes=4)(x, labels)
    logits = rng.standard_normal((8, 4))
    ours = md.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(ours, md.tensor(targets))
    loss.backward()
    theirs = torch.tensor(logits, requires_grad=True)
    reference = torch.nn.functional.cross_entropy(theirs, torch.tensor(targets))
    reference.backward()
    np.testing.assert_allclose(float(loss.array), reference.item(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)
