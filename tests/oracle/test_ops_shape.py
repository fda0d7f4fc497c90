"""reshape, transpose, swapaxes, flatten, squeeze, unsqueeze, broadcast_to, concatenate, stack and
pad against PyTorch: values and vector-Jacobian products over random shapes."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import mathdl as md

# the torch fixture only imports a module, so sharing it across examples is safe; the hypothesis
# profile (tests/conftest.py) makes runs deterministic locally and seeded-random in CI
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SEEDS = st.integers(0, 2**32 - 1)
SHAPES = array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)


import functools

import torch_oracle

compare_with_torch = functools.partial(torch_oracle.compare_with_torch, rtol=1e-12)


@SETTINGS
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_reshape_like_torch(torch, shape, seed, data):
    x = np.random.default_rng(seed).standard_normal(shape)
    target = data.draw(st.permutations(list(shape)), label="target").copy()  # same size, other order
    if target and data.draw(st.booleans(), label="infer"):
        target[data.draw(st.integers(0, len(target) - 1), label="where")] = -1
    target = tuple(target) + (1,) * data.draw(st.integers(0, 2), label="ones")
    compare_with_torch(torch, lambda t: t.reshape(target), lambda t: t.reshape(target), [x], seed)
    compare_with_torch(
        torch,
        lambda t: t.reshape(*target) if target else t.reshape(()),
        lambda t: t.reshape(target),
        [x],
        seed,
    )
    compare_with_torch(torch, lambda t: md.reshape(t, target), lambda t: t.reshape(target), [x], seed)


@SETTINGS
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_transpose_and_swapaxes_like_torch(torch, shape, seed, data):
    x = np.random.default_rng(seed).standard_normal(shape)
    ndim = len(shape)
    axes = tuple(data.draw(st.permutations(range(ndim)), label="axes"))
    compare_with_torch(torch, lambda t: t.transpose(axes), lambda t: t.permute(axes), [x], seed)
    compare_with_torch(torch, lambda t: md.transpose(t, axes), lambda t: t.permute(axes), [x], seed)
    reverse = tuple(range(ndim))[::-1]
    compare_with_torch(
        torch, lambda t: t.T if ndim <= 2 else t.transpose(), lambda t: t.permute(reverse), [x], seed
    )
    if ndim:
        a = data.draw(st.integers(-ndim, ndim - 1), label="a")
        b = data.draw(st.integers(-ndim, ndim - 1), label="b")
        compare_with_torch(torch, lambda t: t.swapaxes(a, b), lambda t: torch.transpose(t, a, b), [x], seed)


@SETTINGS
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_flatten_like_torch(torch, shape, seed, data):
    x = np.random.default_rng(seed).standard_normal(shape)
    ndim = max(len(shape), 1)
    start = data.draw(st.integers(-ndim, ndim - 1), label="start")
    end = data.draw(st.integers(-ndim, ndim - 1), label="end")
    if start % ndim > end % ndim:
        start, end = end, start
    compare_with_torch(
        torch, lambda t: t.flatten(start, end), lambda t: torch.flatten(t, start, end), [x], seed
    )
    compare_with_torch(torch, lambda t: md.flatten(t), lambda t: torch.flatten(t), [x], seed)


@SETTINGS
@given(shape=array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2), seed=SEEDS, data=st.data())
def test_squeeze_unsqueeze_like_torch(torch, shape, seed, data):
    x = np.random.default_rng(seed).standard_normal(shape)
    ndim = len(shape)
    compare_with_torch(torch, lambda t: t.squeeze(), lambda t: t.squeeze(), [x], seed)
    if ndim:
        axis = data.draw(st.integers(-ndim, ndim - 1), label="squeeze axis")  # size 1 or not
        compare_with_torch(torch, lambda t: md.squeeze(t, axis), lambda t: t.squeeze(axis), [x], seed)
    axis = data.draw(st.integers(-ndim - 1, ndim), label="unsqueeze axis")
    compare_with_torch(torch, lambda t: t.unsqueeze(axis), lambda t: t.unsqueeze(axis), [x], seed)
    compare_with_torch(torch, lambda t: md.unsqueeze(t, axis), lambda t: torch.unsqueeze(t, axis), [x], seed)


@SETTINGS
@given(target=array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4), seed=SEEDS, data=st.data())
def test_broadcast_to_like_torch(torch, target, seed, data):
    # a shape that broadcasts TO target: a suffix of it with some sides set to 1
    kept = data.draw(st.integers(0, len(target)), label="kept dims")
    shape = tuple(
        1 if data.draw(st.booleans(), label=f"one at {i}") else n
        for i, n in enumerate(target[len(target) - kept :])
    )
    x = np.random.default_rng(seed).standard_normal(shape)
    compare_with_torch(torch, lambda t: md.broadcast_to(t, target), lambda t: t.expand(target), [x], seed)
    compare_with_torch(
        torch, lambda t: t.expand(*target) if target else t.expand(()), lambda t: t.expand(target), [x], seed
    )


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), seed=SEEDS, data=st.data())
def test_concatenate_like_torch(torch, shape, seed, data):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4), label="sizes")
    rng = np.random.default_rng(seed)
    arrays = []
    for n in sizes:
        s = list(shape)
        s[axis] = n
        arrays.append(rng.standard_normal(s))
    compare_with_torch(
        torch, lambda *ts: md.concatenate(ts, axis=axis), lambda *ts: torch.cat(ts, dim=axis), arrays, seed
    )
    compare_with_torch(
        torch, lambda *ts: md.cat(list(ts), axis), lambda *ts: torch.cat(ts, dim=axis), arrays, seed
    )


@SETTINGS
@given(
    shape=array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),
    count=st.integers(1, 4),
    seed=SEEDS,
    data=st.data(),
)
def test_stack_like_torch(torch, shape, count, seed, data):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for _ in range(count)]
    compare_with_torch(
        torch, lambda *ts: md.stack(ts, axis=axis), lambda *ts: torch.stack(ts, dim=axis), arrays, seed
    )


def torch_pad_widths(widths):
    # torch.nn.functional.pad lists (before, after) from the LAST axis backwards
    flat = []
    for before, after in reversed(widths):
        flat += [before, after]
    return tuple(flat)


@SETTINGS
@given(
    shape=array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3),
    seed=SEEDS,
    data=st.data(),
    value=st.sampled_from([0.0, -1.5]),
)
def test_pad_like_torch(torch, shape, seed, data, value):
    widths = [
        tuple(data.draw(st.tuples(st.integers(0, 2), st.integers(0, 2)), label=f"axis {i}"))
        for i in range(len(shape))
    ]
    x = np.random.default_rng(seed).standard_normal(shape)
    import torch.nn.functional as F

    compare_with_torch(
        torch,
        lambda t: md.pad(t, widths, value),
        lambda t: F.pad(t, torch_pad_widths(widths), value=value),
        [x],
        seed,
    )


@pytest.mark.parametrize(
    "pad_width,widths",
    [(1, [(1, 1), (1, 1)]), ((0, 2), [(0, 2), (0, 2)]), ([(1, 0), (0, 3)], [(1, 0), (0, 3)])],
)
def test_pad_width_forms_like_numpy_and_torch(torch, rng, pad_width, widths):
    x = rng.standard_normal((2, 3))
    import torch.nn.functional as F

    compare_with_torch(
        torch, lambda t: md.pad(t, pad_width), lambda t: F.pad(t, torch_pad_widths(widths)), [x]
    )
    np.testing.assert_array_equal(md.pad(md.tensor(x), pad_width).array, np.pad(x, pad_width))
