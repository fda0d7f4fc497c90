"""The PyTorch-named Tensor ops against PyTorch itself: values and gradients in float64, over
random shapes and dims (hypothesis), with PyTorch's own argument spelling on both sides."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import mathdl as md
from torch_oracle import compare_with_torch

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def shape_and_dim(draw, min_dims=1, max_dims=4):
    shape = draw(array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=4))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


def distinct(shape, seed):
    """Values without ties (sort, topk, max(dim) are then unambiguous)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) + rng.uniform(-0.2, 0.2, shape)) * 0.37


REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(dim=d, keepdim=k), lambda x, d, k: x.sum(dim=d, keepdim=k)),
    "mean": (lambda x, d, k: x.mean(dim=d, keepdim=k), lambda x, d, k: x.mean(dim=d, keepdim=k)),
    "var": (lambda x, d, k: x.var(dim=d, keepdim=k), lambda x, d, k: x.var(dim=d, keepdim=k)),
    "std": (lambda x, d, k: x.std(dim=d, keepdim=k), lambda x, d, k: x.std(dim=d, keepdim=k)),
    "std0": (
        lambda x, d, k: md.std(x, d, keepdim=k, correction=0),
        lambda x, d, k: x.std(dim=d, keepdim=k, correction=0),
    ),
    "amax": (lambda x, d, k: x.amax(dim=d, keepdim=k), lambda x, d, k: x.amax(dim=d, keepdim=k)),
    "amin": (lambda x, d, k: md.amin(x, d, k), lambda x, d, k: x.amin(dim=d, keepdim=k)),
    "logsumexp": (
        lambda x, d, k: x.logsumexp(dim=d, keepdim=k),
        lambda x, d, k: x.logsumexp(dim=d, keepdim=k),
    ),
    "max.values": (
        lambda x, d, k: x.max(dim=d, keepdim=k).values,
        lambda x, d, k: x.max(dim=d, keepdim=k).values,
    ),
    "min.values": (lambda x, d, k: md.min(x, d, k).values, lambda x, d, k: x.min(dim=d, keepdim=k).values),
    "softmax": (lambda x, d, k: x.softmax(dim=d), lambda x, d, k: x.softmax(dim=d)),
    "log_softmax": (lambda x, d, k: md.log_softmax(x, dim=d), lambda x, d, k: x.log_softmax(dim=d)),
    "cumsum": (lambda x, d, k: x.cumsum(dim=d), lambda x, d, k: x.cumsum(dim=d)),
    "sort.values": (
        lambda x, d, k: x.sort(dim=d, descending=k).values,
        lambda x, d, k: x.sort(dim=d, descending=k).values,
    ),
    "flip": (lambda x, d, k: x.flip(d), lambda x, d, k: x.flip(d)),
    "roll": (lambda x, d, k: x.roll(2, d), lambda x, d, k: x.roll(2, d)),
    "chunk": (lambda x, d, k: md.cat(x.chunk(2, dim=d)[::-1], d), lambda x, d, k: x.chunk(2, dim=d)[::-1]),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@SETTINGS
@given(shape_dim=shape_and_dim(), keepdim=st.booleans(), seed=SEEDS)
def test_dim_ops_like_torch(torch, name, shape_dim, keepdim, seed):
    shape, dim = shape_dim
    ours, theirs = REDUCTIONS[name]
    if name == "chunk":
        theirs = lambda x, d, k: torch.cat(x.chunk(2, dim=d)[::-1], d)  # noqa: E731
    if name in ("var", "std") and shape[dim] == 1:
        return  # one sample: n − 1 = 0, nan in both (compared elsewhere)
    compare_with_torch(
        torch,
        lambda x: ours(x, dim, keepdim),
        lambda x: theirs(x, dim, keepdim),
        [distinct(shape, seed)],
        seed,
        rtol=1e-9,
        atol=1e-11,
    )


