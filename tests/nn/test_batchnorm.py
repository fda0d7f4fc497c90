"""Batch norm: the fused op against finite differences and against the same formula composed from
primitive ops; running statistics; evaluation mode; errors."""

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl import nn
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def leaf(array):
    return md.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def composed_batch_norm(x, weight, bias, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mean = x.mean(axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axes, keepdims=True)
    x_hat = (x - mean) / md.sqrt(var + eps)
    return x_hat * weight.reshape(shape) + bias.reshape(shape)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 2, 4, 4)])
def test_fused_batch_norm_matches_composition_and_fd(rng, shape):
    x = leaf(rng.standard_normal(shape) * 2 + 1)
    w, b = leaf(rng.standard_normal(shape[1])), leaf(rng.standard_normal(shape[1]))
    f = lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)  # noqa: E731
    gradcheck(f, [x, w, b])
    fused = f(x, w, b)
    composed = composed_batch_norm(x, w, b)
    np.testing.assert_allclose(fused.array, composed.array, rtol=1e-10, atol=1e-12)
    upstream = md.tensor(rng.standard_normal(shape))
    g_fused = md.grad((fused * upstream).sum(), [x, w, b])
    g_composed = md.grad((composed * upstream).sum(), [x, w, b])
    for a, c in zip(g_fused, g_composed):
        np.testing.assert_allclose(a.array, c.array, rtol=1e-9, atol=1e-12)


def test_batch_norm_second_derivatives(rng):
    x = leaf(rng.standard_normal((5, 3)))
    w, b = leaf(rng.standard_normal(3)), leaf(rng.standard_normal(3))
    gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    gradgradcheck(lambda x: F.batch_norm(x, None, None, training=True), [x])


def test_batch_norm_without_affine(rng):
    x = leaf(rng.standard_normal((8, 4, 3)))
    y = F.batch_norm(x, None, None, training=True)
    np.testing.assert_allclose(y.array.mean((0, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.array.var((0, 2)), 1 / (1 + 1e-5 / x.array.var((0, 2))), rtol=1e-9)
    gradcheck(lambda x: F.batch_norm(x, None, None, training=True), [x])


def test_running_statistics_follow_pytorch_rules(rng):
    bn = nn.BatchNorm1d(3).double()
    batches = [rng.standard_normal((10, 3)) * [1, 2, 3] + [0, 1, -1] for _ in range(4)]
    mean, var = np.zeros(3), np.ones(3)
    for batch in batches:
        bn(md.tensor(batch))
        mean = 0.9 * mean + 0.1 * batch.mean(0)
        var = 0.9 * var + 0.1 * batch.var(0, ddof=1)  # unbiased in the running estimate
    np.testing.assert_allclose(bn.running_mean.array, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.array, var, rtol=1e-12)
    assert int(bn.num_batches_tracked.array) == 4


def test_cumulative_average_when_momentum_is_none(rng):
    bn = nn.BatchNorm2d(2, momentum=None).double()
    batches = [rng.standard_normal((3, 2, 4, 4)) + k for k in range(3)]
    for batch in batches:
        bn(md.tensor(batch))
    means = np.array([b.mean((0, 2, 3)) for b in batches])
    np.testing.assert_allclose(bn.running_mean.array, means.mean(0), rtol=1e-12)


def test_eval_mode_uses_running_statistics_and_gradcheck(rng):
    bn = nn.BatchNorm2d(3).double()
    bn.running_mean.array[...] = [0.5, -1, 2]
    bn.running_var.array[...] = [1.5, 0.5, 3]
    bn.weight.array[...] = [1, 2, 3]
    bn.bias.array[...] = [0, 1, -1]
    bn.eval()
    x = leaf(rng.standard_normal((2, 3, 2, 2)))
    y = bn(x)
    shape = (1, 3, 1, 1)
    expected = (x.array - bn.running_mean.array.reshape(shape)) / np.sqrt(
        bn.running_var.array.reshape(shape) + 1e-5
    ) * bn.weight.array.reshape(shape) + bn.bias.array.reshape(shape)
    np.testing.assert_allclose(y.array, expected, rtol=1e-12)
    before = bn.running_mean.array.copy()
    gradcheck(lambda x: bn(x), [x])
    np.testing.assert_array_equal(bn.running_mean.array, before)  # eval does not update
    assert int(bn.num_batches_tracked.array) == 0


def test_no_running_stats_uses_batch_statistics_in_eval(rng):
    bn = nn.BatchNorm1d(2, track_running_stats=False).double().eval()
    x = md.tensor(rng.standard_normal((6, 2)) * 5)
    np.testing.assert_allclose(bn(x).array.mean(0), 0, atol=1e-12)
    assert "running_mean" not in bn.state_dict()


def test_batch_norm_trains_float32(rng):
    bn = nn.BatchNorm1d(4)
    x = md.tensor(rng.standard_normal((16, 4)).astype(np.float32), requires_grad=True)
    y = bn(x)
    (y * y).sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and bn.weight.grad.dtype == np.float32
    assert bn.running_var.dtype == np.float32


def test_batch_norm_state_dict_keys_and_errors():
    bn = nn.BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(ValueError, match="expected a 4-D \\(N, C, H, W\\) input, got shape \\(2, 3\\)"):
        bn(md.randn(2, 3))
    with pytest.raises(ValueError, match="expected 3 channels"):
        bn(md.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(md.randn(1, 3))
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        nn.BatchNorm1d(0)
    assert (
        repr(nn.BatchNorm1d(4))
        == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )


def test_eval_mode_gradients_reach_weight_and_bias(rng):
    bn = nn.BatchNorm1d(3).double()
    bn.running_mean.array[...] = [0.1, -0.2, 0.3]
    bn.running_var.array[...] = [0.5, 2.0, 1.0]
    bn.eval()
    x = leaf(rng.standard_normal((4, 3)))
    w, b = leaf(rng.standard_normal(3)), leaf(rng.standard_normal(3))
    gradcheck(
        lambda x, w, b: F.batch_norm(x, bn.running_mean, bn.running_var, w, b, training=False), [x, w, b]
    )
