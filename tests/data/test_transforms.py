"""mathdl.data.transforms against their formulas (torch comparisons: tests/oracle/test_transforms_torch.py)."""

import numpy as np
import pytest

import mathdl as md
from mathdl.data import DataLoader, ImageDataset, default_collate
from mathdl.data import transforms as T
from mathdl.random import generator


@pytest.fixture
def batch():
    return np.random.default_rng(1).random((16, 1, 12, 10)).astype(np.float32)


def test_to_dtype_and_to_tensor_formulas():
    q = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    x = T.ToDtype(np.float32, scale=True)(q)
    np.testing.assert_array_equal(x, q.astype(np.float32) * np.float32(1 / 255))
    assert x.dtype == np.float32 and T.ToDtype(np.float32)(q).max() == 255.0
    back = T.ToDtype(np.uint8, scale=True)(x)
    np.testing.assert_array_equal(back, q)  # ⌊x (256 − 10⁻³)⌋ inverts q/255
    hwc = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    t = T.ToTensor()(hwc)
    assert isinstance(t, md.Tensor) and t.shape == (3, 5, 4)
    np.testing.assert_allclose(t.array, hwc.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert T.ToTensor()(hwc[..., 0]).shape == (1, 5, 4)
    image = T.ToImage()(hwc)
    assert image.shape == (3, 5, 4) and image.dtype == np.uint8
    with pytest.raises(TypeError, match="ToTensor"):
        T.ToTensor()(md.tensor(hwc))


def test_normalize_formula_and_errors():
    x = np.random.default_rng(0).random((4, 3, 5, 5))
    out = T.Normalize([0.1, 0.2, 0.3], [0.5, 1.0, 2.0])(x)
    expected = (x - np.array([0.1, 0.2, 0.3])[:, None, None]) / np.array([0.5, 1.0, 2.0])[:, None, None]
    np.testing.assert_allclose(out, expected)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize(0.5, 0.0)
    with pytest.raises(TypeError, match="floating"):
        T.Normalize(0.5, 0.5)(np.zeros((1, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="2 values for 3 channels"):
        T.Normalize([0.5, 0.5], [1, 1])(x)


def test_crop_with_fixed_offsets_is_slicing(batch):
    top, left = np.arange(16) % 5, np.arange(16) % 3
    out = T.crop(batch, top, left, 7, 8)
    for n in range(16):
        np.testing.assert_array_equal(out[n], batch[n, :, top[n] : top[n] + 7, left[n] : left[n] + 8])
    with pytest.raises(ValueError, match="leaves"):
        T.crop(batch, 6, 0, 7, 8)


def test_random_crop_draws_offsets_per_image_from_mathdl_generator(batch):
    md.manual_seed(3)
    out = T.RandomCrop((12, 10), padding=2)(batch)
    md.manual_seed(3)
    top = generator().integers(0, 5, size=16)
    left = generator().integers(0, 5, size=16)
    padded = np.pad(batch, ((0, 0), (0, 0), (2, 2), (2, 2)))
    np.testing.assert_array_equal(out, T.crop(padded, top, left, 12, 10))
    assert len(set(zip(top.tolist(), left.tolist()))) > 5  # offsets differ between images


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_random_crop_padding_modes_match_numpy(batch, mode):
    md.manual_seed(0)
    out = T.RandomCrop((16, 14), padding=(2, 2), padding_mode=mode, fill=0.5)(
        batch
    )  # exactly the padded size
    widths = ((0, 0), (0, 0), (2, 2), (2, 2))
    kwargs = {"constant_values": 0.5} if mode == "constant" else {}
    np.testing.assert_array_equal(out, np.pad(batch, widths, mode=mode, **kwargs))


def test_random_crop_pad_if_needed_and_errors(batch):
    assert T.RandomCrop(14, pad_if_needed=True)(batch).shape == (16, 1, 14, 14)
    with pytest.raises(ValueError, match="larger than"):
        T.RandomCrop(14)(batch)
    with pytest.raises(ValueError, match="padding_mode"):
        T.RandomCrop(8, padding_mode="wrap")


def test_flips(batch):
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(batch), batch[..., ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(batch), batch[..., ::-1, :])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(batch), batch)
    md.manual_seed(0)
    many = np.random.default_rng(2).random((400, 1, 3, 3))
    out = T.RandomHorizontalFlip()(many)
    flipped = np.all(out == many[..., ::-1], axis=(1, 2, 3))
    assert np.all(flipped | np.all(out == many, axis=(1, 2, 3)))
    assert 0.4 < flipped.mean() < 0.6
    with pytest.raises(ValueError, match="probability"):
        T.RandomHorizontalFlip(p=1.5)


def test_single_image_layouts_and_tensors(batch):
    image = batch[0]
    assert T.RandomHorizontalFlip(1.0)(image).shape == image.shape
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(image[0]), image[0][:, ::-1])
    out = T.RandomHorizontalFlip(1.0)(md.tensor(batch))
    assert isinstance(out, md.Tensor) and not out.requires_grad
    with pytest.raises(ValueError, match="expected an image"):
        T.RandomHorizontalFlip()(np.zeros(5))
    with pytest.raises(TypeError, match="NumPy array or a Tensor"):
        T.RandomHorizontalFlip()([[0.0]])


def test_rotation_by_90_degrees_is_rot90():
    x = np.random.default_rng(0).random((3, 2, 8, 8))
    out = T.affine(x, 90.0, interpolation="bilinear")  # torchvision's F.affine: clockwise
    np.testing.assert_allclose(out, np.rot90(x, k=-1, axes=(2, 3)), atol=1e-6)
    np.testing.assert_allclose(T.rotate(x, 90.0), np.rot90(x, k=1, axes=(2, 3)), atol=1e-6)
    rotated = T.RandomRotation((90, 90), interpolation="nearest")(x)
    np.testing.assert_allclose(rotated, np.rot90(x, k=1, axes=(2, 3)), atol=1e-6)


def test_integer_translation_shifts_with_zero_fill():
    x = np.random.default_rng(0).random((2, 1, 6, 7))
    out = T.affine(x, 0.0, translate=(2, -1))
    expected = np.zeros_like(x)
    expected[..., : 6 - 1, 2:] = x[..., 1:, : 7 - 2]  # right by 2, up by 1
    np.testing.assert_allclose(out, expected, atol=1e-6)
    filled = T.affine(x, 0.0, translate=(2, 0), fill=0.25)
    assert np.allclose(filled[..., :2], 0.25)


def test_affine_per_image_parameters_and_uint8():
    x = np.random.default_rng(0).random((4, 1, 9, 9))
    angles = np.array([0.0, 90.0, 180.0, 270.0])
    out = T.rotate(x, angles, interpolation="bilinear")
    for k in range(4):
        np.testing.assert_allclose(out[k], np.rot90(x[k], k=k, axes=(1, 2)), atol=1e-6)
    q = (x * 255).astype(np.uint8)
    assert T.affine(q, 0.0).dtype == np.uint8
    np.testing.assert_array_equal(T.affine(q, 0.0), q)
    with pytest.raises(ValueError, match="interpolation"):
        T.RandomAffine(10, interpolation="bicubic")
    with pytest.raises(ValueError, match="expand"):
        T.RandomRotation(10, expand=True)


def test_random_affine_parameters_follow_torchvision_ranges():
    md.manual_seed(0)
    t = T.RandomAffine(15, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(-5, 5, -3, 3))
    angle, translate, scale, shear = t.parameters(2000, 20, 30)
    assert angle.min() >= -15 and angle.max() <= 15 and angle.std() > 7
    assert np.abs(translate[:, 0]).max() <= 3 and np.abs(translate[:, 1]).max() <= 4
    assert np.all(translate == np.rint(translate))
    assert 0.8 <= scale.min() and scale.max() <= 1.2
    assert np.abs(shear[:, 0]).max() <= 5 and np.abs(shear[:, 1]).max() <= 3


def test_random_erasing_rectangle_area_and_value():
    x = np.ones((50, 2, 20, 20), np.float32)
    md.manual_seed(0)
    out = T.RandomErasing(p=1.0, scale=(0.25, 0.25), ratio=(1.0, 1.0), value=(0.0, -1.0))(x)
    side = int(round(np.sqrt(400 * 0.25)))
    assert np.all((out[:, 0] == 0).sum(axis=(1, 2)) == side * side)
    np.testing.assert_array_equal(out[:, 0] == 0, out[:, 1] == -1)
    rows = np.flatnonzero((out[0, 0] == 0).any(axis=1))
    assert np.array_equal(rows, np.arange(rows[0], rows[0] + side))  # one contiguous block
    np.testing.assert_array_equal(T.RandomErasing(p=0.0)(x), x)
    md.manual_seed(0)
    noisy = T.RandomErasing(p=1.0, value="random")(x)
    assert (noisy != 1).any() and noisy.dtype == np.float32
    never_fits = T.RandomErasing(p=1.0, scale=(1.0, 1.0), ratio=(1.0, 1.0))
    np.testing.assert_array_equal(never_fits(x), x)  # h = w = 20 never fits: left alone
    with pytest.raises(ValueError, match="value"):
        T.RandomErasing(value="noise")


def test_color_jitter_brightness_and_contrast_formulas():
    x = np.random.default_rng(0).uniform(0.1, 0.5, (6, 1, 5, 5))
    np.testing.assert_allclose(T.ColorJitter(brightness=(1.5, 1.5))(x), np.clip(1.5 * x, 0, 1))
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(T.ColorJitter(contrast=(0.5, 0.5))(x), 0.5 * x + 0.5 * mean)
    md.manual_seed(0)
    out = T.ColorJitter(brightness=0.4)(x)
    factors = out[:, 0, 0, 0] / x[:, 0, 0, 0]
    np.testing.assert_allclose(out, factors[:, None, None, None] * x, rtol=1e-10)  # one factor per image
    assert np.all((factors >= 0.6) & (factors <= 1.4)) and np.ptp(factors) > 0.05
    rgb = np.random.default_rng(1).random((2, 3, 4, 4))
    grey = np.einsum("nchw,c->nhw", rgb, [0.2989, 0.587, 0.114])[:, None]
    np.testing.assert_allclose(T.ColorJitter(saturation=(0.0, 0.0))(rgb), np.broadcast_to(grey, rgb.shape))
    q = (x * 255).astype(np.uint8)
    assert T.ColorJitter(brightness=(2.0, 2.0))(q).dtype == np.uint8
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.1)
    with pytest.raises(ValueError, match=">= 0"):
        T.ColorJitter(brightness=(-1, 1))


