"""nn.Transformer against torch.nn.Transformer on copied weights (float64, with masks, padding masks
and batch_first; values and gradients), and the printed form of common layers against torch's."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from torch_oracle import copy_weights


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_like_torch(torch, rng, batch_first, norm_first):
    sizes = dict(
        d_model=8,
        nhead=2,
        num_encoder_layers=2,
        num_decoder_layers=2,
        dim_feedforward=16,
        dropout=0.0,
        batch_first=batch_first,
        norm_first=norm_first,
        activation="gelu",
    )
    theirs = torch.nn.Transformer(**sizes).double().eval()
    ours = nn.Transformer(**sizes).double().eval()
    copy_weights(theirs, ours)
    src, tgt = rng.standard_normal((5, 2, 8)), rng.standard_normal((4, 2, 8))
    if batch_first:
        src, tgt = src.transpose(1, 0, 2), tgt.transpose(1, 0, 2)
    padding = np.zeros((2, 5), dtype=bool)
    padding[1, 3:] = True
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float64)
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(mask.array, t_mask.numpy())
    ts, tt = (torch.tensor(a, requires_grad=True) for a in (src, tgt))
    expected = theirs(
        ts,
        tt,
        tgt_mask=t_mask,
        src_key_padding_mask=torch.tensor(padding),
        memory_key_padding_mask=torch.tensor(padding),
    )
    ms, mt = (md.tensor(a, requires_grad=True) for a in (src, tgt))
    got = ours(ms, mt, tgt_mask=mask, src_key_padding_mask=padding, memory_key_padding_mask=padding)
    np.testing.assert_allclose(got.array, expected.detach().numpy(), rtol=1e-9, atol=1e-11)
    cotangent = rng.standard_normal(got.shape)
    expected.backward(torch.tensor(cotangent))
    got.backward(md.tensor(cotangent))
    np.testing.assert_allclose(ms.grad.array, ts.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(mt.grad.array, tt.grad.numpy(), rtol=1e-8, atol=1e-10)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)


def test_transformer_defaults_and_initialisation_match_torch(torch):
    ours, theirs = nn.Transformer(), torch.nn.Transformer()
    ours_shapes = {name: p.shape for name, p in ours.named_parameters()}
    assert ours_shapes == {name: tuple(p.shape) for name, p in theirs.named_parameters()}
    weight = ours.get_parameter("encoder.layers.0.linear1.weight").array
    bound = np.sqrt(6.0 / (512 + 2048))  # xavier_uniform_
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.95 * bound


def test_lazy_layers_like_torch(torch, rng):
    x = rng.standard_normal((2, 3, 5, 5))
    ours, theirs = nn.LazyConv2d(4, 3, stride=2, padding=1), torch.nn.LazyConv2d(4, 3, stride=2, padding=1)
    ours(md.tensor(x, dtype=np.float32)), theirs(torch.tensor(x, dtype=torch.float32))
    assert repr(ours) == repr(theirs) and ours.weight.shape == tuple(theirs.weight.shape)
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    ours(md.ones(2, 7)), theirs(torch.ones(2, 7))
    assert repr(ours) == repr(theirs)


LAYERS = [
    ("LayerNorm", (4,), {"bias": False}),
    ("GroupNorm", (2, 4), {"affine": False}),
    ("BatchNorm1d", (3,), {}),
    ("BatchNorm2d", (3,), {"momentum": None}),
    ("Embedding", (3, 4), {"padding_idx": 0}),
    ("Flatten", (), {}),
    ("MaxPool2d", (2,), {}),
    ("AvgPool2d", (3,), {"stride": 1}),
    ("LSTM", (3, 4), {"num_layers": 2, "batch_first": True}),
    ("GRUCell", (2, 3), {}),
    ("RNNCell", (2, 3), {"nonlinearity": "relu", "bias": False}),
    ("Conv2d", (1, 2, 3), {"padding": 1, "bias": False}),
    ("ConvTranspose2d", (2, 3, 3), {}),
    ("LogSoftmax", (), {"dim": 1}),
    ("Softplus", (), {}),
    ("CrossEntropyLoss", (), {}),
    ("Dropout2d", (), {}),
    ("Linear", (3, 2), {}),
    ("ELU", (), {"alpha": 0.5}),
    ("SiLU", (), {}),
]


@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=[name for name, _, _ in LAYERS])
def test_layers_print_like_torch(torch, name, args, kwargs):
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))
