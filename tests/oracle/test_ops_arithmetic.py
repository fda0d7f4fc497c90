"""add, sub, mul, div, neg, pow and matmul against PyTorch: forward values and vector-Jacobian
products over random shapes, including NumPy broadcasting edge cases (0-d, size-1 dims, different
ranks) and every matmul form (batched, broadcast batch dims, 1-D on either side)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import mathdl as md

# the torch fixture only imports a module, so sharing it across examples is safe; the hypothesis
# profile (tests/conftest.py) makes runs deterministic locally and seeded-random in CI
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SEEDS = st.integers(0, 2**32 - 1)


from torch_oracle import compare_with_torch


def arrays_for(shapes, seed, low=None):
    rng = np.random.default_rng(seed)
    if low is None:
        return [rng.standard_normal(s) for s in shapes]
    return [rng.uniform(low, 2.0, size=s) for s in shapes]


BROADCAST_PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
@SETTINGS
@given(shapes=BROADCAST_PAIRS, seed=SEEDS)
def test_binary_ops_broadcast_like_torch(torch, name, shapes, seed):
    md_fn = {"add": md.add, "sub": md.sub, "mul": md.mul, "div": md.div, "pow": md.pow}[name]
    torch_fn = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow}[
        name
    ]
    # div and pow need operands away from 0 (and pow a positive base) to be well conditioned
    low = 0.5 if name in ("div", "pow") else None
    a, b = arrays_for(shapes.input_shapes, seed, low)
    compare_with_torch(torch, md_fn, torch_fn, [a, b], seed)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
@SETTINGS
@given(shapes=BROADCAST_PAIRS, seed=SEEDS)
def test_operators_broadcast_like_torch(torch, op, shapes, seed):
    a, b = arrays_for(shapes.input_shapes, seed, 0.5)
    fn = {
        "+": lambda x, y: x + y,
        "-": lambda x, y: x - y,
        "*": lambda x, y: x * y,
        "/": lambda x, y: x / y,
        "**": lambda x, y: x**y,
    }[op]
    compare_with_torch(torch, fn, fn, [a, b], seed)


@pytest.mark.parametrize("scalar", [2.0, -1.5, 3, 0.5])
@pytest.mark.parametrize("form", ["x+s", "s+x", "x-s", "s-x", "x*s", "s*x", "x/s", "s/x", "-x"])
def test_tensor_with_python_scalar(torch, rng, scalar, form):
    x = rng.uniform(0.5, 2.0, size=(3, 2))
    fn = {
        "x+s": lambda t: t + scalar,
        "s+x": lambda t: scalar + t,
        "x-s": lambda t: t - scalar,
        "s-x": lambda t: scalar - t,
        "x*s": lambda t: t * scalar,
        "s*x": lambda t: scalar * t,
        "x/s": lambda t: t / scalar,
        "s/x": lambda t: scalar / t,
        "-x": lambda t: -t,
    }[form]
    compare_with_torch(torch, fn, fn, [x])


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, -2.5, 1, 0, 1.7])
def test_pow_tensor_scalar(torch, rng, exponent):
    x = rng.uniform(0.3, 2.0, size=(4, 3))
    compare_with_torch(torch, lambda t: t**exponent, lambda t: t**exponent, [x])


@pytest.mark.parametrize("exponent", [2, 3, 4])
def test_pow_integer_exponent_of_negative_base(torch, rng, exponent):
    x = rng.standard_normal((5,))
    compare_with_torch(torch, lambda t: t**exponent, lambda t: t**exponent, [x])


@pytest.mark.parametrize("base", [2.0, 0.5, np.e, 10])
def test_pow_scalar_tensor(torch, rng, base):
    x = rng.standard_normal((3, 4))
    compare_with_torch(torch, lambda t: base**t, lambda t: base**t, [x])


@pytest.mark.filterwarnings("ignore:divide by zero encountered in power")
def test_pow_at_zero_base_matches_torch(torch):
    # 0⁰ = 1 and its derivatives: torch defines d/da (a^b) = 0 where b == 0, d/db = 0 where a == 0 <= b
    a = np.array([0.0, 0.0, 0.0, 2.0])
    b = np.array([0.0, 2.0, 0.5, 0.0])
    compare_with_torch(torch, md.pow, torch.pow, [a, b])
    compare_with_torch(torch, lambda t: t**0, lambda t: t**0, [np.array([0.0, 1.0, -2.0])])
    compare_with_torch(torch, lambda t: t**2, lambda t: t**2, [np.array([0.0, 1.0, -2.0])])


def test_pow_zero_base_negative_exponent_matches_torch(torch):
    a = np.array([0.0, 0.0])
    b = np.array([-1.0, -2.0])
    xs = [md.tensor(v, requires_grad=True) for v in (a, b)]
    ts = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    with np.errstate(all="ignore"):
        grads = md.grad(md.pow(*xs).sum(), xs)
    t_grads = torch.autograd.grad(torch.pow(*ts).sum(), ts)
    for ours, theirs in zip(grads, t_grads):
        np.testing.assert_array_equal(ours.array, theirs.numpy())


MATMUL_SHAPES = [
    ((3, 4), (4, 5)),  # matrix @ matrix
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 3, 4), (4, 5)),  # batch @ matrix (matrix broadcast over the batch)
    ((3, 4), (2, 4, 5)),  # matrix @ batch
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims of different rank
    ((1, 3, 4), (2, 4, 5)),  # size-1 batch dim
    ((4,), (4, 5)),  # 1-D @ 2-D
    ((3, 4), (4,)),  # 2-D @ 1-D
    ((4,), (4,)),  # 1-D @ 1-D (dot product, 0-d result)
    ((4,), (2, 4, 5)),  # 1-D @ batch
    ((2, 3, 4), (4,)),  # batch @ 1-D
    ((1, 4), (4, 1)),  # size-1 matrix dims
]


@pytest.mark.parametrize("shape_a,shape_b", MATMUL_SHAPES)
def test_matmul_forms(torch, shape_a, shape_b):
    a, b = arrays_for([shape_a, shape_b], 1)
    compare_with_torch(torch, md.matmul, torch.matmul, [a, b])
    compare_with_torch(torch, lambda x, y: x @ y, lambda x, y: x @ y, [a, b])


@st.composite
def matmul_shapes(draw):
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3))
    a_batch, b_batch = batch.input_shapes
    shape_a = (k,) if draw(st.booleans()) and not a_batch else a_batch + (n, k)
    shape_b = (k,) if draw(st.booleans()) and not b_batch else b_batch + (k, m)
    return shape_a, shape_b


@SETTINGS
@given(shapes=matmul_shapes(), seed=SEEDS)
def test_matmul_random_shapes(torch, shapes, seed):
    a, b = arrays_for(shapes, seed)
    compare_with_torch(torch, md.matmul, torch.matmul, [a, b], seed)


def test_matmul_with_constant_operand(torch, rng):
    # only one side requires a gradient: the other gets None, and the result still matches torch
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x = md.tensor(a, requires_grad=True)
    (gx,) = md.grad((x @ md.tensor(b)).sum(), [x])
    tx = torch.tensor(a, requires_grad=True)
    (tgx,) = torch.autograd.grad((tx @ torch.tensor(b)).sum(), [tx])
    np.testing.assert_allclose(gx.array, tgx.numpy(), rtol=1e-12)
