"""Sequential runs ReLU → MaxPool2d as pooling then ReLU (nn/containers.py ``_pool_first``): the
values and the gradients must be those of the modules called one by one, ties, NaN, padding and
ceil_mode included, in float32 and float64; a hook or a subclass keeps the written order."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.nn.containers import _pool_first


def _one_by_one(model, x):
    for module in model:
        x = module(x)
    return x


def _values_and_grads(model, x_array, g_array, run):
    x = md.tensor(x_array, requires_grad=True)
    y = run(model, x)
    (y * md.tensor(g_array)).sum().backward()
    grads = [p.grad.array.copy() for p in model.parameters()]
    for p in model.parameters():
        p.grad = None
    return y.array.copy(), x.grad.array.copy(), grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "pool",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=3, stride=2, ceil_mode=True),
        dict(kernel_size=2, stride=1, dilation=2),
    ],
)
def test_pooling_first_gives_the_written_chain_values_and_gradients(rng, dtype, pool):
    md.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(**pool), nn.Flatten())
    model = model.to(dtype) if dtype == np.float64 else model
    x = rng.standard_normal((4, 2, 9, 9)).astype(dtype)
    x[0] = 0.0  # whole windows of ReLU zeros (ties): the gradient must still be the written chain's
    x[1, :, :3, :3] = -1.0
    y_ref = _one_by_one(model, md.tensor(x))
    g = rng.standard_normal(y_ref.shape).astype(dtype)
    reference = _values_and_grads(model, x, g, _one_by_one)
    fused = _values_and_grads(model, x, g, lambda m, t: m(t))
    assert fused[0].dtype == dtype
    np.testing.assert_array_equal(fused[0], reference[0])
    np.testing.assert_array_equal(fused[1], reference[1])
    for a, b in zip(fused[2], reference[2]):
        np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_nan_propagates_as_in_the_written_chain():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = np.nan
    x[0, 0, 2, 3] = 3.0
    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))
    reference = _values_and_grads(model, x, np.ones((1, 1, 2, 2)), _one_by_one)
    fused = _values_and_grads(model, x, np.ones((1, 1, 2, 2)), lambda m, t: m(t))
    np.testing.assert_array_equal(fused[0], reference[0])
    np.testing.assert_array_equal(fused[1], reference[1])


def test_the_pair_is_reordered_only_for_plain_modules_without_hooks():
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)
    assert _pool_first(relu, pool)
    assert not _pool_first(pool, relu)

    class MyReLU(nn.ReLU):
        pass

    assert not _pool_first(MyReLU(), pool)
    seen = []
    handle = relu.register_forward_hook(lambda module, args, output: seen.append(args[0].shape))
    assert not _pool_first(relu, pool)
    nn.Sequential(relu, pool)(md.ones(1, 1, 4, 4))
    assert seen == [(1, 1, 4, 4)]  # the hook saw ReLU's input at full size: the written order ran
    handle.remove()
    assert _pool_first(relu, pool)


def test_inplace_relu_flag_is_kept():
    x = md.tensor(np.arange(-8.0, 8.0).reshape(1, 1, 4, 4))
    with md.no_grad():
        y = nn.Sequential(nn.ReLU(inplace=True), nn.MaxPool2d(2))(x)
    np.testing.assert_array_equal(y.array, [[[[0.0, 0.0], [5.0, 7.0]]]])
