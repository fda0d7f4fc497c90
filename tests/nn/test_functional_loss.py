"""Losses of mathdl.nn.functional: finite-difference gradients, fused op == composition, errors."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def leaf(array):
    return md.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def composed_cross_entropy(logits, labels, reduction="mean"):
    log_p = md.log_softmax(logits, axis=1)
    picked = log_p[np.arange(len(labels)), labels]
    if reduction == "none":
        return -picked
    return -(picked.mean() if reduction == "mean" else picked.sum())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradcheck_and_composition(rng, reduction):
    z = leaf(rng.standard_normal((6, 5)) * 3)
    labels = rng.integers(0, 5, 6)
    gradcheck(lambda z: F.cross_entropy(z, labels, reduction=reduction), [z])
    fused = F.cross_entropy(z, labels, reduction=reduction)
    reference = composed_cross_entropy(z, labels, reduction)
    np.testing.assert_allclose(fused.array, reference.array, rtol=1e-12, atol=1e-12)
    g_fused = md.grad(fused.sum(), z)[0].array
    g_composed = md.grad(reference.sum(), z)[0].array
    np.testing.assert_allclose(g_fused, g_composed, rtol=1e-10, atol=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n(rng):
    z = leaf(rng.standard_normal((4, 3)))
    labels = np.array([0, 2, 1, 2])
    F.cross_entropy(z, labels).backward()
    p = np.exp(z.array) / np.exp(z.array).sum(1, keepdims=True)
    expected = (p - np.eye(3)[labels]) / 4
    np.testing.assert_allclose(z.grad.array, expected, rtol=1e-12)


def test_cross_entropy_weights_ignore_index_and_spatial(rng):
    z = leaf(rng.standard_normal((3, 4, 2, 2)))
    labels = rng.integers(0, 4, (3, 2, 2))
    labels[0, 0, 0] = -100
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    f = lambda z: F.cross_entropy(z, labels, weight=weight)  # noqa: E731
    gradcheck(f, [z])
    # reference by hand: per-position weighted NLL, mean over the weights of counted positions
    log_p = z.array - np.log(np.exp(z.array).sum(1, keepdims=True))
    n, _, h, w = z.shape
    total, weights = 0.0, 0.0
    for i in range(n):
        for a in range(h):
            for b in range(w):
                t = labels[i, a, b]
                if t == -100:
                    continue
                total -= weight[t] * log_p[i, t, a, b]
                weights += weight[t]
    np.testing.assert_allclose(f(z).item(), total / weights, rtol=1e-12)


def test_cross_entropy_probability_targets(rng):
    z = leaf(rng.standard_normal((5, 4)))
    y = leaf(rng.dirichlet(np.ones(4), 5))
    gradcheck(lambda z, y: F.cross_entropy(z, y), [z, y])
    gradcheck(
        lambda z, y: F.cross_entropy(z, y, weight=np.array([1.0, 2.0, 0.5, 1.0]), reduction="sum"), [z, y]
    )
    log_p = z.array - np.log(np.exp(z.array).sum(1, keepdims=True))
    np.testing.assert_allclose(F.cross_entropy(z, y).item(), -(y.array * log_p).sum(1).mean(), rtol=1e-12)
    onehot = np.eye(4)[[0, 1, 2, 3, 0]]
    np.testing.assert_allclose(
        F.cross_entropy(z, onehot).item(), F.cross_entropy(z, np.array([0, 1, 2, 3, 0])).item()
    )


def test_cross_entropy_second_derivative(rng):
    z = leaf(rng.standard_normal((4, 3)))
    labels = rng.integers(0, 3, 4)
    gradgradcheck(lambda z: F.cross_entropy(z, labels), [z])
    gradgradcheck(lambda z: F.cross_entropy(z, labels, reduction="none"), [z])


def test_cross_entropy_is_stable_for_huge_logits():
    z = md.tensor(np.array([[1e4, 0.0, -1e4]], dtype=np.float32), requires_grad=True)
    loss = F.cross_entropy(z, np.array([1]))
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(z.grad.array, [[1, -1, 0]], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_target_shift_and_row_max_shift_agree(rng, dtype):
    """Scores within half the exponent range of each other shift each row by its target's score;
    a batch with a wider range (the extra last row) takes the row max: same losses and gradients,
    both as close to a float64 log-sum-exp as the dtype allows."""
    z = (rng.standard_normal((40, 7)) * 4).astype(dtype)
    labels = rng.integers(0, 7, 40)
    wide = np.concatenate([z, np.array([[1e4, 0, 0, 0, 0, 0, -1e4]], dtype=dtype)])
    narrow_z, wide_z = md.tensor(z, requires_grad=True), md.tensor(wide, requires_grad=True)
    narrow = F.cross_entropy(narrow_z, labels, reduction="none")
    full = F.cross_entropy(wide_z, np.append(labels, 1), reduction="none")
    z64 = z.astype(np.float64)
    top = z64.max(1)
    want = top + np.log(np.exp(z64 - top[:, None]).sum(1)) - z64[np.arange(40), labels]
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(narrow.array, want, **tol)
    np.testing.assert_allclose(full.array[:40], want, **tol)
    narrow.sum().backward()
    full.sum().backward()
    np.testing.assert_allclose(narrow_z.grad.array, wide_z.grad.array[:40], **tol)


def test_cross_entropy_half_precision_with_many_classes_stays_finite(rng):
    """float16 with 2000 classes: exp(z − z_t) terms up to 1/√tiny = 128 would overflow their sum,
    so the row max is the shift there."""
    labels = rng.integers(0, 2000, 8)
    z = rng.uniform(3.5, 4.5, (8, 2000)).astype(np.float16)  # a range within half the exponent range
    z[np.arange(8), labels] = 0.0  # each target far below its row: Σ exp(z − z_t) > 2000 e^3.5
    z64 = z.astype(np.float64)
    top = z64.max(1)
    want = top + np.log(np.exp(z64 - top[:, None]).sum(1)) - z64[np.arange(8), labels]
    got = F.cross_entropy(md.tensor(z), labels, reduction="none")
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.array.astype(np.float64), want, rtol=5e-3)


def test_cross_entropy_errors_name_the_problem():
    z = md.randn(3, 4)
    with pytest.raises(ValueError, match="label 7 is out of range for 4 classes"):
        F.cross_entropy(z, np.array([0, 7, 1]))
    with pytest.raises(ValueError, match="label -2 is out of range"):
        F.cross_entropy(z, np.array([0, -2, 1]))
    with pytest.raises(ValueError, match="target shape \\(2,\\) does not match input shape \\(3, 4\\)"):
        F.cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(z, np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="probability targets must have the input's shape"):
        F.cross_entropy(z, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="weight must have shape \\(4,\\)"):
        F.cross_entropy(z, np.array([0, 1, 2]), weight=np.ones(3))


def test_cross_entropy_keeps_float32(rng):
    z = md.tensor(rng.standard_normal((8, 10)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(z, rng.integers(0, 10, 8))
    loss.backward()
    assert loss.dtype == np.float32 and z.grad.dtype == np.float32


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(rng, reduction):
    x = leaf(rng.standard_normal((5, 3)))
    labels = rng.integers(0, 3, 5)
    labels[2] = -100
    weight = np.array([1.0, 3.0, 0.5])
    gradcheck(lambda x: F.nll_loss(x, labels, weight=weight, reduction=reduction), [x])
    kept = labels != -100
    picked = x.array[np.arange(5), np.where(kept, labels, 0)] * weight[np.where(kept, labels, 0)] * kept
    expected = {"none": -picked, "sum": -picked.sum(), "mean": -picked.sum() / (weight[labels[kept]]).sum()}
    np.testing.assert_allclose(
        F.nll_loss(x, labels, weight=weight, reduction=reduction).array, expected[reduction], rtol=1e-12
    )
    # nll of log_softmax is cross entropy
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(x, 1), labels).item(), F.cross_entropy(x, labels).item(), rtol=1e-12
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_l1(rng, reduction):
    x, y = leaf(rng.standard_normal((4, 3))), leaf(rng.standard_normal((4, 3)))
    gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), [x, y])
    gradcheck(lambda x, y: F.l1_loss(x, y, reduction=reduction), [x, y])
    squared = (x.array - y.array) ** 2
    expected = {"none": squared, "sum": squared.sum(), "mean": squared.mean()}[reduction]
    np.testing.assert_allclose(F.mse_loss(x, y, reduction=reduction).array, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="target shape \\(3,\\) must equal input shape \\(4, 3\\)"):
        F.mse_loss(x, md.zeros(3))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(rng, reduction):
    p = leaf(rng.uniform(0.05, 0.95, (3, 4)))
    y = leaf(rng.uniform(0, 1, (3, 4)))
    w = rng.uniform(0.5, 2, (3, 4))
    gradcheck(lambda p, y: F.binary_cross_entropy(p, y, weight=w, reduction=reduction), [p, y])
    losses = -w * (y.array * np.log(p.array) + (1 - y.array) * np.log(1 - p.array))
    expected = {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]
    np.testing.assert_allclose(
        F.binary_cross_entropy(p, y, weight=w, reduction=reduction).array, expected, rtol=1e-12
    )


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    p = md.tensor(np.array([0.0, 1.0, 0.0]), requires_grad=True)
    y = md.tensor(np.array([1.0, 0.0, 0.0]))
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_array_equal(loss.array, [100.0, 100.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.array))
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        F.binary_cross_entropy(md.tensor([1.5]), md.tensor([1.0]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(rng, reduction):
    x = leaf(rng.standard_normal((3, 4)) * 3)
    y = leaf(rng.uniform(0, 1, (3, 4)))
    gradcheck(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction), [x, y])
    pos_weight = rng.uniform(0.5, 3, 4)
    gradcheck(
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pos_weight),
        [x, y],
    )
    s = 1 / (1 + np.exp(-x.array))
    losses = -(pos_weight * y.array * np.log(s) + (1 - y.array) * np.log(1 - s))
    expected = {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pos_weight).array,
        expected,
        rtol=1e-10,
    )
    gradgradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y.detach()), [x])


def test_binary_cross_entropy_with_logits_is_stable():
    x = md.tensor(np.array([800.0, -800.0, 0.0]), requires_grad=True)
    y = md.tensor(np.array([0.0, 1.0, 1.0]))
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.array, [800.0, 800.0, np.log(2)], rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.array, [1.0, -1.0, -0.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_label_smoothing(rng, reduction):
    z = leaf(rng.standard_normal((4, 3, 2)))
    labels = rng.integers(0, 3, (4, 2))
    labels[0, 0] = -100
    weight = np.array([0.5, 2.0, 1.0])
    for w in (None, weight):
        f = lambda z: F.cross_entropy(z, labels, weight=w, reduction=reduction, label_smoothing=0.2)  # noqa: E731
        gradcheck(f, [z])
        gradgradcheck(f, [z])
    # without weights and ignored samples, smoothing is the cross entropy against (1 − ε) onehot + ε/C
    z2 = leaf(rng.standard_normal((5, 4)))
    t = rng.integers(0, 4, 5)
    soft = 0.9 * np.eye(4)[t] + 0.1 / 4
    np.testing.assert_allclose(
        F.cross_entropy(z2, t, label_smoothing=0.1, reduction=reduction).array,
        F.cross_entropy(z2, soft, reduction=reduction).array,
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match="label_smoothing must be in \\[0, 1\\]"):
        F.cross_entropy(z2, t, label_smoothing=1.5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_huber_and_smooth_l1(rng, reduction):
    x = leaf(rng.standard_normal(12) * 2)
    y = leaf(rng.standard_normal(12))
    gradcheck(lambda x, y: F.huber_loss(x, y, reduction, delta=0.7), [x, y])
    gradcheck(lambda x, y: F.smooth_l1_loss(x, y, reduction, beta=0.7), [x, y])
    d = np.abs(x.array - y.array)
    losses = np.where(d <= 0.7, 0.5 * d**2, 0.7 * (d - 0.35))
    expected = {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]
    np.testing.assert_allclose(F.huber_loss(x, y, reduction, 0.7).array, expected, rtol=1e-12)
    np.testing.assert_allclose(
        F.smooth_l1_loss(x, y, reduction, 0.7).array, np.asarray(expected) / 0.7, rtol=1e-12
    )
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, reduction, 0.0).array, F.l1_loss(x, y, reduction).array)
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(x, y, delta=0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
def test_kl_div(rng, reduction):
    q = rng.dirichlet(np.ones(4), 3)
    p = rng.dirichlet(np.ones(4), 3)
    p[0, 1] = 0.0  # 0 · log 0 = 0
    log_q, target = leaf(np.log(q)), leaf(p)
    gradcheck(lambda a, b: F.kl_div(a, b, reduction), [log_q, leaf(p + 0.05)])
    gradcheck(lambda a: F.kl_div(a, target, reduction), [log_q])  # p log p is not differentiable at 0
    gradcheck(lambda a, b: F.kl_div(a, b, reduction, log_target=True), [log_q, leaf(np.log(p + 0.1))])
    if reduction == "batchmean":
        mask = p > 0
        expected = np.sum(np.where(mask, p * np.log(np.where(mask, p, 1) / q), 0)) / 3
        np.testing.assert_allclose(F.kl_div(log_q, target, reduction).item(), expected, rtol=1e-12)


def test_float32_losses_stay_float32_with_float64_targets(rng):
    x = md.tensor(rng.uniform(0.1, 0.9, (4, 3)).astype(np.float32), requires_grad=True)
    y = md.tensor(rng.uniform(0, 1, (4, 3)))  # float64
    for loss in (
        F.mse_loss(x, y),
        F.l1_loss(x, y),
        F.binary_cross_entropy(x, y),
        F.binary_cross_entropy_with_logits(x, y),
        F.huber_loss(x, y),
        F.cross_entropy(x, y),
    ):
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32