def test_mixup_soft_targets_sum_to_one_and_mix_by_lambda(batch):
    labels = np.arange(16) % 10
    md.manual_seed(0)
    images, targets = T.MixUp(alpha=0.4, num_classes=10)(batch, labels)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, rtol=1e-6)
    lam = targets[1, labels[1]]
    np.testing.assert_allclose(targets[1, labels[0]], 1 - lam, rtol=1e-5)
    np.testing.assert_allclose(
        images, lam * batch + (1 - lam) * np.roll(batch, 1, axis=0), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="num_classes"):
        T.MixUp()(batch, labels)
    with pytest.raises(ValueError, match="16 images but 3 labels"):
        T.MixUp(num_classes=10)(batch, labels[:3])


def test_cutmix_area_ratio_equals_label_weight(batch):
    labels = np.arange(16) % 10
    for seed in range(20):
        md.manual_seed(seed)
        images, targets = T.CutMix(num_classes=10)(batch, labels)
        np.testing.assert_allclose(targets.sum(axis=1), 1.0, rtol=1e-6)
        pasted = (images != batch).mean(axis=(1, 2, 3))  # distinct random pixels: changed = pasted
        np.testing.assert_allclose(pasted, targets[np.arange(16), np.roll(labels, 1)], atol=1e-6)
        np.testing.assert_allclose(targets[np.arange(16), labels], 1 - pasted, atol=1e-6)