@pytest.mark.parametrize("name", ["max", "min", "sort", "topk", "argmax", "argmin", "argsort"])
@SETTINGS
@given(shape_dim=shape_and_dim(), keepdim=st.booleans(), seed=SEEDS)
def test_indices_like_torch(torch, name, shape_dim, keepdim, seed):
    shape, dim = shape_dim
    x = distinct(shape, seed)
    ours, theirs = md.tensor(x), torch.tensor(x)
    if name in ("max", "min"):
        a, b = getattr(ours, name)(dim, keepdim).indices, getattr(theirs, name)(dim, keepdim).indices
    elif name == "sort":
        a, b = ours.sort(dim, descending=keepdim).indices, theirs.sort(dim, descending=keepdim).indices
    elif name == "topk":
        k = min(2, shape[dim])
        a, b = ours.topk(k, dim, largest=keepdim).indices, theirs.topk(k, dim, largest=keepdim).indices
    elif name == "argsort":
        a, b = md.argsort(ours, dim, keepdim), torch.argsort(theirs, dim, keepdim)
    else:
        a, b = getattr(md, name)(ours, dim, keepdim), getattr(torch, name)(theirs, dim, keepdim)
    assert a.dtype == np.int64 and a.shape == tuple(b.shape)
    np.testing.assert_array_equal(a.array, b.numpy())


@SETTINGS
@given(shape_dim=shape_and_dim(), k=st.integers(1, 4), largest=st.booleans(), seed=SEEDS)
def test_topk_values_and_gradients_like_torch(torch, shape_dim, k, largest, seed):
    shape, dim = shape_dim
    k = min(k, shape[dim])
    compare_with_torch(
        torch,
        lambda x: x.topk(k, dim, largest=largest).values,
        lambda x: x.topk(k, dim, largest=largest).values,
        [distinct(shape, seed)],
        seed,
    )


@SETTINGS
@given(shape_dim=shape_and_dim(), seed=SEEDS)
def test_gather_scatter_like_torch(torch, shape_dim, seed):
    shape, dim = shape_dim
    rng = np.random.default_rng(seed)
    index_shape = tuple(rng.integers(1, s + 1) for s in shape)
    index = rng.integers(0, shape[dim], size=index_shape)
    # distinct positions along dim for scatter (repeated writes are undefined in torch)
    d = dim % len(shape)
    unique = np.argsort(rng.random(index_shape[:d] + (shape[d],) + index_shape[d + 1 :]), axis=d)
    unique = np.take(unique, np.arange(index_shape[dim]), axis=dim)
    src = rng.standard_normal(index_shape)
    ti, tu = torch.tensor(index), torch.tensor(unique)
    mi, mu = md.tensor(index), md.tensor(unique)
    x = rng.standard_normal(shape)
    compare_with_torch(torch, lambda a: a.gather(dim, mi), lambda a: a.gather(dim, ti), [x], seed)
    compare_with_torch(
        torch, lambda a, s: a.scatter(dim, mu, s), lambda a, s: a.scatter(dim, tu, s), [x, src], seed
    )
    compare_with_torch(
        torch,
        lambda a, s: md.scatter_add(a, dim, mi, s),
        lambda a, s: a.scatter_add(dim, ti, s),
        [x, src],
        seed,
    )
    picks = rng.integers(0, shape[dim], size=5)
    compare_with_torch(
        torch,
        lambda a: a.index_select(dim, md.tensor(picks)),
        lambda a: a.index_select(dim, torch.tensor(picks)),
        [x],
        seed,
    )


@SETTINGS
@given(
    shape=array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4),
    seed=SEEDS,
    diagonal=st.integers(-2, 2),
)
def test_shape_ops_like_torch(torch, shape, seed, diagonal):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    reps = tuple(int(r) for r in rng.integers(1, 3, size=len(shape) + 1))
    mask = rng.random(shape) < 0.5
    pairs = [
        (lambda a: a.repeat(*reps), lambda a: a.repeat(*reps)),
        (lambda a: md.tril(a, diagonal), lambda a: torch.tril(a, diagonal)),
        (lambda a: a.triu(diagonal), lambda a: a.triu(diagonal)),
        (lambda a: md.roll(a, 3), lambda a: torch.roll(a, 3)),
        (lambda a: md.roll(a, (1, -1), (0, -1)), lambda a: torch.roll(a, (1, -1), (0, -1))),
        (lambda a: a.masked_fill(md.tensor(mask), 0.5), lambda a: a.masked_fill(torch.tensor(mask), 0.5)),
        (lambda a: a.clamp(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5)),
        (lambda a: a.clamp(min=0.1), lambda a: a.clamp(min=0.1)),
        (lambda a: md.split(a, 2, dim=1)[-1], lambda a: torch.split(a, 2, dim=1)[-1]),
        (lambda a: a.narrow(-1, 0, 1), lambda a: a.narrow(-1, 0, 1)),
        (lambda a: a.t() if a.ndim == 2 else a.mT, lambda a: a.t() if a.ndim == 2 else a.mT),
        (lambda a: a.expand(2, *a.shape), lambda a: a.expand(2, *a.shape)),
        (
            lambda a: md.permute(a, tuple(range(a.ndim))[::-1]),
            lambda a: a.permute(*range(a.ndim - 1, -1, -1)),
        ),
    ]
    for ours, theirs in pairs:
        compare_with_torch(torch, ours, theirs, [x], seed)


