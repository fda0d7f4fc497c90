"""mathdl.nn.functional against torch.nn.functional: forward values and gradients (float64) of
linear, the losses (every reduction, class weights, ignore_index, spatial and probability targets)
and one_hot."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mathdl as md
import mathdl.nn.functional as F

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def compare(torch, md_fn, torch_fn, arrays, seed=0, rtol=1e-10, atol=1e-12):
    """Forward values and ∂⟨g, f(x)⟩/∂x of mathdl and PyTorch agree (float64; g random)."""
    xs = [md.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    y = md_fn(*xs)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    grads = md.grad(y, xs, md.tensor(g), allow_unused=True)
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    ty = torch_fn(*ts)
    t_grads = torch.autograd.grad(ty, ts, torch.tensor(g), allow_unused=True)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=rtol, atol=atol)
    for ours, theirs in zip(grads, t_grads):
        ours = 0.0 if ours is None else ours.array
        theirs = 0.0 if theirs is None else theirs.numpy()
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(torch, rng, x_shape, bias):
    arrays = [rng.standard_normal(x_shape), rng.standard_normal((4, 3))] + (
        [rng.standard_normal(4)] if bias else []
    )
    compare(torch, lambda *a: F.linear(*a), lambda *a: torch.nn.functional.linear(*a), arrays)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3), (5,)])
def test_cross_entropy_index_targets(torch, rng, reduction, weighted, shape):
    labels = rng.integers(
        0, shape[1] if len(shape) > 1 else shape[0], shape[:1] + shape[2:] if len(shape) > 1 else ()
    )
    if labels.ndim:
        labels.reshape(-1)[0] = -100  # one ignored position
    weight = rng.uniform(0.5, 2.0, shape[1] if len(shape) > 1 else shape[0]) if weighted else None
    t_weight = torch.tensor(weight) if weighted else None
    compare(
        torch,
        lambda z: F.cross_entropy(z, labels, weight=weight, reduction=reduction),
        lambda z: torch.nn.functional.cross_entropy(
            z, torch.tensor(labels), weight=t_weight, reduction=reduction
        ),
        [rng.standard_normal(shape) * 3],
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
def test_cross_entropy_probability_targets(torch, rng, reduction, shape):
    targets = rng.dirichlet(np.ones(shape[1]), (shape[0],) + shape[2:])
    targets = np.moveaxis(targets, -1, 1)
    weight = rng.uniform(0.5, 2.0, shape[1])
    compare(
        torch,
        lambda z, y: F.cross_entropy(z, y, weight=weight, reduction=reduction),
        lambda z, y: torch.nn.functional.cross_entropy(
            z, y, weight=torch.tensor(weight), reduction=reduction
        ),
        [rng.standard_normal(shape), targets],
    )


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), c=st.integers(1, 6))
@SETTINGS
def test_cross_entropy_random_shapes(torch, seed, n, c):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, n)
    compare(
        torch,
        lambda z: F.cross_entropy(z, labels),
        lambda z: torch.nn.functional.cross_entropy(z, torch.tensor(labels)),
        [rng.standard_normal((n, c)) * 5],
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(torch, rng, reduction):
    labels = rng.integers(0, 4, (5, 2))
    labels[1, 0] = -100
    weight = rng.uniform(0.5, 2.0, 4)
    compare(
        torch,
        lambda x: F.nll_loss(x, labels, weight=weight, reduction=reduction),
        lambda x: torch.nn.functional.nll_loss(
            x, torch.tensor(labels), weight=torch.tensor(weight), reduction=reduction
        ),
        [rng.standard_normal((5, 4, 2))],
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_l1(torch, rng, reduction):
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]
    compare(
        torch,
        lambda x, y: F.mse_loss(x, y, reduction=reduction),
        lambda x, y: torch.nn.functional.mse_loss(x, y, reduction=reduction),
        arrays,
    )
    compare(
        torch,
        lambda x, y: F.l1_loss(x, y, reduction=reduction),
        lambda x, y: torch.nn.functional.l1_loss(x, y, reduction=reduction),
        arrays,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(torch, rng, reduction):
    p = rng.uniform(0.02, 0.98, (4, 3))
    y = rng.uniform(0, 1, (4, 3))
    weight = rng.uniform(0.5, 2, (4, 3))
    compare(
        torch,
        lambda p, y: F.binary_cross_entropy(p, y, weight=weight, reduction=reduction),
        lambda p, y: torch.nn.functional.binary_cross_entropy(
            p, y, weight=torch.tensor(weight), reduction=reduction
        ),
        [p, y],
    )
    # at p ∈ {0, 1} the logs are clamped at −100 and ∂ℓ/∂p is guarded by max(p(1 − p), 1e-12) ≈ 1e10
    # (both frameworks round there, hence rtol 1e-8). The target gradient is not compared there:
    # PyTorch gives ±inf, mathdl the derivative of the clamped loss it computed (finite).
    p[0, :2] = [0.0, 1.0]
    y[0, :2] = [1.0, 0.0]
    compare(
        torch,
        lambda p: F.binary_cross_entropy(p, md.tensor(y), weight=weight, reduction=reduction),
        lambda p: torch.nn.functional.binary_cross_entropy(
            p, torch.tensor(y), weight=torch.tensor(weight), reduction=reduction
        ),
        [p],
        rtol=1e-8,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("pos_weight", [False, True])
def test_binary_cross_entropy_with_logits(torch, rng, reduction, pos_weight):
    x = rng.standard_normal((4, 3)) * 4
    x[0, 0], x[0, 1] = 60.0, -60.0
    y = rng.uniform(0, 1, (4, 3))
    pw = rng.uniform(0.5, 3, 3) if pos_weight else None
    weight = rng.uniform(0.5, 2, (4, 3))
    compare(
        torch,
        lambda x, y: F.binary_cross_entropy_with_logits(
            x, y, weight=weight, reduction=reduction, pos_weight=pw
        ),
        lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(
            x,
            y,
            weight=torch.tensor(weight),
            reduction=reduction,
            pos_weight=None if pw is None else torch.tensor(pw),
        ),
        [x, y],
    )


def test_activations(torch, rng):
    x = [rng.standard_normal((3, 5)) * 3]
    compare(torch, F.relu, torch.nn.functional.relu, x)
    compare(torch, F.sigmoid, torch.sigmoid, x)
    compare(torch, F.tanh, torch.tanh, x)
    compare(torch, lambda z: F.softmax(z, 0), lambda z: torch.nn.functional.softmax(z, 0), x)
    compare(torch, lambda z: F.log_softmax(z, 1), lambda z: torch.nn.functional.log_softmax(z, 1), x)


def test_one_hot(torch, rng):
    labels = rng.integers(0, 5, (3, 4))
    np.testing.assert_array_equal(
        F.one_hot(labels, 7).array, torch.nn.functional.one_hot(torch.tensor(labels), 7).numpy()
    )
    np.testing.assert_array_equal(
        F.one_hot(labels).array, torch.nn.functional.one_hot(torch.tensor(labels)).numpy()
    )


def test_cross_entropy_float32_matches_torch(torch, rng):
    z = rng.standard_normal((64, 10)).astype(np.float32) * 10
    labels = rng.integers(0, 10, 64)
    ours = md.tensor(z, requires_grad=True)
    loss = F.cross_entropy(ours, labels)
    loss.backward()
    theirs = torch.tensor(z, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(theirs, torch.tensor(labels))
    t_loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-6)
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), atol=1e-7)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing(torch, rng, reduction, weighted):
    shape = (5, 4, 3)
    labels = rng.integers(0, 4, (5, 3))
    labels[1, 2] = -100
    weight = rng.uniform(0.5, 2.0, 4) if weighted else None
    t_weight = torch.tensor(weight) if weighted else None
    compare(
        torch,
        lambda z: F.cross_entropy(z, labels, weight=weight, reduction=reduction, label_smoothing=0.15),
        lambda z: torch.nn.functional.cross_entropy(
            z, torch.tensor(labels), weight=t_weight, reduction=reduction, label_smoothing=0.15
        ),
        [rng.standard_normal(shape)],
    )
    targets = np.moveaxis(rng.dirichlet(np.ones(4), (5, 3)), -1, 1)
    compare(
        torch,
        lambda z, y: F.cross_entropy(z, y, weight=weight, reduction=reduction, label_smoothing=0.15),
        lambda z, y: torch.nn.functional.cross_entropy(
            z, y, weight=t_weight, reduction=reduction, label_smoothing=0.15
        ),
        [rng.standard_normal(shape), targets],
    )


def test_more_activations(torch, rng):
    x = [rng.standard_normal((4, 6)) * 4]
    tf = torch.nn.functional
    compare(torch, lambda z: F.leaky_relu(z, 0.2), lambda z: tf.leaky_relu(z, 0.2), x)
    compare(torch, lambda z: F.elu(z, 1.3), lambda z: tf.elu(z, 1.3), x)
    compare(torch, lambda z: F.softplus(z, 1.5, 4.0), lambda z: tf.softplus(z, 1.5, 4.0), x)
    compare(torch, F.silu, tf.silu, x)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_huber_smooth_l1(torch, rng, reduction):
    arrays = [rng.standard_normal((3, 5)) * 2, rng.standard_normal((3, 5))]
    tf = torch.nn.functional
    compare(
        torch,
        lambda x, y: F.huber_loss(x, y, reduction, 0.6),
        lambda x, y: tf.huber_loss(x, y, reduction=reduction, delta=0.6),
        arrays,
    )
    compare(
        torch,
        lambda x, y: F.smooth_l1_loss(x, y, reduction, 0.6),
        lambda x, y: tf.smooth_l1_loss(x, y, reduction=reduction, beta=0.6),
        arrays,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # PyTorch's deprecation notice
def test_kl_div(torch, rng, reduction, log_target):
    log_q = np.log(rng.dirichlet(np.ones(5), 4))
    p = rng.dirichlet(np.ones(5), 4)
    target = np.log(p) if log_target else p
    compare(
        torch,
        lambda a, b: F.kl_div(a, b, reduction, log_target),
        lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target),
        [log_q, target],
    )
    # a zero probability: 0 · log 0 = 0 in both; the target's gradient there is nan in PyTorch and 0
    # in mathdl, so only the input's gradient is compared
    p[1, 2] = 0.0
    compare(
        torch,
        lambda a: F.kl_div(a, md.tensor(p), reduction),
        lambda a: torch.nn.functional.kl_div(a, torch.tensor(p), reduction=reduction),
        [log_q],
    )
