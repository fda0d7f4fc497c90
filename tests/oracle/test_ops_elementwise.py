"""exp, log, sqrt, abs, tanh, sigmoid, relu, clip, maximum, minimum and where against PyTorch:
values and vector-Jacobian products over random shapes, the non-smooth points (0 for abs/relu,
the bounds for clip, ties for maximum/minimum) and large inputs."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

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


from torch_oracle import compare_with_torch

UNARY = {
    # name: (mathdl function, torch function name, input sampler)
    "exp": (md.exp, "exp", lambda rng, s: rng.standard_normal(s)),
    "log": (md.log, "log", lambda rng, s: rng.uniform(0.1, 3.0, s)),
    "sqrt": (md.sqrt, "sqrt", lambda rng, s: rng.uniform(0.1, 3.0, s)),
    "abs": (md.abs, "abs", lambda rng, s: rng.standard_normal(s)),
    "tanh": (md.tanh, "tanh", lambda rng, s: 2 * rng.standard_normal(s)),
    "sigmoid": (md.sigmoid, "sigmoid", lambda rng, s: 3 * rng.standard_normal(s)),
    "relu": (md.relu, "relu", lambda rng, s: rng.standard_normal(s)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=SHAPES, seed=SEEDS)
def test_unary_like_torch(torch, name, shape, seed):
    fn, torch_name, sample = UNARY[name]
    x = sample(np.random.default_rng(seed), shape)
    compare_with_torch(torch, fn, getattr(torch, torch_name), [x], seed)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_methods_match_functions(torch, rng, name):
    fn, torch_name, sample = UNARY[name]
    x = sample(rng, (3, 2))
    compare_with_torch(torch, lambda t: getattr(t, name)(), getattr(torch, torch_name), [x])


def test_nonsmooth_points_take_torch_subgradients(torch):
    x = np.array([-1.0, 0.0, 0.0, 2.0])
    compare_with_torch(torch, md.abs, torch.abs, [x])  # sign(0) = 0
    compare_with_torch(torch, md.relu, torch.relu, [x])  # [0 > 0] = 0


@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (None, 0.0), (0.0, None), (-1.0, -1.0)])
def test_clip_like_torch_clamp(torch, rng, lo, hi):
    x = rng.standard_normal((4, 5))
    x[0, :3] = [-0.5, 0.5, 0.0]  # exactly on the bounds: torch.clamp passes the gradient there
    compare_with_torch(torch, lambda t: md.clip(t, lo, hi), lambda t: torch.clamp(t, lo, hi), [x])
    compare_with_torch(torch, lambda t: t.clip(lo, hi), lambda t: torch.clamp(t, lo, hi), [x])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3), seed=SEEDS)
def test_maximum_minimum_like_torch(torch, name, shapes, seed):
    rng = np.random.default_rng(seed)
    # small integers make ties common: torch splits the gradient of a tie in half, so must we
    a, b = (rng.integers(-2, 3, size=s).astype(np.float64) for s in shapes.input_shapes)
    compare_with_torch(torch, getattr(md, name), getattr(torch, name), [a, b], seed)


def test_maximum_with_scalar_and_ties(torch):
    x = np.array([-1.0, 0.0, 1.0])
    xs = md.tensor(x, requires_grad=True)
    md.maximum(xs, 0.0).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    torch.maximum(tx, torch.tensor(0.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(xs.grad.array, tx.grad.numpy())
    np.testing.assert_array_equal(xs.grad.array, [0.0, 0.5, 1.0])


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3), seed=SEEDS)
def test_where_like_torch(torch, shapes, seed):
    rng = np.random.default_rng(seed)
    shape_c, shape_a, shape_b = shapes.input_shapes
    condition = rng.random(shape_c) < 0.5
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    tc = torch.tensor(condition)
    compare_with_torch(
        torch, lambda x, y: md.where(condition, x, y), lambda x, y: torch.where(tc, x, y), [a, b], seed
    )
    # a boolean Tensor condition (as comparisons produce) works the same
    compare_with_torch(
        torch,
        lambda x, y: md.where(md.tensor(condition), x, y),
        lambda x, y: torch.where(tc, x, y),
        [a, b],
        seed,
    )


def test_where_with_scalar_branch(torch, rng):
    x = rng.standard_normal((3, 4))
    compare_with_torch(
        torch,
        lambda t: md.where(t > 0, t, 0.0),
        lambda t: torch.where(t > 0, t, torch.tensor(0.0, dtype=torch.float64)),
        [x],
    )


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "relu", "abs"])
def test_large_inputs_like_torch(torch, name):
    fn, torch_name, _ = UNARY[name]
    x = np.array([-1e3, -50.0, -1.0, 0.5, 40.0, 700.0 if name == "exp" else 1e3])
    compare_with_torch(torch, fn, getattr(torch, torch_name), [x])
