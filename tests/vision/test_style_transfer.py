"""Gatys style transfer: the objective's terms against their formulas, its gradient by finite
differences on a tiny image, L-BFGS and Adam runs whose style loss drops, the feature networks."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl.autograd.gradcheck import gradcheck
from mathdl.models.style_features import PatchClassifier, RandomFeatures
from mathdl.vision.style_transfer import StyleObjective, resize_to, stylize


def _pair(rng, size=12):
    y, x = np.mgrid[0:size, 0:size] / size
    content = np.stack([x, y, 0.5 * (x + y)])
    style = 0.5 + 0.4 * np.sign(np.sin(2 * np.pi * 3 * x))[None] * np.array([1.0, -1.0, 0.5])[:, None, None]
    return content + 0.05 * rng.standard_normal(content.shape), style


def test_feature_networks():
    random = RandomFeatures(widths=(4, 6), seed=3)
    features = random(md.Tensor(np.zeros((1, 3, 8, 8), np.float32) + 0.7))
    assert [f.shape for f in features] == [(1, 4, 8, 8), (1, 6, 4, 4)]
    assert not any(p.requires_grad for p in random.parameters())
    again = RandomFeatures(widths=(4, 6), seed=3)
    np.testing.assert_array_equal(again.convs[0].weight.array, random.convs[0].weight.array)
    std = RandomFeatures(seed=0).convs[1].weight.array.std()
    assert std == pytest.approx(np.sqrt(2 / (32 * 9)), rel=0.05)  # He-normal
    classifier = PatchClassifier(num_classes=5, widths=(4, 6))
    assert classifier(md.Tensor(np.zeros((2, 3, 8, 8), np.float32))).shape == (2, 5)
    with pytest.raises(ValueError, match="RGB"):
        random(md.zeros(1, 1, 8, 8))


def test_objective_terms_are_relative_gatys_losses(rng):
    content, style = _pair(rng)
    net = RandomFeatures(widths=(4, 6, 8)).double()
    objective = StyleObjective(net, content, style, content_weight=2.0, tv_weight=3.0)
    x = rng.random(content.shape)
    parts = objective.report(x)
    fx = net.features(md.tensor(x[None]))
    fp = net.features(md.tensor(content[None]))[2].array
    assert parts["content"] == pytest.approx(np.sum((fx[2].array - fp) ** 2) / np.sum(fp**2), rel=1e-10)
    errors = []
    for layer, fs in zip(fx, net.features(md.tensor(style[None]))):
        g, a = F.gram_matrix(layer).array, F.gram_matrix(fs).array
        errors.append(np.sum((g - a) ** 2) / np.sum(a**2))
    assert parts["style"] == pytest.approx(np.mean(errors), rel=1e-10)
    tv = (np.sum(np.diff(x, axis=1) ** 2) + np.sum(np.diff(x, axis=2) ** 2)) / (3 * 11 * 12 * 2)
    assert parts["tv"] == pytest.approx(tv, rel=1e-10)
    assert parts["total"] == pytest.approx(2 * parts["content"] + parts["style"] + 3 * tv, rel=1e-12)
    assert objective.report(content)["content"] == 0.0


def test_objective_gradient_by_finite_differences(rng):
    content, style = _pair(rng, size=8)
    net = RandomFeatures(widths=(3, 4)).double()
    objective = StyleObjective(net, content, style, content_weight=0.5, tv_weight=0.1, content_layer=1)
    x = md.tensor(rng.random(content.shape), requires_grad=True)
    gradcheck(objective, [x])


@pytest.mark.parametrize("method", ["lbfgs", "adam"])
def test_a_short_run_lowers_the_style_loss(rng, method):
    content, style = _pair(rng, size=24)
    net = RandomFeatures(widths=(8, 16))
    before = StyleObjective(net.double(), content, style, 0.1, content_layer=1).report(content)
    result = stylize(
        content, style, net, method=method, steps=25, content_weight=0.1, lr=0.03, content_layer=1
    )
    assert result.losses["style"] < 0.5 * before["style"], (result.losses, before)
    assert result.image.shape == (3, 24, 24) and 0 <= result.image.min() and result.image.max() <= 1
    values = [value for _, _, value in result.curve]
    assert min(values) < 0.5 * values[0]


def test_inputs_and_errors(rng):
    content, style = _pair(rng, size=16)
    hwc = np.moveaxis(content, 0, -1)
    net = RandomFeatures(widths=(4,))
    objective = StyleObjective(net.double(), hwc, style[0], content_layer=0)  # (H, W, 3) and grey accepted
    assert objective.shape == (3, 16, 16)
    assert resize_to(content, 8).shape == (3, 8, 8)
    with pytest.raises(ValueError, match="method"):
        stylize(content, style, net, method="sgd")
    with pytest.raises(ValueError, match="steps"):
        stylize(content, style, net, steps=0)
    with pytest.raises(ValueError, match="at least 8"):
        StyleObjective(net, content[:, :4, :4], style, content_layer=0)
    with pytest.raises(ValueError, match="style_layers"):
        StyleObjective(net, content, style, style_layers=[3], content_layer=0)
    with pytest.raises(ValueError, match="shape"):
        objective(md.zeros(3, 8, 8, dtype=np.float64))


def test_stylize_file_end_to_end(tmp_path, rng):
    from mathdl.vision.png import read_png, write_png
    from mathdl.vision.style_transfer import stylize_file

    content, style = _pair(rng, size=20)
    write_png(tmp_path / "c.png", np.moveaxis(content, 0, -1))
    write_png(tmp_path / "s.png", np.moveaxis(style, 0, -1))
    result = stylize_file(tmp_path / "c.png", tmp_path / "s.png", tmp_path / "o.png", size=16, steps=3)
    out = read_png(tmp_path / "o.png")
    assert out.shape == (16, 16, 3)
    np.testing.assert_allclose(out, np.round(np.moveaxis(result.image, 0, -1) * 255) / 255, atol=1e-6)
    with pytest.raises(FileExistsError, match="exists"):
        stylize_file(tmp_path / "c.png", tmp_path / "s.png", tmp_path / "o.png", size=16, steps=3)
    with pytest.raises(FileNotFoundError, match="built-in photograph"):
        stylize_file(tmp_path / "missing.png", tmp_path / "s.png", tmp_path / "p.png", size=16, steps=3)
    with pytest.raises(ValueError, match="size"):
        stylize_file(tmp_path / "c.png", tmp_path / "s.png", tmp_path / "p.png", size=4)
    with pytest.raises(FileNotFoundError, match="no such run"):
        stylize_file(tmp_path / "c.png", tmp_path / "s.png", tmp_path / "p.png", size=16, features="nowhere")


def test_stylize_built_in_names_and_a_trained_network(tmp_path):
    pytest.importorskip(
        "skimage", reason="the built-in photographs ship with scikit-image (pip install mathdl[images])"
    )
    from mathdl import models
    from mathdl.train import save_checkpoint
    from mathdl.vision.style_transfer import load_feature_net, stylize_file

    net = models.build("photo-patch-cnn", widths=[4, 6, 6])
    save_checkpoint(tmp_path / "run" / "checkpoint.npz", net, config={"model": net.config})
    loaded = load_feature_net(tmp_path / "run")
    np.testing.assert_array_equal(loaded.convs[0].weight.array, net.convs[0].weight.array)
    stylize_file("astronaut", "brick", tmp_path / "o.png", size=24, steps=2, features=str(tmp_path / "run"))
    mlp = models.build("mlp")
    save_checkpoint(tmp_path / "mlp.npz", mlp, config={"model": mlp.config})
    with pytest.raises(ValueError, match="photo-patch-cnn"):
        load_feature_net(tmp_path / "mlp.npz")
