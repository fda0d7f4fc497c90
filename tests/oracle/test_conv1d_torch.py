"""F.conv1d / max_pool1d / avg_pool1d and nn.Conv1d / MaxPool1d / AvgPool1d against PyTorch (float64
values and gradients, printed form), float64 finite differences, unbatched inputs and errors."""

import doctest

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl.autograd.gradcheck import gradcheck
from mathdl.nn.functional import convolution1d as conv1d_module
from torch_oracle import compare_with_torch, copy_weights


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"stride": 2, "padding": 1}, {"dilation": 2, "padding": "same"}, {"groups": 2, "padding": "valid"}],
)
def test_conv1d_like_torch(torch, rng, kwargs):
    x, w, b = (
        rng.standard_normal((2, 4, 9)),
        rng.standard_normal((6, 4 // kwargs.get("groups", 1), 3)),
        rng.standard_normal(6),
    )
    compare_with_torch(
        torch,
        lambda *a: F.conv1d(*a, **kwargs),
        lambda *a: torch.nn.functional.conv1d(*a, **kwargs),
        [x, w, b],
        rtol=1e-9,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 1, "padding": 1},
        {"kernel_size": 2, "ceil_mode": True},
    ],
)
def test_pool1d_like_torch(torch, rng, kwargs):
    x = rng.permutation(2 * 3 * 7).reshape(2, 3, 7) * 0.1  # distinct values: no ties in the max
    compare_with_torch(
        torch, lambda a: F.max_pool1d(a, **kwargs), lambda a: torch.nn.functional.max_pool1d(a, **kwargs), [x]
    )
    compare_with_torch(
        torch, lambda a: F.avg_pool1d(a, **kwargs), lambda a: torch.nn.functional.avg_pool1d(a, **kwargs), [x]
    )


def test_layers_like_torch(torch, rng):
    ours, theirs = md.nn.Conv1d(3, 4, 3, padding=1).double(), torch.nn.Conv1d(3, 4, 3, padding=1).double()
    copy_weights(theirs, ours)
    assert repr(ours) == repr(theirs)
    x = rng.standard_normal((2, 3, 8))
    compare_with_torch(torch, ours, theirs, [x], rtol=1e-9)
    compare_with_torch(torch, ours, theirs, [x[0]], rtol=1e-9)  # unbatched (C, L)
    for name, args in (("MaxPool1d", (2,)), ("AvgPool1d", (3, 2, 1))):
        assert repr(getattr(md.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    bound = 1 / np.sqrt(3 * 3)
    assert np.abs(md.nn.Conv1d(3, 64, 3).weight.array).max() <= bound


def test_finite_differences_and_errors(rng):
    x = md.tensor(rng.standard_normal((1, 2, 6)), dtype=np.float64, requires_grad=True)
    w = md.tensor(rng.standard_normal((3, 2, 2)), dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda a, b: F.conv1d(a, b, stride=2, padding=1), [x, w])
    with pytest.raises(ValueError, match="weight must be 3-D"):
        F.conv1d(x, md.ones(3, 2))
    with pytest.raises(ValueError, match="expected a 2-D"):
        F.max_pool1d(md.ones(1, 1, 2, 2), 2)
    with pytest.raises(ValueError, match="1-tuple"):
        F.conv1d(x, w, stride=(1, 2))


def test_docstring_examples():
    result = doctest.testmod(conv1d_module)
    assert result.attempted > 0 and result.failed == 0


def test_embedding_max_norm_like_torch(torch, rng):
    table = rng.standard_normal((6, 4)) * 2.0
    ours = md.nn.Embedding(6, 4, max_norm=1.0, padding_idx=-1, _weight=table.copy())
    theirs = torch.nn.Embedding(6, 4, max_norm=1.0, padding_idx=-1, _weight=torch.tensor(table.copy()))
    assert repr(ours) == repr(theirs)
    index = np.array([[0, 2], [2, 5]])
    np.testing.assert_allclose(ours(index).array, theirs(torch.tensor(index)).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        ours.weight.array, theirs.weight.detach().numpy(), rtol=1e-12
    )  # renormalised in place
    with pytest.raises(ValueError, match="not supported"):
        F.embedding(index, ours.weight, sparse=True)
