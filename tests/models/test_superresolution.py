"""SRCNN and ESPCN: shapes, padding, registry round trip, the loss, gradients, and a short training
on a synthetic image whose PSNR rises above bicubic interpolation."""

import numpy as np
import pytest

import mathdl as md
from mathdl import models, optim
from mathdl.autograd.gradcheck import gradcheck
from mathdl.data import DataLoader, TensorDataset, sr_patches
from mathdl.models.superresolution import ESPCN, SRCNN, edge_pad, sr_loss
from mathdl.train import Trainer
from mathdl.vision.superresolution import bicubic_downscale, bicubic_upscale, sr_scores
from mathdl.vision.upscale import run_tiled, upscale_luminance


def _images(rng, n, *shape):
    return md.Tensor(rng.random((n, 1) + shape).astype(np.float32))


@pytest.mark.parametrize("scale", [2, 3])
def test_shapes_and_valid_padding(rng, scale):
    espcn, srcnn = ESPCN(scale=scale), SRCNN(scale=scale)
    low = _images(rng, 2, 11, 13)
    assert espcn(low).shape == (2, 1, 11 * scale, 13 * scale)
    assert espcn.forward_valid(low).shape == (2, 1, 3 * scale, 5 * scale)  # radius 2 + 1 + 1
    assert srcnn.upscale(low).shape == (2, 1, 11 * scale, 13 * scale)
    assert srcnn.forward_valid(_images(rng, 1, 20, 21)).shape == (1, 1, 8, 9)  # radius 4 + 0 + 2
    valid = ESPCN(scale=scale, padding="valid")
    valid.load_state_dict(espcn.state_dict())
    np.testing.assert_array_equal(valid(low).array, espcn.forward_valid(low).array)
    assert espcn.conv3.weight.shape == (scale * scale, 32, 3, 3)
    assert srcnn.conv1.weight.shape == (64, 1, 9, 9) and srcnn.conv2.weight.shape == (32, 64, 1, 1)


def test_parameter_counts_are_the_papers():
    count = lambda m: sum(p.array.size for p in m.parameters())  # noqa: E731
    assert count(SRCNN()) == 9 * 9 * 64 + 64 + 64 * 32 + 32 + 5 * 5 * 32 + 1  # 8129
    assert count(ESPCN(scale=3)) == 5 * 5 * 64 + 64 + 3 * 3 * 64 * 32 + 32 + 3 * 3 * 32 * 9 + 9


def test_edge_padding_repeats_the_border_and_sums_gradients(rng):
    x = md.tensor(rng.standard_normal((1, 1, 4, 5)), requires_grad=True)
    padded = edge_pad(x, 2)
    np.testing.assert_array_equal(padded.array[0, 0], np.pad(x.array[0, 0], 2, mode="edge"))
    gradcheck(lambda t: edge_pad(t, 2), [x])
    # a constant image stays constant: no dark frame as with zero padding
    model = ESPCN(scale=2)
    assert edge_pad(md.ones(1, 1, 3, 3), 1).array.min() == 1.0
    out = model(md.ones(1, 1, 9, 9) * 0.5).array
    np.testing.assert_allclose(out[0, 0, :, :2], out[0, 0, :, 8:10], rtol=1e-5)


