"""Module traversal (apply, named_modules, get_submodule, ...), LazyLinear/LazyConv2d materialised
in place, nn.Transformer's construction, masks and errors (PyTorch comparisons are in
tests/oracle/test_transformer_lazy_torch.py)."""

import doctest

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.nn.layers import lazy, transformer


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU(), nn.Linear(4, 2)))


def test_traversal_names_and_apply():
    model = _model()
    assert [name for name, _ in model.named_modules()] == ["", "0", "1", "1.0", "1.1"]
    assert [name for name, _ in model.named_children()] == ["0", "1"]
    assert len(list(model.modules())) == 5 and len(list(model.children())) == 2
    assert model.get_submodule("1.1") is model[1][1] and model.get_submodule("") is model
    assert model.get_parameter("1.1.bias") is model[1][1].bias
    with pytest.raises(AttributeError, match="no submodule '7'"):
        model.get_submodule("1.7")
    with pytest.raises(AttributeError, match="no parameter 'gamma'"):
        model.get_parameter("0.gamma")
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]  # children first, as torch


def test_shared_module_listed_once_unless_asked():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert len(list(model.named_modules())) == 2
    assert len(list(model.named_modules(remove_duplicate=False))) == 3
    assert [n for n, _ in model.named_modules(prefix="net")] == ["net", "net.0"]


def test_lazy_linear_materialises_in_place_for_an_optimizer_built_before():
    md.manual_seed(0)
    layer = nn.LazyLinear(2)
    params = list(layer.parameters())
    assert isinstance(params[0], nn.UninitializedParameter) and layer.has_uninitialized_params()
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    optimizer = md.optim.SGD(layer.parameters(), lr=0.1)
    x = md.ones(4, 3)
    loss = layer(x).sum()
    assert type(layer) is nn.Linear and layer.in_features == 3 and layer.weight.shape == (2, 3)
    assert params[0] is layer.weight and type(params[0]) is nn.Parameter
    bound = 1 / np.sqrt(3)
    assert np.all(np.abs(layer.weight.array) <= bound) and np.all(np.abs(layer.bias.array) <= bound)
    before = layer.weight.array.copy()
    loss.backward()
    optimizer.step()
    np.testing.assert_allclose(layer.weight.array, before - 0.1 * 4.0, rtol=1e-6)


def test_lazy_layers_load_a_state_dict_before_any_call():
    trained = nn.Conv2d(3, 5, 3, padding=1)
    layer = nn.LazyConv2d(5, 3, padding=1)
    layer.load_state_dict(trained.state_dict())
    assert type(layer) is nn.Conv2d and layer.in_channels == 3
    np.testing.assert_array_equal(layer.weight.array, trained.weight.array)
    x = md.randn(2, 3, 4, 4)
    np.testing.assert_allclose(layer(x).array, trained(x).array)
    grouped = nn.LazyConv2d(4, 1, groups=2)
    assert grouped(md.ones(1, 6, 2, 2)).shape == (1, 4, 2, 2) and grouped.weight.shape == (4, 3, 1, 1)
    with pytest.raises(ValueError, match="not divisible by groups=2"):
        nn.LazyConv2d(4, 1, groups=2)(md.ones(1, 3, 2, 2))


def test_transformer_shapes_masks_and_names(float64):
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16)
    names = [name for name, _ in model.named_parameters()]
    assert "encoder.layers.1.self_attn.in_proj_weight" in names and "decoder.norm.weight" in names
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(mask.array, [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    model.eval()
    src, tgt = md.randn(5, 2, 8), md.randn(3, 2, 8)
    out = model(src, tgt, tgt_mask=mask)
    assert out.shape == (3, 2, 8)
    changed = tgt.array.copy()
    changed[2] += 1.0  # the last target step cannot change earlier outputs under the causal mask
    out2 = model(src, md.tensor(changed), tgt_mask=mask)
    np.testing.assert_allclose(out2.array[:2], out.array[:2], rtol=1e-12)
    batch_first = nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
    assert batch_first(md.randn(2, 5, 8), md.randn(2, 3, 8)).shape == (2, 3, 8)
    with pytest.raises(ValueError, match="batch size"):
        model(md.randn(5, 2, 8), md.randn(3, 1, 8))
    with pytest.raises(ValueError, match="d_model=8"):
        model(md.randn(5, 2, 4), md.randn(3, 2, 4))
    with pytest.raises(ValueError, match="CPU only"):
        nn.Transformer.generate_square_subsequent_mask(3, device="cuda")


@pytest.mark.parametrize("module", [lazy, transformer])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
