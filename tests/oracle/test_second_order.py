"""Second (and third) derivatives against PyTorch: for every op f, the Hessian-vector product of
s(x) = ⟨w, f(x)³⟩ taken by differentiating md.grad(…, create_graph=True) once more must equal
torch.autograd.grad twice. Cubing the output makes the HVP non-zero even for linear ops, and it
checks that each op's backward is itself differentiable in the upstream gradient."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import mathdl as md


def hvp_md(md_fn, arrays, w, vectors):
    xs = [md.tensor(a, requires_grad=True) for a in arrays]
    y = md_fn(*xs)
    s = (y * y * y * md.tensor(w)).sum()
    grads = md.grad(s, xs, create_graph=True, allow_unused=True)
    inner = None
    for g, v in zip(grads, vectors):
        if g is not None:
            term = (g * md.tensor(v)).sum()
            inner = term if inner is None else inner + term
    if inner is None or not inner.requires_grad:
        return grads, [np.zeros(a.shape) for a in arrays]
    hv = md.grad(inner, xs, allow_unused=True)
    return grads, [np.zeros(a.shape) if h is None else h.array for a, h in zip(arrays, hv)]


def hvp_torch(torch, torch_fn, arrays, w, vectors):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = torch_fn(*ts)
    s = (y * y * y * torch.tensor(w)).sum()
    grads = torch.autograd.grad(s, ts, create_graph=True, allow_unused=True)
    inner = sum((g * torch.tensor(v)).sum() for g, v in zip(grads, vectors) if g is not None)
    if not isinstance(inner, torch.Tensor) or not inner.requires_grad:
        return grads, [np.zeros(a.shape) for a in arrays]
    hv = torch.autograd.grad(inner, ts, allow_unused=True)
    return grads, [np.zeros(a.shape) if h is None else h.numpy() for a, h in zip(arrays, hv)]


def compare_hvp(torch, md_fn, torch_fn, arrays, seed=0, rtol=1e-9, atol=1e-10):
    rng = np.random.default_rng(seed)
    with md.no_grad():
        out_shape = md_fn(*[md.tensor(a) for a in arrays]).shape
    w = rng.standard_normal(out_shape)
    vectors = [rng.standard_normal(a.shape) for a in arrays]
    grads, hv = hvp_md(md_fn, arrays, w, vectors)
    t_grads, t_hv = hvp_torch(torch, torch_fn, arrays, w, vectors)
    for a, g, tg in zip(arrays, grads, t_grads):
        g = np.zeros(a.shape) if g is None else g.array
        tg = np.zeros(a.shape) if tg is None else tg.detach().numpy()
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol)
    for h, th in zip(hv, t_hv):
        np.testing.assert_allclose(h, th, rtol=rtol, atol=atol)


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _ties(rng, shape):
    return rng.integers(-2, 3, size=shape).astype(np.float64) + 0.0


def ops(torch):
    """name -> (mathdl fn, torch fn, input shapes, sampler)."""
    import torch.nn.functional as F

    return {
        "add": (lambda a, b: a + b, lambda a, b: a + b, [(2, 3), (3,)], _normal),
        "sub": (lambda a, b: a - b, lambda a, b: a - b, [(2, 1), (1, 3)], _normal),
        "mul": (lambda a, b: a * b, lambda a, b: a * b, [(2, 3), (2, 3)], _normal),
        "div": (lambda a, b: a / b, lambda a, b: a / b, [(2, 3), (3,)], _positive),
        "neg": (lambda a: -a, lambda a: -a, [(2, 3)], _normal),
        "pow tensor**scalar": (lambda a: a**2.5, lambda a: a**2.5, [(2, 3)], _positive),
        "pow tensor**int": (lambda a: a**3, lambda a: a**3, [(2, 3)], _normal),
        "pow tensor**tensor": (lambda a, b: a**b, lambda a, b: a**b, [(2, 3), (3,)], _positive),
        "pow scalar**tensor": (lambda a: 1.7**a, lambda a: 1.7**a, [(2, 3)], _normal),
        "matmul": (md.matmul, torch.matmul, [(2, 3), (3, 4)], _normal),
        "matmul batched": (md.matmul, torch.matmul, [(2, 1, 2, 3), (3, 3, 2)], _normal),
        "matmul 1d@2d": (md.matmul, torch.matmul, [(3,), (3, 2)], _normal),
        "matmul 2d@1d": (md.matmul, torch.matmul, [(2, 3), (3,)], _normal),
        "matmul 1d@1d": (md.matmul, torch.matmul, [(3,), (3,)], _normal),
        "exp": (md.exp, torch.exp, [(2, 3)], _normal),
        "log": (md.log, torch.log, [(2, 3)], _positive),
        "sqrt": (md.sqrt, torch.sqrt, [(2, 3)], _positive),
        # torch.abs's double backward imports ~800 modules (4 s); away from 0 this is the same function
        "abs": (md.abs, lambda a: torch.where(a > 0, a, -a), [(2, 3)], _normal),
        "tanh": (md.tanh, torch.tanh, [(2, 3)], _normal),
        "sigmoid": (md.sigmoid, torch.sigmoid, [(2, 3)], _normal),
        "relu": (md.relu, torch.relu, [(2, 3)], _normal),
        "clip": (lambda a: md.clip(a, -0.5, 0.7), lambda a: torch.clamp(a, -0.5, 0.7), [(3, 4)], _normal),
        "maximum": (md.maximum, torch.maximum, [(2, 3), (3,)], _ties),
        "minimum": (md.minimum, torch.minimum, [(2, 3), (2, 1)], _ties),
        "where": (
            lambda a, b: md.where(np.array([True, False, True]), a, b),
            lambda a, b: torch.where(torch.tensor([True, False, True]), a, b),
            [(2, 3), (2, 1)],
            _normal,
        ),
        "sum": (lambda a: a.sum(axis=1), lambda a: a.sum(1), [(2, 3)], _normal),
        "sum all": (lambda a: a.sum(), lambda a: a.sum(), [(2, 3)], _normal),
        "mean": (
            lambda a: a.mean(axis=0, keepdims=True),
            lambda a: a.mean(0, keepdim=True),
            [(2, 3)],
            _normal,
        ),
        "var": (lambda a: a.var(axis=1), lambda a: a.var(1), [(2, 4)], _normal),
        "var correction=0": (lambda a: a.var(correction=0), lambda a: a.var(correction=0), [(2, 4)], _normal),
        "max": (lambda a: a.max(), lambda a: a.max(), [(2, 3)], _ties),
        "max axis": (lambda a: a.max(axis=1).values, lambda a: a.max(1).values, [(3, 4)], _ties),
        "min axes": (lambda a: a.min(axis=(0, 2)), lambda a: torch.amin(a, (0, 2)), [(2, 3, 2)], _ties),
        "logsumexp": (lambda a: md.logsumexp(a, 1), lambda a: torch.logsumexp(a, 1), [(2, 4)], _normal),
        "softmax": (lambda a: md.softmax(a, 0), lambda a: torch.softmax(a, 0), [(3, 4)], _normal),
        "log_softmax": (
            lambda a: md.log_softmax(a, -1),
            lambda a: torch.log_softmax(a, -1),
            [(3, 4)],
            _normal,
        ),
        "reshape": (lambda a: a.reshape(3, 2), lambda a: a.reshape(3, 2), [(2, 3)], _normal),
        "transpose": (lambda a: a.transpose(2, 0, 1), lambda a: a.permute(2, 0, 1), [(2, 3, 2)], _normal),
        "swapaxes": (lambda a: a.swapaxes(0, 2), lambda a: a.transpose(0, 2), [(2, 3, 2)], _normal),
        "flatten": (lambda a: a.flatten(1), lambda a: a.flatten(1), [(2, 3, 2)], _normal),
        "squeeze": (lambda a: a.squeeze(), lambda a: a.squeeze(), [(2, 1, 3)], _normal),
        "unsqueeze": (lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(1), [(2, 3)], _normal),
        "broadcast_to": (
            lambda a: md.broadcast_to(a, (2, 4, 3)),
            lambda a: a.expand(2, 4, 3),
            [(4, 1)],
            _normal,
        ),
        "getitem slices": (lambda a: a[1:, ::2], lambda a: a[1:, ::2], [(3, 4)], _normal),
        "getitem duplicates": (lambda a: a[[0, 2, 0, 0]], lambda a: a[[0, 2, 0, 0]], [(3, 2)], _normal),
        "getitem mask": (
            lambda a: a[np.array([True, False, True])],
            lambda a: a[torch.tensor([True, False, True])],
            [(3, 2)],
            _normal,
        ),
        "getitem pairs": (
            lambda a: a[[0, 0, 1], [1, 1, 0]],
            lambda a: a[[0, 0, 1], [1, 1, 0]],
            [(2, 2)],
            _normal,
        ),
        "concatenate": (
            lambda a, b: md.concatenate([a, b], axis=1),
            lambda a, b: torch.cat([a, b], 1),
            [(2, 3), (2, 1)],
            _normal,
        ),
        "stack": (
            lambda a, b: md.stack([a, b], axis=-1),
            lambda a, b: torch.stack([a, b], -1),
            [(2, 3), (2, 3)],
            _normal,
        ),
        "pad": (lambda a: md.pad(a, [(1, 0), (2, 1)]), lambda a: F.pad(a, (2, 1, 1, 0)), [(2, 3)], _normal),
        "einsum matmul": (
            lambda a, b: md.einsum("ij,jk->ik", a, b),
            lambda a, b: torch.einsum("ij,jk->ik", a, b),
            [(2, 3), (3, 2)],
            _normal,
        ),
        "einsum diagonal": (
            lambda a: md.einsum("ii->i", a),
            lambda a: torch.einsum("ii->i", a),
            [(3, 3)],
            _normal,
        ),
        "einsum trace": (lambda a: md.einsum("ii", a), lambda a: torch.einsum("ii", a), [(3, 3)], _normal),
        "einsum three": (
            lambda a, b, c: md.einsum("i,ij,j->", a, b, c),
            lambda a, b, c: torch.einsum("i,ij,j->", a, b, c),
            [(2,), (2, 3), (3,)],
            _normal,
        ),
    }


# the names, spelled out so that parametrisation does not need torch at collection time
OP_NAMES = [
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow tensor**scalar",
    "pow tensor**int",
    "pow tensor**tensor",
    "pow scalar**tensor",
    "matmul",
    "matmul batched",
    "matmul 1d@2d",
    "matmul 2d@1d",
    "matmul 1d@1d",
    "exp",
    "log",
    "sqrt",
    "abs",
    "tanh",
    "sigmoid",
    "relu",
    "clip",
    "maximum",
    "minimum",
    "where",
    "sum",
    "sum all",
    "mean",
    "var",
    "var correction=0",
    "max",
    "max axis",
    "min axes",
    "logsumexp",
    "softmax",
    "log_softmax",
    "reshape",
    "transpose",
    "swapaxes",
    "flatten",
    "squeeze",
    "unsqueeze",
    "broadcast_to",
    "getitem slices",
    "getitem duplicates",
    "getitem mask",
    "getitem pairs",
    "concatenate",
    "stack",
    "pad",
    "einsum matmul",
    "einsum diagonal",
    "einsum trace",
    "einsum three",
]


@pytest.mark.parametrize("name", OP_NAMES)
def test_hessian_vector_product_like_torch(torch, name):
    md_fn, torch_fn, shapes, sample = ops(torch)[name]
    rng = np.random.default_rng(7)
    arrays = [sample(rng, s) for s in shapes]
    compare_hvp(torch, md_fn, torch_fn, arrays)


def test_op_list_covers_every_entry(torch):
    assert sorted(OP_NAMES) == sorted(ops(torch))


def test_third_derivative_of_x4(torch):
    # d/dx x⁴ = 4x³, d²/dx² = 12x², d³/dx³ = 24x
    values = np.array([-1.5, 0.5, 2.0])
    x = md.tensor(values, requires_grad=True)
    (g1,) = md.grad((x**4).sum(), x, create_graph=True)
    (g2,) = md.grad(g1.sum(), x, create_graph=True)
    (g3,) = md.grad(g2.sum(), x)
    np.testing.assert_allclose(g1.array, 4 * values**3, rtol=1e-14)
    np.testing.assert_allclose(g2.array, 12 * values**2, rtol=1e-14)
    np.testing.assert_allclose(g3.array, 24 * values, rtol=1e-14)
    t = torch.tensor(values, requires_grad=True)
    (t1,) = torch.autograd.grad((t**4).sum(), t, create_graph=True)
    (t2,) = torch.autograd.grad(t1.sum(), t, create_graph=True)
    (t3,) = torch.autograd.grad(t2.sum(), t)
    np.testing.assert_allclose(g3.array, t3.numpy(), rtol=1e-14)


def test_full_hessian_of_a_small_network_like_torch(torch, rng):
    # f(w) = Σ log_softmax(tanh(x W₁) W₂)[y]: a real loss, its Hessian row by row
    x = rng.standard_normal((4, 3))
    w1, w2 = rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    y = np.array([0, 1, 1, 0])

    def md_loss(flat):
        a, b = flat[:15].reshape(3, 5), flat[15:].reshape(5, 2)
        logits = md.tanh(md.tensor(x) @ a) @ b
        return -md.log_softmax(logits, 1)[np.arange(4), y].mean()

    def torch_loss(flat):
        a, b = flat[:15].reshape(3, 5), flat[15:].reshape(5, 2)
        logits = torch.tanh(torch.tensor(x) @ a) @ b
        return -torch.log_softmax(logits, 1)[torch.arange(4), torch.tensor(y)].mean()

    flat0 = np.concatenate([w1.ravel(), w2.ravel()])
    w = md.tensor(flat0, requires_grad=True)
    (g,) = md.grad(md_loss(w), w, create_graph=True)
    hessian = np.stack(
        [md.grad(g[i], w, retain_graph=True, allow_unused=True)[0].array for i in range(flat0.size)]
    )
    expected = torch.autograd.functional.hessian(torch_loss, torch.tensor(flat0)).numpy()
    np.testing.assert_allclose(hessian, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "where"])
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_hessian_vector_products_over_broadcast_shapes(torch, op, shapes, seed):
    # second derivatives through broadcasting: the adjoint of sum_to is broadcast_to and back
    md_fn, torch_fn = {
        "add": (md.add, torch.add),
        "sub": (md.sub, torch.sub),
        "mul": (md.mul, torch.mul),
        "div": (md.div, torch.div),
        "pow": (md.pow, torch.pow),
        "maximum": (md.maximum, torch.maximum),
        "where": (lambda a, b: md.where(a > 1.2, a * b, b), lambda a, b: torch.where(a > 1.2, a * b, b)),
    }[op]
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(0.5, 2.0, s) for s in shapes.input_shapes]
    compare_hvp(torch, md_fn, torch_fn, arrays, seed)
