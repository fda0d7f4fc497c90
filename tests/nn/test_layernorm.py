"""LayerNorm: the formula, finite differences (first and second order), PyTorch, errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.nn.layers.layernorm import LayerNorm, layer_norm


def _t(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


def test_formula(rng):
    x = rng.standard_normal((2, 3, 4))
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(layer_norm(md.tensor(x), 4).array, expected, atol=1e-12)
    out = LayerNorm(4)(md.tensor(x.astype(np.float32)))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.array.mean(-1), 0.0, atol=1e-6)


@pytest.mark.parametrize("shape, normalized", [((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), (5,))])
def test_finite_differences(rng, shape, normalized):
    x, w, b = _t(rng, *shape), _t(rng, *normalized), _t(rng, *normalized)
    assert gradcheck(lambda x, w, b: layer_norm(x, normalized, w, b), [x, w, b])
    assert gradcheck(lambda x: layer_norm(x, normalized), [x])
    assert gradgradcheck(lambda x, w, b: layer_norm(x, normalized, w, b), [x, w, b])


@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch(torch, rng, bias):
    reference = torch.nn.LayerNorm((3, 4), eps=1e-3, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.normal_()
        if bias:
            reference.bias.normal_()
    module = LayerNorm((3, 4), eps=1e-3, bias=bias).double()
    for name, p in reference.named_parameters():
        getattr(module, name).array[...] = p.detach().numpy()
    x = rng.standard_normal((2, 3, 4))
    tx, mx = torch.tensor(x, requires_grad=True), md.tensor(x, requires_grad=True)
    t_out, m_out = reference(tx), module(mx)
    np.testing.assert_allclose(m_out.array, t_out.detach().numpy(), atol=1e-10)
    (t_out**3).sum().backward()
    (m_out**3).sum().backward()
    np.testing.assert_allclose(mx.grad.array, tx.grad.numpy(), atol=1e-9)
    for name, p in reference.named_parameters():
        np.testing.assert_allclose(getattr(module, name).grad.array, p.grad.numpy(), atol=1e-9)


def test_misuse():
    with pytest.raises(ValueError, match="normalized_shape"):
        layer_norm(md.randn(2, 3), (4,))
    with pytest.raises(ValueError, match="weight"):
        layer_norm(md.randn(2, 3), 3, weight=md.ones(4))
    with pytest.raises(ValueError, match="eps"):
        LayerNorm(3, eps=0)
    assert [n for n, _ in LayerNorm(3, elementwise_affine=False).named_parameters()] == []
