"""nn conv and pooling layers against torch.nn with copied weights (float64): outputs, input and
parameter gradients, and state_dict names."""

import numpy as np
import pytest

import mathdl as md
from mathdl.nn.layers.conv import Conv2d, ConvTranspose2d
from mathdl.nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d


def _copy_to_torch(torch, ours, theirs):
    theirs.load_state_dict({k: torch.tensor(np.asarray(v.array)) for k, v in ours.state_dict().items()})


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: (
            Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=np.float64),
            nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=nn_double(nn)),
        ),
        lambda nn: (
            Conv2d(4, 6, (2, 3), padding="same", dilation=2, bias=False, dtype=np.float64),
            nn.Conv2d(4, 6, (2, 3), padding="same", dilation=2, bias=False, dtype=nn_double(nn)),
        ),
        lambda nn: (
            ConvTranspose2d(4, 6, 4, stride=2, padding=1, dtype=np.float64),
            nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1, dtype=nn_double(nn)),
        ),
        lambda nn: (
            ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2, dtype=np.float64),
            nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2, dtype=nn_double(nn)),
        ),
    ],
)
def test_conv_layers_match_torch(torch, rng, make):
    ours, theirs = make(torch.nn)
    _copy_to_torch(torch, ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = rng.standard_normal((2, 4, 7, 6))
    mine, ref = md.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(mine), theirs(ref)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    gy = rng.standard_normal(y.shape)
    y.backward(md.tensor(gy))
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(mine.grad.array, ref.grad.numpy(), rtol=1e-6, atol=1e-6)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.array, tp.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=name)


def nn_double(nn):
    import torch

    return torch.float64


def test_default_init_has_torch_distribution(torch):
    # Same family and bounds: compare the spread of many draws with torch's own defaults.
    md.manual_seed(0)
    ours = Conv2d(16, 32, 3).weight.array
    theirs = torch.nn.Conv2d(16, 32, 3).weight.detach().numpy()
    assert abs(np.abs(ours).max() - np.abs(theirs).max()) < 2e-3
    assert abs(ours.std() - theirs.std()) < 0.05 * theirs.std()


def test_pool_layers_match_torch(torch, rng):
    x = rng.standard_normal((2, 3, 9, 8))
    for ours, theirs in [
        (MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
        (AvgPool2d(2, ceil_mode=True), torch.nn.AvgPool2d(2, ceil_mode=True)),
        (AdaptiveAvgPool2d((4, 3)), torch.nn.AdaptiveAvgPool2d((4, 3))),
    ]:
        np.testing.assert_allclose(ours(x).array, theirs(torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-6)
