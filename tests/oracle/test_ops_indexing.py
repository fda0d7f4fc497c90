"""Indexing ``x[index]`` against PyTorch and against NumPy's own scatter-add (``np.add.at``):
slices (any step), negative indices, integer arrays with duplicates, boolean masks, Tensor
indices, None/Ellipsis, and mixtures of them. The gradient of x[index] is the upstream gradient
added back into zeros at the selected places, with repeated places adding up."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, basic_indices, integer_array_indices

import mathdl as md

# the torch fixture only imports a module, so sharing it across examples is safe; the hypothesis
# profile (tests/conftest.py) makes runs deterministic locally and seeded-random in CI
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SEEDS = st.integers(0, 2**32 - 1)


def md_value_and_grad(x, index, seed):
    t = md.tensor(x, requires_grad=True)
    y = t[index]
    g = np.random.default_rng(seed).standard_normal(y.shape)
    (gx,) = md.grad(y, [t], md.tensor(g))
    return y.array, gx.array, g


def numpy_reference(x, index, g):
    index = index.array if isinstance(index, md.Tensor) else index
    if isinstance(index, tuple):
        index = tuple(i.array if isinstance(i, md.Tensor) else i for i in index)
    expected = np.zeros_like(x)
    np.add.at(expected, index, g)
    return x[index], expected


def to_torch_index(torch, index):
    def convert(i):
        if isinstance(i, md.Tensor):
            return torch.tensor(i.array)
        if isinstance(i, (np.ndarray, list)):
            return torch.tensor(np.asarray(i))
        return i

    return tuple(convert(i) for i in index) if isinstance(index, tuple) else convert(index)


def compare_with_torch(torch, x, index, seed=0):
    value, grad, g = md_value_and_grad(x, index, seed)
    t = torch.tensor(x, requires_grad=True)
    ty = t[to_torch_index(torch, index)]
    ty.backward(torch.tensor(g))
    assert value.shape == tuple(ty.shape)
    np.testing.assert_array_equal(value, ty.detach().numpy())
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shape=array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5), seed=SEEDS, data=st.data())
def test_basic_indices_match_numpy_scatter_add(shape, seed, data):
    # slices of any step (negative too, which torch lacks), ints, None and Ellipsis
    index = data.draw(basic_indices(shape, allow_newaxis=True, allow_ellipsis=True), label="index")
    x = np.random.default_rng(seed).standard_normal(shape)
    value, grad, g = md_value_and_grad(x, index, seed)
    expected_value, expected_grad = numpy_reference(x, index, g)
    np.testing.assert_array_equal(value, expected_value)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=SEEDS, data=st.data())
def test_integer_array_indices_like_torch(torch, shape, seed, data):
    # integer arrays (negative entries and duplicates included): the gradient scatter-adds
    index = data.draw(
        integer_array_indices(shape, result_shape=array_shapes(min_dims=1, max_dims=2, max_side=6)),
        label="index",
    )
    x = np.random.default_rng(seed).standard_normal(shape)
    compare_with_torch(torch, x, index, seed)
    compare_with_torch(torch, x, index[0], seed)  # a single array: whole rows
    value, grad, g = md_value_and_grad(x, index[0], seed)
    np.testing.assert_allclose(grad, numpy_reference(x, index[0], g)[1], rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=SEEDS, data=st.data())
def test_boolean_masks_like_torch(torch, shape, seed, data):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    leading = data.draw(st.integers(1, len(shape)), label="mask dims")
    mask = rng.random(shape[:leading]) < 0.5
    compare_with_torch(torch, x, mask, seed)
    compare_with_torch(torch, x, md.tensor(mask), seed)
    compare_with_torch(torch, x, md.tensor(x) > 0, seed)  # a comparison result as the mask


def test_duplicated_rows_add_up(torch, rng):
    x = rng.standard_normal((4, 3))
    compare_with_torch(torch, x, np.array([0, 0, 3, 0, -1, 2]))
    compare_with_torch(torch, x, [1, 1, 1])
    compare_with_torch(torch, x, np.array([[0, 1], [1, 1]]))
    value, grad, _ = md_value_and_grad(x, np.array([2, 2, 2]), 0)
    t = md.tensor(x, requires_grad=True)
    t[np.array([2, 2, 2])].sum().backward()
    np.testing.assert_array_equal(t.grad.array[2], [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(t.grad.array[[0, 1, 3]], 0.0)


MIXED = [
    (slice(None), [0, 1], [1, 2]),  # adjacent advanced indices stay in place
    ([0, 1], slice(None), [1, 2]),  # separated ones go first (NumPy = torch)
    (np.array([True, False]), slice(None), [0, 0]),  # mask with a duplicated integer list
    (Ellipsis, None, 1),
    (0, np.array([True, False, True])),
    (None, slice(1, None), Ellipsis, -1),
    (slice(None, None, 2), -1, np.array([3, 0, 3])),
    ([0, 0, 1], [2, 2, 0]),  # duplicated (row, column) pairs
    (slice(None), None, np.array([[0], [2]]), slice(1, 3)),
    (1, 2, 3),
    (-2, -1),
]


@pytest.mark.parametrize("index", MIXED, ids=[str(i) for i in range(len(MIXED))])
def test_mixed_indices_like_torch(torch, index):
    x = np.arange(24.0).reshape(2, 3, 4) * 0.5 - 3
    compare_with_torch(torch, x, index)


def test_tensor_indices_like_torch(torch, rng):
    x = rng.standard_normal((3, 4))
    compare_with_torch(torch, x, md.tensor([2, 2, 0]))
    compare_with_torch(torch, x, md.tensor(1))  # a 0-d integer Tensor
    compare_with_torch(torch, x, (md.tensor([0, 2]), md.tensor([3, 3])))
    compare_with_torch(torch, x, (slice(None), md.tensor([True, False, True, False])))
    t = md.tensor(x)
    assert t[md.tensor(2)].shape == (4,)
    assert x[int(md.tensor(2))].shape == (4,)  # __index__ works too


def test_integer_and_array_separated_by_a_slice_follow_numpy():
    # NumPy counts an integer as an advanced index when arrays are present, so x[-1, :, [3, 0, 3]]
    # has shape (3, 2) in NumPy but (2, 3) in torch; mathdl documents NumPy's rules and follows them
    x = np.arange(24.0).reshape(2, 3, 4)
    index = (-1, slice(None), np.array([3, 0, 3]))
    value, grad, g = md_value_and_grad(x, index, 0)
    expected_value, expected_grad = numpy_reference(x, index, g)
    assert value.shape == (3, 3) == expected_value.shape
    np.testing.assert_array_equal(value, expected_value)
    np.testing.assert_array_equal(grad, expected_grad)


def test_negative_step_slice_gradient():
    x = np.arange(6.0)
    value, grad, g = md_value_and_grad(x, slice(None, None, -2), 3)
    np.testing.assert_array_equal(value, [5.0, 3.0, 1.0])
    np.testing.assert_array_equal(grad, [0, g[2], 0, g[1], 0, g[0]])