def test_registry_round_trip_and_loss(rng):
    model = models.build("espcn", scale=3)
    assert model.config == {"name": "espcn", "kwargs": {"scale": 3}}
    again = models.from_config(model.config)
    again.load_state_dict(model.state_dict())
    low = _images(rng, 1, 6, 7)
    np.testing.assert_array_equal(again(low).array, model(low).array)
    assert isinstance(models.build("srcnn"), SRCNN) and "srcnn" in models.available()
    a, b = rng.random((2, 1, 4, 4)), rng.random((2, 1, 4, 4))
    assert float(sr_loss(md.tensor(a), md.tensor(b)).array) == pytest.approx(np.mean((a - b) ** 2))
    assert ESPCN.loss is not None and SRCNN.loss(md.tensor(a), md.tensor(a)).item() == 0.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale": 1}, "scale"),
        ({"scale": 2.0}, "scale"),
        ({"filters": (64,)}, "filter"),
        ({"kernels": (4, 3, 3)}, "odd"),
        ({"padding": "zeros"}, "padding"),
        ({"activation": "gelu"}, "activation"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ESPCN(**kwargs)
    with pytest.raises(ValueError, match="expected images"):
        ESPCN()(md.zeros(1, 3, 8, 8))


def test_residual_variants_add_the_bicubic_enlargement(rng):
    low = _images(rng, 2, 12, 10)
    plain = ESPCN(scale=3, activation="relu")
    residual = ESPCN(scale=3, activation="relu", residual=True)
    residual.load_state_dict(plain.state_dict())
    bicubic = md.nn.functional.interpolate(low, scale_factor=3, mode="bicubic", align_corners=False)
    np.testing.assert_allclose(
        residual.forward_valid(low).array,
        plain.forward_valid(low).array + bicubic.array[..., 12:-12, 12:-12],
        atol=1e-6,
    )
    srcnn, srcnn_residual = SRCNN(), SRCNN(residual=True)
    srcnn_residual.load_state_dict(srcnn.state_dict())
    up = _images(rng, 1, 20, 20)
    np.testing.assert_allclose(srcnn_residual(up).array, srcnn(up).array + up.array, atol=1e-6)
    assert models.build("espcn", residual=True, activation="relu").config["kwargs"] == {
        "residual": True,
        "activation": "relu",
    }


def test_gradients_by_finite_differences(rng, float64):
    model = ESPCN(scale=2, filters=(3, 2), kernels=(3, 3, 1))
    low = md.tensor(rng.random((1, 1, 5, 4)), requires_grad=True)
    gradcheck(lambda x: model(x), [low])
    gradcheck(
        lambda w: ESPCN.loss(model(low), md.zeros(1, 1, 10, 8) + 0.5) + 0 * w.sum(), [model.conv1.weight]
    )


def test_tiled_upscaling_equals_the_whole_image(rng):
    low = rng.random((23, 30)).astype(np.float32)
    for model in (ESPCN(scale=3), SRCNN(scale=2)):
        whole = model.upscale(md.Tensor(low[None, None])).array[0, 0]
        np.testing.assert_allclose(upscale_luminance(model, low, tile=8), whole, atol=1e-5)
    with pytest.raises(ValueError, match="(H, W)"):
        run_tiled(ESPCN(), low[None])


def _blocks(seed, size=96):
    """A synthetic two-level image of overlapping rectangles on the 2-pixel grid (a stand-in for
    text and edges): each low-resolution pixel is a blurred average of a block, so the sharp
    original is recoverable by a network while bicubic interpolation smears every edge."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((size, size), dtype=bool)
    for _ in range(14):
        top, left = 2 * rng.integers(0, size // 2, 2)
        height, width = 2 * rng.integers(2, 10, 2)
        mask[top : top + height, left : left + width] ^= True
    return (0.2 + 0.6 * mask).astype(np.float32)[None]


def test_short_training_beats_bicubic_on_a_synthetic_image():
    """A few seconds on one core (at most ~30 s on a loaded machine): ESPCN ×2 (5-3-3, tanh,
    sub-pixel; 32/16 filters) trained with Trainer on patches of eight synthetic images enlarges
    an unseen ninth far better than bicubic interpolation (≈ 26 dB)."""
    md.manual_seed(0)
    model = ESPCN(scale=2, filters=(32, 16), padding="valid")
    low, high = sr_patches([_blocks(k) for k in range(1, 9)], 2, 10, 1024, seed=0, context=model.radius)
    loader = DataLoader(TensorDataset(low, high), batch_size=16, shuffle=True)
    trainer = Trainer(
        model, optim.Adam(model.parameters(), lr=3e-3), loss_fn=model.loss, metrics=(), verbose=0
    )
    trainer.fit(loader, epochs=6)
    test = _blocks(0)[0].astype(np.float64)
    small = bicubic_downscale(test, 2)
    bicubic = sr_scores(test, bicubic_upscale(small, 2), 2)["psnr"]
    learned = sr_scores(test, upscale_luminance(model, small), 2)["psnr"]
    assert bicubic < 27.0 and learned > bicubic + 5.0, (learned, bicubic)
