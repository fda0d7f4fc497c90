"""sum, mean, var, max, min, logsumexp, softmax and log_softmax against PyTorch: every axis form
(None, an int, a negative int, a tuple, keepdims, 0-d inputs), the tie rules of max/min, and
stability at ±1e4."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import mathdl as md

# the torch fixture only imports a module, so sharing it across examples is safe; derandomized so
# that CI runs the same examples every time (a failure reproduces; nothing is flaky)
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SEEDS = st.integers(0, 2**32 - 1)


from torch_oracle import compare_with_torch


@st.composite
def shape_and_axis(draw, tuples=True, none=True):
    """A shape (0-d included) and an axis for it: None, an int (maybe negative) or a tuple."""
    shape = draw(array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    ndim = len(shape)
    kinds = ["int"] + (["none"] if none else []) + (["tuple"] if tuples and ndim else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return shape, None
    if kind == "int":
        return shape, draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return shape, tuple(a - ndim if draw(st.booleans()) else a for a in axes)


def torch_dims(axis, ndim):
    if axis is None:
        return tuple(range(ndim)) if ndim else 0
    return axis


def reduced_count(shape, axis):
    if axis is None or not shape:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(shape_axis=shape_and_axis(), keepdims=st.booleans(), seed=SEEDS)
def test_sum_mean_like_torch(torch, name, shape_axis, keepdims, seed):
    shape, axis = shape_axis
    x = np.random.default_rng(seed).standard_normal(shape)
    compare_with_torch(
        torch,
        lambda t: values(getattr(t, name)(axis=axis, keepdims=keepdims)),
        lambda t: getattr(torch, name)(t, dim=torch_dims(axis, len(shape)), keepdim=keepdims),
        [x],
        seed,
    )


@SETTINGS
@given(shape_axis=shape_and_axis(), keepdims=st.booleans(), correction=st.sampled_from([0, 1]), seed=SEEDS)
def test_var_like_torch(torch, shape_axis, keepdims, correction, seed):
    shape, axis = shape_axis
    assume(reduced_count(shape, axis) > correction)
    x = np.random.default_rng(seed).standard_normal(shape)
    compare_with_torch(
        torch,
        lambda t: t.var(axis=axis, keepdims=keepdims, correction=correction),
        lambda t: torch.var(t, dim=torch_dims(axis, len(shape)), keepdim=keepdims, correction=correction),
        [x],
        seed,
    )


def test_var_is_unbiased_by_default(torch, rng):
    x = rng.standard_normal((4, 6))
    compare_with_torch(torch, lambda t: t.var(), lambda t: t.var(), [x])
    compare_with_torch(torch, lambda t: md.var(t, 1), lambda t: torch.var(t, 1), [x])


def torch_extreme(torch, t, axis, keepdims, largest):
    if axis is None:
        # torch.max(x) with no dim: ties share the gradient evenly
        y = t.max() if largest else t.min()
        return y.reshape((1,) * t.ndim) if keepdims else y
    if isinstance(axis, tuple):
        return (torch.amax if largest else torch.amin)(t, dim=axis, keepdim=keepdims)
    # torch.max(x, dim): the values; the gradient goes to the one index torch reports
    return (torch.max if largest else torch.min)(t, dim=axis, keepdim=keepdims).values


def values(result):
    """max/min along one dim return (values, indices), as PyTorch."""
    return result.values if isinstance(result, tuple) else result


@pytest.mark.parametrize("largest", [True, False])
@SETTINGS
@given(shape_axis=shape_and_axis(), keepdims=st.booleans(), seed=SEEDS)
def test_max_min_with_ties_like_torch(torch, largest, shape_axis, keepdims, seed):
    shape, axis = shape_axis
    # integers in a small range make ties frequent, so the tie rules are what is being compared
    x = np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float64)
    name = "max" if largest else "min"
    compare_with_torch(
        torch,
        lambda t: values(getattr(t, name)(axis=axis, keepdims=keepdims)),
        lambda t: torch_extreme(torch, t, axis, keepdims, largest),
        [x],
        seed,
    )


def test_max_tie_rules_spelled_out(torch):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    t = torch.tensor(x, requires_grad=True)
    # no axis: split evenly among the tied maxima
    a = md.tensor(x, requires_grad=True)
    a.max().backward()
    np.testing.assert_array_equal(a.grad.array, [[0, 0.5, 0.5], [0, 0, 0]])
    t.max().backward()
    np.testing.assert_array_equal(t.grad.numpy(), a.grad.array)
    # one axis: all to the first maximal index of each row, the index torch.max(x, dim) reports
    a = md.tensor(x, requires_grad=True)
    a.max(axis=1).values.sum().backward()
    np.testing.assert_array_equal(a.grad.array, [[0, 1, 0], [1, 0, 0]])
    assert torch.max(torch.tensor(x), dim=1).indices.tolist() == [1, 0]
    # a tuple of axes: like torch.amax, split evenly within each reduced group
    a = md.tensor(x, requires_grad=True)
    a.max(axis=(1,)).sum().backward()
    np.testing.assert_array_equal(a.grad.array, [[0, 0.5, 0.5], [0.5, 0.5, 0]])


def test_max_ties_on_long_rows_pick_torchs_index(torch):
    # long rows go through torch's vectorised kernels: check they still report the first index
    x = np.zeros((3, 257))
    x[0, [5, 100, 256]] = 1.0
    x[1, :] = 2.0
    x[2, [255, 256]] = -1.0
    compare_with_torch(torch, lambda t: t.max(axis=1).values, lambda t: torch.max(t, dim=1).values, [x])
    compare_with_torch(torch, lambda t: t.min(axis=1).values, lambda t: torch.min(t, dim=1).values, [x])
    compare_with_torch(torch, lambda t: t.max(axis=0).values, lambda t: torch.max(t, dim=0).values, [x])


@SETTINGS
@given(shape_axis=shape_and_axis(), keepdims=st.booleans(), seed=SEEDS)
def test_logsumexp_like_torch(torch, shape_axis, keepdims, seed):
    shape, axis = shape_axis
    x = 3 * np.random.default_rng(seed).standard_normal(shape)

    def torch_fn(t):
        if axis is None:
            y = torch.logsumexp(t.reshape(-1), dim=0)
            return y.reshape((1,) * t.ndim) if keepdims else y
        return torch.logsumexp(t, dim=axis, keepdim=keepdims)

    compare_with_torch(torch, lambda t: md.logsumexp(t, axis, keepdims), torch_fn, [x], seed)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(shape_axis=shape_and_axis(tuples=False, none=False), seed=SEEDS)
def test_softmax_family_like_torch(torch, name, shape_axis, seed):
    shape, axis = shape_axis
    x = 3 * np.random.default_rng(seed).standard_normal(shape)
    compare_with_torch(
        torch, lambda t: getattr(md, name)(t, axis), lambda t: getattr(torch, name)(t, dim=axis), [x], seed
    )
    compare_with_torch(
        torch, lambda t: getattr(t, name)(axis), lambda t: getattr(torch, name)(t, dim=axis), [x], seed
    )


EXTREME = np.array([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4, -1e4 + 2.0, -1e4], [1e4, 1e4, 1e4, 1e4]])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_family_stable_at_1e4(torch, name, axis):
    compare_with_torch(
        torch, lambda t: getattr(md, name)(t, axis), lambda t: getattr(torch, name)(t, dim=axis), [EXTREME]
    )


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_logsumexp_stable_at_1e4(torch, axis):
    def torch_fn(t):
        return torch.logsumexp(t.reshape(-1), 0) if axis is None else torch.logsumexp(t, axis)

    compare_with_torch(torch, lambda t: md.logsumexp(t, axis), torch_fn, [EXTREME])
