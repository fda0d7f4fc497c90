"""x[index]: float64 finite differences for every kind of index (slices, negative indices and
steps, integer arrays with duplicates, boolean masks, Tensor indices, None/Ellipsis, mixed),
the scatter-add adjoint, and errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck

INDICES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "negative step": slice(None, None, -2),
    "tuple of slices": (slice(None), slice(0, 4, 2)),
    "int array with duplicates": np.array([0, 2, 0, 0, -1]),
    "list": [2, 2, 1],
    "2-d int array": np.array([[0, 1], [1, 1]]),
    "pairs with duplicates": (np.array([0, 0, 2]), np.array([1, 1, 3])),
    "boolean mask rows": np.array([True, False, True]),
    "boolean mask full": np.arange(24).reshape(3, 4, 2) % 3 == 0,
    "Tensor ints": md.tensor([1, 1, 0]),
    "Tensor mask": md.tensor([False, True, True]),
    "0-d Tensor": md.tensor(2),
    "None": (None, slice(None), 0),
    "Ellipsis": (Ellipsis, 1),
    "Ellipsis and None": (0, Ellipsis, None),
    "mixed": (slice(None), np.array([0, 3, 3]), 1),
    "mixed separated": (np.array([0, 2]), slice(None), np.array([1, 1])),
    "mask and int array": (np.array([True, False, True]), np.array([3, 3])),
}


@pytest.mark.parametrize("name", sorted(INDICES))
def test_indexing_gradients_match_finite_differences(rng, name):
    x = md.tensor(rng.standard_normal((3, 4, 2)), requires_grad=True)
    index = INDICES[name]
    assert gradcheck(lambda t: t[index], [x])
    assert gradgradcheck(lambda t: t[index] ** 2, [x])


def as_numpy_index(index):
    if isinstance(index, tuple):
        return tuple(as_numpy_index(i) for i in index)
    if isinstance(index, md.Tensor):
        return index.array
    return np.asarray(index) if isinstance(index, list) else index


@pytest.mark.parametrize("name", sorted(INDICES))
def test_indexing_matches_numpy_and_its_gradient_is_np_add_at(rng, name):
    data = rng.standard_normal((3, 4, 2))
    index = INDICES[name]
    x = md.tensor(data, requires_grad=True)
    y = x[index]
    numpy_index = as_numpy_index(index)
    np.testing.assert_array_equal(y.array, data[numpy_index])
    g = rng.standard_normal(y.shape)
    y.backward(md.tensor(g))
    expected = np.zeros_like(data)
    np.add.at(expected, numpy_index, g)
    np.testing.assert_allclose(x.grad.array, expected, rtol=1e-14, atol=1e-15)


def test_duplicate_indices_add_up():
    x = md.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 0.0, 1.0])
    m = md.tensor(np.zeros((3, 2)), requires_grad=True)
    m[np.array([2, -1, 0])].sum().backward()  # -1 and 2 name the same row
    np.testing.assert_array_equal(m.grad.array, [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]])


def test_indexing_keeps_dtype_and_the_view_semantics_of_numpy():
    x = md.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    y = x[:, 1]
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.array, [[0, 1, 0], [0, 1, 0]])


def test_large_row_gather_scatter_is_exact(rng):
    # the row-gather backward (sort + reduceat) on many repeated rows, against np.add.at
    table = md.tensor(rng.standard_normal((50, 4)), requires_grad=True)
    rows = rng.integers(-50, 50, size=(30, 20))
    y = table[rows]
    g = rng.standard_normal(y.shape)
    y.backward(md.tensor(g))
    expected = np.zeros((50, 4))
    np.add.at(expected, rows, g)
    np.testing.assert_allclose(table.grad.array, expected, rtol=1e-12, atol=1e-12)


def test_setitem_on_a_tensor_that_requires_grad_is_refused():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad .* in-place operation"):
        x[0] = 5.0
    with md.no_grad():
        x[0] = 5.0
    assert x.array[0] == 5.0
    y = md.tensor([1.0, 2.0, 3.0])
    y[md.tensor([True, False, True])] = md.tensor(0.0)
    np.testing.assert_array_equal(y.array, [0.0, 2.0, 0.0])


def test_index_errors_name_the_shape():
    x = md.ones(2, 3)
    with pytest.raises(IndexError, match=r"index into a tensor of shape \(2, 3\): index 5 is out of bounds"):
        x[5]
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        x[np.array([0, 7])]
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        x[0, 0, 0]
