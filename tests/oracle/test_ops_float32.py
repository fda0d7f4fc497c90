"""float32 end to end against PyTorch's float32: every op keeps float32 in its value and in its
gradients (mixing in Python numbers, NumPy float64 scalars and int tensors), and the numbers agree
with torch to float32 precision."""

import numpy as np
import pytest

import mathdl as md


def cases(torch):
    """name -> (mathdl fn, torch fn, input shapes); inputs are positive float32 arrays."""
    import torch.nn.functional as F

    return {
        "x*2.0": (lambda a: a * 2.0, lambda a: a * 2.0, [(3, 4)]),
        "x/3": (lambda a: a / 3, lambda a: a / 3, [(3, 4)]),
        "3/x": (lambda a: 3 / a, lambda a: 3 / a, [(3, 4)]),
        "x**2": (lambda a: a**2, lambda a: a**2, [(3, 4)]),
        "x**0.5": (lambda a: a**0.5, lambda a: a**0.5, [(3, 4)]),
        "2**x": (lambda a: 2.0**a, lambda a: 2.0**a, [(3, 4)]),
        "a**b": (lambda a, b: a**b, lambda a, b: a**b, [(3, 4), (4,)]),
        "x+np.float64": (lambda a: a + np.float64(0.5), lambda a: a + 0.5, [(3, 4)]),
        "x*int tensor": (
            lambda a: a * md.tensor([1, 2, 3, 4]),
            lambda a: a * torch.tensor([1, 2, 3, 4]),
            [(3, 4)],
        ),
        "a-b": (lambda a, b: a - b, lambda a, b: a - b, [(3, 4), (3, 1)]),
        "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
        "exp": (md.exp, torch.exp, [(3, 4)]),
        "log": (md.log, torch.log, [(3, 4)]),
        "sqrt": (md.sqrt, torch.sqrt, [(3, 4)]),
        "tanh": (md.tanh, torch.tanh, [(3, 4)]),
        "sigmoid": (md.sigmoid, torch.sigmoid, [(3, 4)]),
        "relu": (lambda a: md.relu(a - 1.0), lambda a: torch.relu(a - 1.0), [(3, 4)]),
        "clip": (lambda a: md.clip(a, 0.8, 1.5), lambda a: torch.clamp(a, 0.8, 1.5), [(3, 4)]),
        "maximum": (md.maximum, torch.maximum, [(3, 4), (4,)]),
        "where": (lambda a, b: md.where(a > 1, a, b), lambda a, b: torch.where(a > 1, a, b), [(3, 4), (4,)]),
        "sum": (lambda a: a.sum(1), lambda a: a.sum(1), [(3, 4)]),
        "mean": (lambda a: a.mean(), lambda a: a.mean(), [(3, 4)]),
        "var": (lambda a: a.var(0), lambda a: a.var(0), [(3, 4)]),
        "max": (lambda a: a.max(1).values, lambda a: a.max(1).values, [(3, 4)]),
        "logsumexp": (lambda a: md.logsumexp(a, 1), lambda a: torch.logsumexp(a, 1), [(3, 4)]),
        "softmax": (lambda a: md.softmax(a, 1), lambda a: torch.softmax(a, 1), [(3, 4)]),
        "log_softmax": (lambda a: md.log_softmax(a, 0), lambda a: torch.log_softmax(a, 0), [(3, 4)]),
        "reshape+transpose": (lambda a: a.reshape(4, 3).T, lambda a: a.reshape(4, 3).T, [(3, 4)]),
        "getitem": (lambda a: a[[0, 0, 2], 1:], lambda a: a[[0, 0, 2], 1:], [(3, 4)]),
        "concatenate": (
            lambda a, b: md.concatenate([a, b], 0),
            lambda a, b: torch.cat([a, b], 0),
            [(3, 4), (1, 4)],
        ),
        "stack": (lambda a, b: md.stack([a, b], 1), lambda a, b: torch.stack([a, b], 1), [(3, 4), (3, 4)]),
        "pad": (lambda a: md.pad(a, 1), lambda a: F.pad(a, (1, 1, 1, 1)), [(3, 4)]),
        "einsum": (
            lambda a, b: md.einsum("ij,kj->ik", a, b),
            lambda a, b: torch.einsum("ij,kj->ik", a, b),
            [(3, 4), (2, 4)],
        ),
    }


NAMES = [
    "x*2.0",
    "x/3",
    "3/x",
    "x**2",
    "x**0.5",
    "2**x",
    "a**b",
    "x+np.float64",
    "x*int tensor",
    "a-b",
    "matmul",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "clip",
    "maximum",
    "where",
    "sum",
    "mean",
    "var",
    "max",
    "logsumexp",
    "softmax",
    "log_softmax",
    "reshape+transpose",
    "getitem",
    "concatenate",
    "stack",
    "pad",
    "einsum",
]


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out_like_torch(torch, name):
    md_fn, torch_fn, shapes = cases(torch)[name]
    rng = np.random.default_rng(3)
    arrays = [rng.uniform(0.5, 2.0, s).astype(np.float32) for s in shapes]
    xs = [md.tensor(a, requires_grad=True) for a in arrays]
    y = md_fn(*xs)
    g = rng.standard_normal(y.shape).astype(np.float32)
    grads = md.grad(y, xs, md.tensor(g))
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = torch_fn(*ts)
    t_grads = torch.autograd.grad(ty, ts, torch.tensor(g))
    assert y.dtype == np.float32 and ty.dtype == torch.float32
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=2e-6, atol=1e-6)
    for ours, theirs in zip(grads, t_grads):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_names_cover_every_case(torch):
    assert sorted(NAMES) == sorted(cases(torch))