def test_mixing_with_soft_labels_tensors_and_collate():
    x = md.tensor(np.random.default_rng(0).random((4, 1, 6, 6)).astype(np.float32))
    soft = md.tensor(np.full((4, 3), 1 / 3, np.float32))
    images, targets = T.MixUp()(x, soft)
    assert isinstance(images, md.Tensor) and isinstance(targets, md.Tensor)
    np.testing.assert_allclose(targets.array, 1 / 3, rtol=1e-6)
    dataset = ImageDataset(np.zeros((10, 6, 6), np.uint8), np.arange(10))
    mix = T.CutMix(num_classes=10)
    loader = DataLoader(dataset, 5, collate_fn=lambda samples: mix(*default_collate(samples)))
    images, targets = next(iter(loader))
    assert images.shape == (5, 1, 6, 6) and targets.shape == (5, 10)


def test_image_dataset_calls_a_batched_transform_once_per_batch():
    calls = []

    class Count(T.Transform):
        def transform(self, batch):
            calls.append(batch.shape)
            return batch + 1

    images = np.random.default_rng(0).integers(0, 256, (12, 5, 5), dtype=np.uint8)
    dataset = ImageDataset(images, np.arange(12), transform=T.Compose([Count(), T.RandomHorizontalFlip(1.0)]))
    batches = list(DataLoader(dataset, 4))
    assert calls == [(4, 1, 5, 5)] * 3
    np.testing.assert_allclose(batches[0][0].array, images[:4, None, :, ::-1] / 255.0 + 1, rtol=1e-6)
    np.testing.assert_allclose(dataset[0][0], images[0][None, :, ::-1] / 255.0 + 1, rtol=1e-6)
    per_image = ImageDataset(images, np.arange(12), transform=T.Compose([lambda im: im * 2]))
    np.testing.assert_allclose(
        next(iter(DataLoader(per_image, 4)))[0].array, images[:4, None] / 255.0 * 2, rtol=1e-6
    )