def test_meshgrid_bmm_and_elementwise_max_like_torch(torch, rng):
    a, b, c = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(4)
    for indexing in ("ij", "xy"):
        for k in range(3):
            compare_with_torch(
                torch,
                lambda p, q, r: md.meshgrid(p, q, r, indexing=indexing)[k],
                lambda p, q, r: torch.meshgrid(p, q, r, indexing=indexing)[k],
                [a, b, c],
            )
    compare_with_torch(
        torch, md.bmm, torch.bmm, [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 2))]
    )
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    compare_with_torch(torch, md.max, torch.max, [x, y])
    compare_with_torch(torch, lambda p, q: p.min(q), lambda p, q: p.min(q), [x, y])
    lo, hi = rng.standard_normal(4) - 1, rng.standard_normal(4) + 1
    compare_with_torch(torch, lambda p, q, r: p.clamp(q, r), lambda p, q, r: p.clamp(q, r), [x, lo, hi])


def test_dtype_inference_like_torch(torch):
    for data in ([1, 2], [1.0, 2.0], [True, False], [[1, 2.5]], 3, 2.5, True):
        assert str(md.tensor(data).dtype) == str(torch.tensor(data).dtype).replace("torch.", "")
    for make in ("zeros", "ones", "rand", "randn"):
        assert str(getattr(md, make)(2).dtype) == str(getattr(torch, make)(2).dtype).replace("torch.", "")
    assert str(md.arange(3).dtype) == str(torch.arange(3).dtype).replace("torch.", "")
    assert str(md.arange(0.0, 1.0, 0.5).dtype) == str(torch.arange(0.0, 1.0, 0.5).dtype).replace("torch.", "")
    assert str(md.full((2,), 7).dtype) == str(torch.full((2,), 7).dtype).replace("torch.", "")
    assert md.Tensor(2, 3).shape == tuple(torch.Tensor(2, 3).shape)
    assert str(md.Tensor([1, 2]).dtype) == str(torch.Tensor([1, 2]).dtype).replace("torch.", "")
    assert md.tensor([1.5, -2.5]).long().tolist() == torch.tensor([1.5, -2.5]).long().tolist()
    assert md.tensor([[1, 2]]).sum().dtype == np.int64 and torch.tensor([[1, 2]]).sum().dtype == torch.int64


def in_place_program(a, b):
    """The same lines for both libraries: writes into a non-leaf, after a consumer was recorded."""
    y = a * 2
    before = y.exp()  # recorded before the writes: means exp(2a)
    y.add_(b, alpha=0.5)
    y.mul_(b)
    y[1] = 3.0
    y.clamp_(-1.0, 1.0)
    y -= a
    return before.sum() + (y * y).sum()


def test_in_place_on_non_leaf_like_torch(torch, rng):
    x, c = rng.standard_normal(5), rng.standard_normal(5)
    ours = [md.tensor(v, dtype=md.float64, requires_grad=True) for v in (x, c)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, c)]
    loss, t_loss = in_place_program(*ours), in_place_program(*theirs)
    loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-12)


