"""Pooling forward and backward against PyTorch (float64, 1e-6), including max-pool ties."""

import itertools

import numpy as np
import pytest

import mathdl as md
from mathdl.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d


def _compare(torch, rng, ours, theirs, x, tol=1e-6):
    mine, ref = md.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(mine), theirs(ref)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=tol, atol=tol)
    gy = rng.standard_normal(y.shape)
    y.backward(md.tensor(gy))
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(mine.grad.array, ref.grad.numpy(), rtol=tol, atol=tol)


MAX_GRID = [
    (k, s, p, d, c)
    for k, s, p, d, c in itertools.product([2, 3, (2, 3)], [None, 1, 2], [0, 1], [1, 2], [False, True])
    if (isinstance(k, int) and p <= ((k - 1) * d + 1) // 2) or (isinstance(k, tuple) and p <= 1)
]


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode", MAX_GRID)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_matches_torch(torch, rng, kernel, stride, padding, dilation, ceil_mode, ties):
    x = rng.standard_normal((2, 3, 9, 8))
    if ties:
        x = np.maximum(np.round(x), 0.0)  # ReLU-like, mostly flat: many tied maxima
    _compare(
        torch,
        rng,
        lambda t: max_pool2d(t, kernel, stride, padding, dilation, ceil_mode),
        lambda t: torch.nn.functional.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode),
        x,
    )


AVG_GRID = [
    (k, s, p, c, i)
    for k, s, p, c, i in itertools.product([2, 3, (3, 2)], [None, 1, 2], [0, 1], [False, True], [True, False])
]


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad", AVG_GRID)
def test_avg_pool2d_matches_torch(torch, rng, kernel, stride, padding, ceil_mode, count_include_pad):
    x = rng.standard_normal((2, 3, 9, 8))
    _compare(
        torch,
        rng,
        lambda t: avg_pool2d(t, kernel, stride, padding, ceil_mode, count_include_pad),
        lambda t: torch.nn.functional.avg_pool2d(t, kernel, stride, padding, ceil_mode, count_include_pad),
        x,
    )


@pytest.mark.parametrize("output_size", [1, 2, 3, (4, 5), (5, None), 7])
def test_adaptive_avg_pool2d_matches_torch(torch, rng, output_size):
    x = rng.standard_normal((2, 3, 9, 8))
    _compare(
        torch,
        rng,
        lambda t: adaptive_avg_pool2d(t, output_size),
        lambda t: torch.nn.functional.adaptive_avg_pool2d(t, output_size),
        x,
    )


@pytest.mark.parametrize("stride", [None, 1])
def test_max_pool2d_nan_routing_matches_torch(torch, rng, stride):
    """A NaN wins its windows and takes their gradient (the NaN sweep runs only when the output
    shows one); windows without NaN keep the first maximum."""
    x = rng.standard_normal((2, 3, 6, 6))
    x[0, 1, 2, 3] = np.nan
    x[1, 2, 5, 0] = np.nan
    mine, ref = md.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = max_pool2d(mine, 2, stride)
    ty = torch.nn.functional.max_pool2d(ref, 2, stride)
    np.testing.assert_array_equal(y.array, ty.detach().numpy())  # NaNs in the same places
    gy = rng.standard_normal(y.shape)
    y.backward(md.tensor(gy))
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(mine.grad.array, ref.grad.numpy(), rtol=1e-12, atol=1e-12)
