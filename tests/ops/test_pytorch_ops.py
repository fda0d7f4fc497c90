"""The PyTorch-named ops of issue 10: dim/keepdim with axis/keepdims aliases, max/min(dim),
argmax/argmin, amax/amin, std, any/all, clamp, gather/scatter/masked_fill/index_select,
chunk/split/narrow, repeat/flip/roll/tril/triu, sort/topk/cumsum, meshgrid, bmm. Gradients by
float64 central differences (first and, for a few, second order)."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def leaf(rng, shape):
    return md.tensor(rng.standard_normal(shape), dtype=md.float64, requires_grad=True)


def distinct(rng, shape):
    """Values far apart (no ties), so max/sort/topk are differentiable everywhere."""
    n = int(np.prod(shape))
    values = rng.permutation(n).reshape(shape) * 0.5 + rng.uniform(-0.1, 0.1, shape)
    return md.tensor(values, dtype=md.float64, requires_grad=True)


# ----- dim / axis ---------------------------------------------------------------------------------
DIM_OPS = {
    "sum": lambda x, **k: md.sum(x, **k),
    "mean": lambda x, **k: md.mean(x, **k),
    "var": lambda x, **k: md.var(x, **k),
    "std": lambda x, **k: md.std(x, **k),
    "amax": lambda x, **k: md.amax(x, **k),
    "amin": lambda x, **k: md.amin(x, **k),
    "logsumexp": lambda x, **k: md.logsumexp(x, **k),
    "argmax": lambda x, **k: md.argmax(x, **k),
    "argmin": lambda x, **k: md.argmin(x, **k),
    "any": lambda x, **k: md.any(x > 0, **k),
    "all": lambda x, **k: md.all(x > 0, **k),
    "max.values": lambda x, **k: md.max(x, **k).values,
    "min.indices": lambda x, **k: md.min(x, **k).indices,
}


@pytest.mark.parametrize("name", list(DIM_OPS))
def test_dim_and_axis_are_one_argument(rng, name):
    x = md.tensor(rng.standard_normal((3, 4, 2)))
    op = DIM_OPS[name]
    by_dim = op(x, dim=1, keepdim=True)
    assert by_dim.shape == (3, 1, 2)
    np.testing.assert_array_equal(op(x, axis=1, keepdims=True).array, by_dim.array)
    np.testing.assert_array_equal(op(x, dim=1, keepdims=True).array, by_dim.array)
    method = getattr(x, name.split(".")[0], None)
    if method is not None and name not in ("any", "all"):
        result = method(dim=-2, keepdim=True)
        result = getattr(result, name.split(".")[1]) if "." in name else result
        np.testing.assert_array_equal(result.array, by_dim.array)
    with pytest.raises(TypeError, match="got both dim=1 and axis=1"):
        op(x, dim=1, axis=1)
    with pytest.raises(TypeError, match="both keepdim and keepdims"):
        op(x, dim=1, keepdim=True, keepdims=True)


def test_shape_ops_take_dim_and_axis():
    x, y = md.ones(2, 3), md.zeros(2, 3)
    assert md.cat([x, y], dim=1).shape == (2, 6) and md.cat([x, y], axis=1).shape == (2, 6)
    assert md.cat((x, y)).shape == (4, 3) and md.concatenate([x, y], 1).shape == (2, 6)
    assert md.concatenate([x, y], dim=1).shape == (2, 6) and md.concat([x, y], -1).shape == (2, 6)
    assert md.stack([x, y], dim=2).shape == (2, 3, 2) and md.stack([x, y], axis=-1).shape == (2, 3, 2)
    assert md.squeeze(md.ones(2, 1, 1), dim=1).shape == (2, 1) and md.ones(1, 2, 1).squeeze(
        dim=(0, 2)
    ).shape == (2,)
    assert md.unsqueeze(x, dim=0).shape == (1, 2, 3) and x.unsqueeze(-1).shape == (2, 3, 1)
    assert md.softmax(x, dim=0).shape == (2, 3) and x.log_softmax(dim=1).shape == (2, 3)
    assert md.cumsum(x, dim=1).tolist() == [[1, 2, 3], [1, 2, 3]] and x.cumsum(axis=0)[1, 0].item() == 2
    for bad in (
        lambda: md.cat([x, y], dim=0, axis=1),
        lambda: md.stack([x, y], 1, axis=1),
        lambda: md.softmax(x, dim=0, axis=0),
        lambda: md.squeeze(x, 0, axis=0),
        lambda: md.split(x, 1, dim=1, axis=1),
    ):
        with pytest.raises(TypeError, match="both"):
            bad()
    with pytest.raises(TypeError, match="expected a sequence of tensors"):
        md.cat(x)


def test_size_and_positional_forms_keep_working(rng):
    x = md.tensor(rng.standard_normal((3, 4)))
    np.testing.assert_allclose(x.sum(1, True).array, x.array.sum(1, keepdims=True))
    np.testing.assert_allclose(md.mean(x, (0, 1)).array, x.array.mean())
    np.testing.assert_allclose(x.var(0, False).array, x.array.var(0))  # torch: (dim, unbiased)
    np.testing.assert_allclose(x.std(1, True, True).array, x.array.std(1, ddof=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(x.std(correction=0).array, x.array.std(), rtol=1e-6)
    with pytest.raises(TypeError, match="unbiased and correction"):
        x.var(unbiased=True, correction=1)


# ----- extremes -----------------------------------------------------------------------------------
def test_max_min_forms():
    x = md.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    assert x.max().item() == 7.0 and md.min(x).item() == 1.0
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0] and indices.dtype == np.int64
    result = md.min(x, 0, keepdim=True)
    assert result.values.shape == (1, 3) and result.indices.tolist() == [[0, 1, 0]]
    other = md.tensor([[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]])
    assert md.max(x, other).tolist() == [[3.0, 5.0, 5.0], [7.0, 3.0, 7.0]]
    assert x.min(other).tolist() == [[1.0, 3.0, 3.0], [3.0, 2.0, 3.0]]
    assert md.argmax(x).item() == 3 and md.argmax(x, dim=1).tolist() == [1, 0]
    assert x.argmin(dim=0, keepdim=True).tolist() == [[0, 1, 0]] and md.argmax(x, keepdim=True).shape == (
        1,
        1,
    )
    assert (
        md.amax(x, dim=(0, 1)).item() == 7.0 and md.amin(x).item() == 1.0 and x.amax(1).tolist() == [5.0, 7.0]
    )
    assert md.any(x > 6).item() and not md.all(x > 1).item() and (x > 0).all(dim=1).tolist() == [True, True]


def test_max_along_dim_gradient_goes_to_the_first_maximum_and_amax_splits():
    x = md.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]], requires_grad=True)
    x.max(dim=1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[0, 1, 0], [1, 0, 0]])
    x.grad = None
    md.amax(x, dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[0, 0.5, 0.5], [0.5, 0, 0.5]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.max(dim=1).values,
        lambda x: x.min(dim=0, keepdim=True).values,
        lambda x: md.amax(x, dim=(0, 2)),
        lambda x: md.amin(x, -1, True),
        lambda x: md.std(x, dim=1),
        lambda x: x.std(dim=(0, 2), keepdim=True, correction=0),
        lambda x: md.logsumexp(x, dim=-1),
    ],
    ids=["max", "min", "amax", "amin", "std", "std0", "lse"],
)
def test_reduction_gradients(rng, fn):
    assert gradcheck(fn, [distinct(rng, (3, 4, 2))])


def test_std_second_derivative(rng):
    assert gradgradcheck(lambda x: md.std(x, dim=1), [leaf(rng, (2, 5))])


# ----- elementwise clamp ----------------------------------------------------------------------------
def test_clamp_forms_and_gradients(rng):
    x = md.tensor([-2.0, 0.5, 3.0])
    assert md.clamp(x, min=0.0).tolist() == [0.0, 0.5, 3.0] and x.clamp(max=1.0).tolist() == [-2.0, 0.5, 1.0]
    assert md.clamp_min(x, 0.0).tolist() == [0.0, 0.5, 3.0] and x.clamp_max(0.0).tolist() == [-2.0, 0.0, 0.0]
    assert md.clamp(x, 2.0, 1.0).tolist() == [1.0, 1.0, 1.0]  # min > max: max, as torch
    lo, hi = md.tensor([0.0, 1.0, 0.0]), md.tensor([1.0, 2.0, 2.5])
    assert md.clamp(x, lo, hi).tolist() == [0.0, 1.0, 2.5]
    assert gradcheck(lambda t: md.clamp(t, -0.5, 0.7), [distinct(rng, (6,))])
    bounds = [leaf(rng, (6,)) * 0 - 0.3, leaf(rng, (6,)) * 0 + 0.3]
    assert gradcheck(lambda t, a, b: md.clamp(t, a, b), [distinct(rng, (6,)), *bounds])
    with pytest.raises(ValueError, match="at least one of min and max"):
        md.clamp(x)


# ----- indexing along a dim ---------------------------------------------------------------------------
def test_gather_scatter_values():
    x = md.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    index = md.tensor([[2, 0], [1, 1]])
    assert md.gather(x, 1, index).tolist() == [[3.0, 1.0], [5.0, 5.0]]
    assert x.gather(0, md.tensor([[1, 0, 1]])).tolist() == [[4.0, 2.0, 6.0]]
    src = md.tensor([[10.0, 20.0], [30.0, 40.0]])
    assert md.scatter(x, 1, index, src).tolist() == [[20.0, 2.0, 10.0], [4.0, 40.0, 6.0]]
    assert md.scatter_add(md.zeros(2, 3), 1, index, src).tolist() == [[20.0, 0.0, 10.0], [0.0, 70.0, 0.0]]
    assert md.scatter(x, 1, index, src, reduce="add").tolist() == [[21.0, 2.0, 13.0], [4.0, 75.0, 6.0]]
    assert md.scatter(md.zeros(2, 2), 0, md.tensor([[1, 0]]), value=9.0).tolist() == [[0.0, 9.0], [9.0, 0.0]]
    assert md.index_select(x, 1, md.tensor([2, 0, 2])).tolist() == [[3.0, 1.0, 3.0], [6.0, 4.0, 6.0]]
    assert x.masked_fill(x > 4, -1.0).tolist() == [[1.0, 2.0, 3.0], [4.0, -1.0, -1.0]]
    assert md.masked_fill(x, md.tensor([True, False, False]), 0.0)[:, 0].tolist() == [0.0, 0.0]


def test_indexing_errors_name_the_problem():
    x = md.zeros(2, 3)
    with pytest.raises(IndexError, match="index out of range for dimension 1 of size 3"):
        md.gather(x, 1, md.tensor([[3]]))
    with pytest.raises(ValueError, match="index has 1 dimensions, the input 2"):
        md.gather(x, 1, md.tensor([0]))
    with pytest.raises(TypeError, match="index must be an integer tensor"):
        md.gather(x, 1, md.tensor([[0.0]]))
    with pytest.raises(TypeError, match="exactly one of src"):
        md.scatter(x, 1, md.tensor([[0]]))
    with pytest.raises(ValueError, match="does not broadcast"):
        x.masked_fill(md.tensor([True, False]), 1.0)
    with pytest.raises(ValueError, match="reduce must be None or 'add'"):
        md.scatter(x, 1, md.tensor([[0]]), 1.0, reduce="max")


def test_indexing_gradients(rng):
    index = md.tensor([[2, 0, 2], [1, 1, 0]])
    assert gradcheck(lambda x: md.gather(x, 1, index), [leaf(rng, (2, 4))])
    assert gradcheck(lambda x: md.gather(x, 0, md.tensor([[1, 0], [1, 1]])), [leaf(rng, (2, 3))])
    distinct_index = md.tensor([[2, 0], [1, 3]])
    assert gradcheck(lambda x, s: md.scatter(x, 1, distinct_index, s), [leaf(rng, (2, 4)), leaf(rng, (2, 3))])
    assert gradcheck(lambda x, s: md.scatter_add(x, 1, index, s), [leaf(rng, (2, 4)), leaf(rng, (3, 3))])
    assert gradcheck(lambda x: md.index_select(x, 0, md.tensor([1, 1, 0])), [leaf(rng, (2, 3))])
    mask = md.tensor([[True, False, True], [False, False, True]])
    value = md.tensor(0.5, dtype=md.float64, requires_grad=True)
    assert gradcheck(lambda x, v: md.masked_fill(x, mask, v), [leaf(rng, (2, 3)), value])
    assert gradgradcheck(lambda x: md.gather(x, 1, index) ** 2, [leaf(rng, (2, 4))])


# ----- pieces and rearrangements --------------------------------------------------------------------
def test_chunk_split_narrow():
    x = md.arange(10)
    assert [p.tolist() for p in md.chunk(x, 3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [len(p) for p in md.chunk(md.arange(5), 4)] == [2, 2, 1]  # fewer chunks, as torch
    assert [len(p) for p in x.split(4)] == [4, 4, 2] and [len(p) for p in md.split(x, [3, 7])] == [3, 7]
    assert md.narrow(x, 0, 2, 3).tolist() == [2, 3, 4] and x.narrow(0, -2, 2).tolist() == [8, 9]
    m = md.ones(2, 6)
    assert [p.shape for p in m.chunk(2, dim=1)] == [(2, 3), (2, 3)]
    with pytest.raises(ValueError, match="do not add up"):
        md.split(x, [3, 3])
    with pytest.raises(ValueError, match="exceed dimension 0 of size 10"):
        md.narrow(x, 0, 8, 5)


def test_rearrangements():
    x = md.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.repeat(1, 2).tolist() == [[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 3.0, 4.0]]
    assert md.tensor([1.0, 2.0]).repeat(2, 1).shape == (2, 2)
    assert x.flip(0).tolist() == [[3.0, 4.0], [1.0, 2.0]] and md.flip(x, (0, 1)).tolist() == [
        [4.0, 3.0],
        [2.0, 1.0],
    ]
    assert md.roll(x, 1).tolist() == [[4.0, 1.0], [2.0, 3.0]] and x.roll(1, 1).tolist() == [
        [2.0, 1.0],
        [4.0, 3.0],
    ]
    assert md.tril(md.ones(3, 3)).sum().item() == 6 and md.triu(md.ones(3, 3), 1).sum().item() == 3
    assert x.t().tolist() == [[1.0, 3.0], [2.0, 4.0]] and x.contiguous() is x
    assert x.t().contiguous().is_contiguous() and x.view_as(md.zeros(4)).shape == (4,)
    assert x.expand(3, 2, 2).shape == (3, 2, 2) and x[:, :1].expand(-1, 5).shape == (2, 5)
    assert x.permute(1, 0).tolist() == x.T.tolist() and md.permute(x, (1, 0)).shape == (2, 2)
    assert md.transpose(md.zeros(2, 3, 4), 0, 2).shape == (4, 3, 2) and md.transpose(
        md.zeros(2, 3)
    ).shape == (3, 2)
    with pytest.raises(ValueError, match="need at least 2"):
        md.repeat(x, (2,))
    with pytest.raises(ValueError, match="at most 2|<= 2"):
        md.zeros(2, 2, 2).t()


def test_rearrangement_gradients(rng):
    for fn in (
        lambda x: x.repeat(2, 1, 3),
        lambda x: x.repeat(2, 2, 1, 1),
        lambda x: md.flip(x, (0, 2)),
        lambda x: md.roll(x, (1, -2), (0, 2)),
        lambda x: md.roll(x, 3),
        lambda x: md.tril(x, -1),
        lambda x: md.triu(x),
        lambda x: md.stack(md.chunk(x, 2, dim=2), 0),
        lambda x: md.cat(md.split(x, [1, 2], dim=1)[::-1], dim=1),
        lambda x: md.narrow(x, 2, 1, 2),
        lambda x: md.cumsum(x, dim=1),
        lambda x: x.expand(2, 2, 3, 4),
    ):
        assert gradcheck(fn, [leaf(rng, (2, 3, 4))])
    assert gradgradcheck(lambda x: md.cumsum(x, 0) ** 2, [leaf(rng, (4, 2))])
    assert gradgradcheck(lambda x: x.repeat(2, 1) ** 2, [leaf(rng, (2, 3))])


# ----- ordering -------------------------------------------------------------------------------------
def test_sort_argsort_topk_values():
    x = md.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    values, indices = md.sort(x)
    assert values.tolist() == [[1.0, 2.0, 3.0], [0.0, 5.0, 5.0]] and indices.tolist() == [
        [1, 2, 0],
        [0, 1, 2],
    ]
    result = x.sort(dim=1, descending=True)
    assert result.values.tolist() == [[3.0, 2.0, 1.0], [5.0, 5.0, 0.0]] and result.indices.tolist() == [
        [0, 2, 1],
        [1, 2, 0],
    ]
    assert md.argsort(x, dim=0).tolist() == [[1, 0, 0], [0, 1, 1]] and x.argsort(descending=True)[
        0
    ].tolist() == [0, 2, 1]
    top = md.topk(x, 2)
    assert top.values.tolist() == [[3.0, 2.0], [5.0, 5.0]] and top.indices.tolist() == [[0, 2], [1, 2]]
    assert x.topk(1, dim=0, largest=False).values.tolist() == [[0.0, 1.0, 2.0]]
    with pytest.raises(ValueError, match="k=4 is out of range"):
        md.topk(x, 4)


def test_ordering_gradients(rng):
    for fn in (
        lambda x: md.sort(x, dim=1).values,
        lambda x: md.sort(x, dim=0, descending=True).values,
        lambda x: md.topk(x, 2, dim=-1).values,
        lambda x: x.topk(1, dim=0, largest=False).values,
    ):
        assert gradcheck(fn, [distinct(rng, (3, 4))])


# ----- grids and products ---------------------------------------------------------------------------
def test_meshgrid_and_products(rng):
    a, b = md.tensor([1.0, 2.0]), md.tensor([10.0, 20.0, 30.0])
    ii, jj = md.meshgrid(a, b)
    assert ii.shape == (2, 3) and ii[:, 0].tolist() == [1.0, 2.0] and jj[0].tolist() == [10.0, 20.0, 30.0]
    xx, yy = md.meshgrid([a, b], indexing="xy")
    np_x, np_y = np.meshgrid(a.array, b.array)
    np.testing.assert_array_equal(xx.array, np_x)
    np.testing.assert_array_equal(yy.array, np_y)
    assert gradcheck(
        lambda p, q: md.meshgrid(p, q)[0] * md.meshgrid(p, q)[1], [leaf(rng, (2,)), leaf(rng, (3,))]
    )
    with pytest.raises(ValueError, match="indexing must be 'ij' or 'xy'"):
        md.meshgrid(a, b, indexing="ji")
    assert gradcheck(md.bmm, [leaf(rng, (2, 3, 4)), leaf(rng, (2, 4, 5))])
    assert gradcheck(lambda p, q: p.mm(q), [leaf(rng, (3, 4)), leaf(rng, (4, 2))])
    with pytest.raises(ValueError, match="bmm: expects two 3-d tensors"):
        md.bmm(md.zeros(2, 3), md.zeros(3, 2))


# ----- the out-of-place ops behind overwriting in-place methods ---------------------------------------
def test_in_place_ops_gradients(rng):
    from mathdl.ops.inplace import copy_from, index_put, overwrite

    assert gradcheck(lambda x, s: copy_from(x, s), [leaf(rng, (2, 3)), leaf(rng, (3,))])
    assert gradcheck(lambda x, v: index_put(x, (slice(None), 1), v), [leaf(rng, (2, 3)), leaf(rng, (2,))])
    assert gradcheck(lambda x, v: index_put(x, md.tensor([0, 2]), v), [leaf(rng, (4,)), leaf(rng, ())])
    x = leaf(rng, (2,))
    (g,) = md.grad(overwrite(x, 3.0).sum(), x)
    assert g.tolist() == [0.0, 0.0]