def test_seeded_pipelines_are_reproducible(batch):
    pipeline = T.Compose(
        [
            T.RandomCrop(10, padding=1),
            T.RandomAffine(10, translate=(0.1, 0.1), interpolation="bilinear"),
            T.RandomErasing(),
            T.ColorJitter(0.2, 0.2),
            T.RandomApply([T.RandomVerticalFlip(1.0)], p=0.5),
        ]
    )
    md.manual_seed(5)
    first = pipeline(batch)
    md.manual_seed(5)
    np.testing.assert_array_equal(pipeline(batch), first)
    assert pipeline.batched and first.shape == (16, 1, 10, 10)


def test_random_choice_and_random_apply():
    md.manual_seed(0)
    choice = T.RandomChoice([lambda v: v + 1, lambda v: v - 1], p=[3, 1])
    draws = np.array([choice(0) for _ in range(400)])
    assert set(draws.tolist()) == {1, -1} and 0.65 < (draws == 1).mean() < 0.85
    with pytest.raises(ValueError, match="non-negative weights"):
        T.RandomChoice([abs], p=[1, 2])
    x = np.random.default_rng(0).random((200, 1, 2, 2))
    out = T.RandomApply([T.RandomHorizontalFlip(1.0)], p=0.3)(x)
    changed = np.any(out != x, axis=(1, 2, 3))
    assert 0.2 < changed.mean() < 0.4
