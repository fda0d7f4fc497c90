"""Gram matrices, Gatys' style and content losses, total variation: values against direct formulas
(and PyTorch where it helps), gradients by finite differences (float64)."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def _t(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


def test_gram_matrix_formula(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    f = x.reshape(2, 3, 20)
    np.testing.assert_allclose(F.gram_matrix(x).array, f @ f.transpose(0, 2, 1) / 20, rtol=1e-12)
    np.testing.assert_allclose(F.gram_matrix(x, normalize=False).array, f @ f.transpose(0, 2, 1), rtol=1e-12)
    np.testing.assert_allclose(F.gram_matrix(x[0]).array, f[0] @ f[0].T / 20, rtol=1e-12)
    g = F.gram_matrix(x).array
    np.testing.assert_allclose(g, g.transpose(0, 2, 1))  # symmetric
    assert np.all(np.linalg.eigvalsh(g) > -1e-12)  # positive semi-definite


def test_gram_matrix_gradients_by_finite_differences(rng):
    x = _t(rng, 2, 3, 4, 5)
    gradcheck(F.gram_matrix, [x])
    gradgradcheck(F.gram_matrix, [x])
    # and the closed form ∂L/∂F = (Ḡ + Ḡᵀ) F / M for L = ⟨Ḡ, G⟩
    weights = rng.standard_normal((2, 3, 3))
    (grad,) = md.grad((F.gram_matrix(x) * md.tensor(weights)).sum(), [x])
    f = x.array.reshape(2, 3, 20)
    expected = (weights + weights.transpose(0, 2, 1)) @ f / 20
    np.testing.assert_allclose(grad.array.reshape(2, 3, 20), expected, rtol=1e-12)


def test_style_loss_equals_gatys_unnormalised_form(rng):
    layers = [rng.standard_normal((1, 4, 6, 5)), rng.standard_normal((1, 8, 3, 3))]
    styles = [rng.standard_normal(f.shape) for f in layers]
    targets = [F.gram_matrix(s).array for s in styles]
    expected = 0.0
    for f, s in zip(layers, styles):
        n, m = f.shape[1], f.shape[2] * f.shape[3]
        g, a = f.reshape(n, m) @ f.reshape(n, m).T, s.reshape(n, m) @ s.reshape(n, m).T
        expected += 0.5 * np.sum((g - a) ** 2) / (4 * n**2 * m**2)  # w_l = 1/2 for two layers
    assert float(F.style_loss(layers, targets).array) == pytest.approx(expected, rel=1e-12)
    assert float(F.style_loss(layers[0], targets[0]).array) == pytest.approx(
        float(F.style_loss(layers, targets, weights=[1.0, 0.0]).array), rel=1e-12
    )


def test_style_and_content_loss_gradients(rng):
    x = _t(rng, 1, 3, 4, 4)
    target = F.gram_matrix(rng.standard_normal((1, 3, 5, 5))).array
    gradcheck(lambda x: F.style_loss(x, target), [x])
    p = rng.standard_normal((1, 3, 4, 4))
    gradcheck(lambda x: F.content_loss(x, p), [x])
    assert float(F.content_loss(x, p).array) == pytest.approx(0.5 * np.sum((x.array - p) ** 2))


def test_total_variation_values_and_gradients(rng, torch):
    x = rng.standard_normal((2, 3, 5, 6))
    t = torch.tensor(x)
    dh, dw = t[..., 1:, :] - t[..., :-1, :], t[..., :, 1:] - t[..., :, :-1]
    assert float(F.total_variation(x).array) == pytest.approx(
        float(dh.abs().sum() + dw.abs().sum()), rel=1e-12
    )
    assert float(F.total_variation(x, p=2).array) == pytest.approx(
        float((dh**2).sum() + (dw**2).sum()), rel=1e-12
    )
    per_image = F.total_variation(x, reduction="none").array
    np.testing.assert_allclose(
        per_image, (dh.abs().sum((1, 2, 3)) + dw.abs().sum((1, 2, 3))).numpy(), rtol=1e-12
    )
    mean = float(F.total_variation(x, reduction="mean").array)
    assert mean == pytest.approx(float(dh.abs().sum() + dw.abs().sum()) / (dh.numel() + dw.numel()))
    v = _t(rng, 2, 2, 4, 5)
    gradcheck(lambda v: F.total_variation(v, p=1), [v])
    gradcheck(lambda v: F.total_variation(v, p=2, reduction="none"), [v])
    gradgradcheck(lambda v: F.total_variation(v, p=2), [v])


def test_style_errors_name_the_problem():
    with pytest.raises(ValueError, match="expected features"):
        F.gram_matrix(md.zeros(3, 4))
    with pytest.raises(ValueError, match="one target Gram matrix per feature layer"):
        F.style_loss([md.zeros(1, 2, 3, 3)], [])
    with pytest.raises(ValueError, match="does not match features"):
        F.style_loss(md.zeros(1, 2, 3, 3), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="same shape"):
        F.content_loss(md.zeros(1, 2, 3, 3), np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        F.total_variation(md.zeros(3, 3), p=3)
