"""Transformer layers: finite-difference gradients at small sizes, causal behaviour, stacks, errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck
from mathdl.nn.layers.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_finite_differences(float64, rng, norm_first):
    md.manual_seed(0)
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, norm_first=norm_first)
    x = md.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    padding = np.array([[False, False, True], [False, False, False]])
    assert gradcheck(lambda x, *p: layer(x, src_key_padding_mask=padding), [x, *layer.parameters()])


def test_decoder_layer_finite_differences(float64, rng):
    md.manual_seed(1)
    layer = TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0)
    tgt = md.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    memory = md.tensor(rng.standard_normal((2, 2, 4)), requires_grad=True)
    assert gradcheck(lambda t, m, *p: layer(t, m, tgt_is_causal=True), [tgt, memory, *layer.parameters()])


def test_feed_forward_fuses_relu_unless_linear1_has_a_hook(rng):
    md.manual_seed(2)
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0)
    x = md.tensor(rng.standard_normal((3, 2, 4)).astype(np.float32))
    fused = layer(x).array
    seen = []
    layer.linear1.register_forward_hook(lambda module, args, output: seen.append(output.shape))
    composed = layer(x).array
    assert seen == [(3, 2, 6)]  # the hook ran: the composed relu(linear1(x)) was taken
    np.testing.assert_allclose(fused, composed, rtol=1e-6, atol=1e-6)


def test_causal_encoder_output_does_not_depend_on_the_future(rng):
    layer = TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    x = rng.standard_normal((1, 6, 8)).astype(np.float32)
    out = layer(md.tensor(x), is_causal=True).array
    x[0, 4:] += 5.0
    changed = layer(md.tensor(x), is_causal=True).array
    np.testing.assert_allclose(changed[0, :4], out[0, :4], atol=1e-5)
    assert not np.allclose(changed[0, 4:], out[0, 4:])


def test_stacks_copy_the_layer_and_name_parameters_like_torch():
    encoder = TransformerEncoder(TransformerEncoderLayer(8, 2, 16), num_layers=3)
    names = [n for n, _ in encoder.named_parameters()]
    assert "layers.2.linear2.bias" in names and "layers.0.self_attn.in_proj_weight" in names
    assert len(names) == 3 * 12
    first, second = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    np.testing.assert_array_equal(first.array, second.array)
    assert first is not second
    decoder = TransformerDecoder(TransformerDecoderLayer(8, 2, 16, dropout=0.0), num_layers=2)
    assert decoder(md.randn(4, 1, 8), md.randn(5, 1, 8)).shape == (4, 1, 8)


def test_eval_is_deterministic_and_training_uses_dropout():
    md.manual_seed(0)
    layer = TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = md.randn(4, 2, 8)
    layer.eval()
    np.testing.assert_array_equal(layer(x).array, layer(x).array)
    layer.train()
    assert not np.allclose(layer(x).array, layer(x).array)


def test_misuse():
    with pytest.raises(ValueError, match="activation"):
        TransformerEncoderLayer(8, 2, activation="swish")
    with pytest.raises(ValueError, match="divisible"):
        TransformerEncoderLayer(6, 4)
    with pytest.raises(ValueError, match="num_layers"):
        TransformerEncoder(TransformerEncoderLayer(8, 2), 0)
    with pytest.raises(ValueError, match="d_model"):
        TransformerDecoderLayer(0, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pre_norm_layer_fused_residuals_equal_the_plain_adds(dtype, monkeypatch):
    from mathdl.nn.functional.linear import LinearResidualFunction
    from mathdl.nn.layers.transformer import TransformerEncoderLayer

    rng = np.random.default_rng(0)
    layer = TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True).to(dtype=dtype)
    x = md.tensor(rng.standard_normal((3, 5, 8)), dtype=dtype, requires_grad=True)
    g = md.tensor(rng.standard_normal((3, 5, 8)), dtype=dtype)
    mask = md.nn.Transformer.generate_square_subsequent_mask(5, dtype=dtype)
    fused = layer(x, src_mask=mask)
    assert isinstance(fused.creator, LinearResidualFunction)  # the fused path was taken
    fused_grads = md.grad([fused], [x, *layer.parameters()], [g])
    monkeypatch.setattr(TransformerEncoderLayer, "_fusable_residuals", lambda self, x: False)
    plain = layer(x, src_mask=mask)
    assert not isinstance(plain.creator, LinearResidualFunction)
    plain_grads = md.grad([plain], [x, *layer.parameters()], [g])
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused.array, plain.array, **tol)
    for a, b in zip(fused_grads, plain_grads):
        np.testing.assert_allclose(a.array, b.array, **tol)


def test_pre_norm_layer_keeps_hooks_and_dropout_on_the_plain_path():
    from mathdl.nn.layers.transformer import TransformerEncoderLayer

    layer = TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True, norm_first=True)
    x = md.randn(2, 3, 8)
    assert not layer._fusable_residuals(x)  # training with dropout: the dropouts must run
    layer.eval()
    assert layer._fusable_residuals(x)
    calls = []
    layer.linear2.register_forward_hook(lambda module, args, out: calls.append(1))
    assert not layer._fusable_residuals(x)
    layer(x)
    assert calls == [1]


def test_linear_residual_checks_the_residual():
    import mathdl.nn.functional as F

    with pytest.raises(ValueError, match="residual"):
        F.linear_residual(md.ones(2, 3), md.ones(4, 3), None, md.ones(2, 3))
    with pytest.raises(ValueError, match="residual"):
        F.linear_residual(md.ones(2, 3), md.ones(4, 3), None, md.ones(2, 4, dtype=np.float64))


@pytest.mark.parametrize("relu", [False, True])
def test_layer_norm_linear_equals_layer_norm_then_linear(relu):
    import mathdl.nn.functional as F

    rng = np.random.default_rng(1)
    x, gamma, beta = (md.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4, 6), (6,), (6,)])
    w, b = (
        md.tensor(rng.standard_normal((5, 6)), requires_grad=True),
        md.tensor(rng.standard_normal(5), requires_grad=True),
    )
    fused = F.layer_norm_linear(x, gamma, beta, w, b, eps=1e-3, relu=relu)
    plain = F.linear(F.layer_norm(x, (6,), gamma, beta, eps=1e-3), w, b)
    plain = md.relu(plain) if relu else plain
    np.testing.assert_allclose(fused.array, plain.array, rtol=1e-5, atol=1e-6)
    g = md.tensor(rng.standard_normal((3, 4, 5)))
    for a, c in zip(
        md.grad([fused], [x, gamma, beta, w, b], [g]), md.grad([plain], [x, gamma, beta, w, b], [g])
    ):
        np.testing.assert_allclose(a.array, c.array, rtol=1e-4, atol=1e-5)


def test_layer_norm_linear_checks_its_inputs():
    import mathdl.nn.functional as F

    ones = md.ones
    with pytest.raises(TypeError, match="norm_weight"):
        F.layer_norm_linear(ones(2, 3), np.ones(3), ones(3), ones(4, 3), ones(4))
    with pytest.raises(ValueError, match="in_features"):
        F.layer_norm_linear(ones(2, 3), ones(3), ones(3), ones(4, 2), ones(4))
    with pytest.raises(ValueError, match="bias"):
        F.layer_norm_linear(ones(2, 3), ones(3), ones(3), ones(4, 3), ones(3))
    with pytest.raises(ValueError, match="dtype"):
        F.layer_norm_linear(ones(2, 3), ones(3), ones(3), ones(4, 3), ones(4, dtype=np.float64))


def test_norm_then_linear_falls_back_without_an_affine_norm():
    from mathdl.nn.functional.layer_norm_linear import LayerNormLinearFunction
    from mathdl.nn.layers.transformer import norm_then_linear

    x = md.randn(2, 3, 4)
    linear = md.nn.Linear(4, 5)
    folded = norm_then_linear(md.nn.LayerNorm(4), linear, x)
    assert isinstance(folded.creator, LayerNormLinearFunction)
    plain_norm = md.nn.LayerNorm(4, elementwise_affine=False)
    out = norm_then_linear(plain_norm, linear, x)
    assert not isinstance(out.creator, LayerNormLinearFunction)
    np.testing.assert_allclose(out.array, folded.array, rtol=1e-5, atol=1e-6)  # γ = 1, β = 0 at init