def test_version_counter_error_like_torch(torch):
    for lib in (md, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        e = a.exp()
        e.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            e.sum().backward()
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(
            RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"
        ):
            w.add_(1.0)


# Everyday calls: the same lambda on a mathdl tensor (L = mathdl) and a torch tensor (L = torch)
# gives the same shape, dtype and values.
HABITS = {
    "max keepdim": lambda L, t: t.max(dim=1, keepdim=True).values,
    "argmax0d": lambda L, t: t.sum().argmax(),
    "std": lambda L, t: t.std(),
    "var0": lambda L, t: t.var(0, False),
    "view": lambda L, t: t.view(2, -1),
    "expand": lambda L, t: t[:, :1].expand(-1, 5),
    "split": lambda L, t: L.cat(L.split(t, [1, 3], dim=1)[::-1], 1),
    "squeeze": lambda L, t: t.unsqueeze(1).squeeze(1),
    "new_tensor": lambda L, t: t.new_tensor([1, 2]),
    "new_zeros": lambda L, t: t.new_zeros(2, 3),
    "new_full": lambda L, t: t.new_full((2,), 3),
    "any": lambda L, t: (t > 0).any(dim=0),
    "clamp": lambda L, t: t.clamp(min=0),
    "cumsum": lambda L, t: t.cumsum(0),
    "tril": lambda L, t: L.tril(t, 1),
    "topk": lambda L, t: t.topk(2).indices,
    "sort": lambda L, t: t.sort(descending=True).values,
    "roll": lambda L, t: t.roll(1, 0),
    "flip": lambda L, t: t.flip(1),
    "repeat": lambda L, t: t.repeat(2, 1),
    "chunk": lambda L, t: t.chunk(3, 1)[-1],
    "gather": lambda L, t: t.gather(1, L.tensor([[0], [1], [3]])),
    "masked_fill": lambda L, t: t.masked_fill(t < 0, 0.0),
    "index_select": lambda L, t: t.index_select(0, L.tensor([2, 0])),
    "mean_int": lambda L, t: L.tensor([1, 2, 4]).float().mean(),
    "sum_bool": lambda L, t: (t > 0).sum(),
    "argmin_kd": lambda L, t: t.argmin(dim=0, keepdim=True),
    "amin": lambda L, t: t.amin(dim=(0, 1)),
    "narrow": lambda L, t: t.narrow(1, 1, 2),
    "t": lambda L, t: t.t(),
    "arange": lambda L, t: L.arange(1, 4),
    "full": lambda L, t: L.full((2, 2), 1.5),
    "meshgrid": lambda L, t: L.meshgrid(L.arange(2), L.arange(3), indexing="ij")[1],
    "long": lambda L, t: t.long(),
    "to": lambda L, t: t.to(L.float64),
    "minimum_op": lambda L, t: L.min(t, L.zeros(3, 4)),
    "prod_shape": lambda L, t: L.tensor(t.size(0) * t.size(1)),
    "logsoftmax": lambda L, t: L.log_softmax(t, dim=0),
}


@pytest.mark.parametrize("name", list(HABITS))
def test_everyday_calls_give_torchs_shape_dtype_and_values(torch, name):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    ours, theirs = HABITS[name](md, md.tensor(x)), HABITS[name](torch, torch.tensor(x))
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.array, theirs.numpy(), atol=1e-6)


def self_referential_writes(lib, a):
    """In-place writes whose right-hand side reads the tensor being written (the graph loops back
    through the write: the backward order must follow the nodes each op saw)."""
    h = a * 1
    h[:, :1] = 2 * h[:, :1]
    y = h.sum(dim=1) * 1
    z = y * 2
    y.add_(z)
    x = a[0] * 1
    x[0] = x[1] * 3
    x[1] = x[0] + 1
    w = a[1] * 1
    w.mul_(w.sum())
    return (h * h).sum() + (y * y).sum() + (x * x).sum() + (w * w).sum()


def test_self_referential_in_place_writes_like_torch(torch, rng):
    values = rng.standard_normal((2, 2))
    ours = md.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    loss, t_loss = self_referential_writes(md, ours), self_referential_writes(torch, theirs)
    loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "neg"])
def test_unary_in_place_methods_like_torch(torch, rng, name):
    values = rng.uniform(0.5, 2.0, 4) * rng.choice([-1.0, 1.0], 4)
    if name in ("log", "sqrt"):
        values = np.abs(values)

    def program(lib, a):
        y = a * 1.5
        getattr(y, name + "_")()
        return (y * y).sum()

    ours, theirs = md.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    program(md, ours).backward()
    program(torch, theirs).backward()
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-12)
    plain = md.tensor(values)
    getattr(plain, name + "_")()
    np.testing.assert_allclose(plain.array, getattr(torch.tensor(values), name)().numpy(), rtol=1e-12)
