"""max_pool2d / avg_pool2d / adaptive_avg_pool2d: gradients, ties, second derivatives, errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d


def _t(rng, *shape):
    return md.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize(
    "kernel,stride,padding,dilation,ceil_mode",
    [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 1, 1, 2, False), (2, 2, 1, 1, True)],
)
def test_max_pool2d_gradients(rng, kernel, stride, padding, dilation, ceil_mode):
    x = _t(rng, 2, 3, 7, 6)  # distinct random values: the maximum is unique, so f is smooth here
    gradcheck(lambda x: max_pool2d(x, kernel, stride, padding, dilation, ceil_mode), [x])


def test_max_pool2d_routes_ties_to_the_first_maximum():
    x = md.tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)  # a flat region: every pixel ties
    max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1.0  # top-left of each window only
    np.testing.assert_array_equal(x.grad.array[0, 0], expected)
    x = md.tensor(np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [0.0, 0.0, 0.0]]]]), requires_grad=True)
    max_pool2d(x, 2, 1).sum().backward()  # overlapping windows
    np.testing.assert_array_equal(x.grad.array[0, 0], [[0, 2, 0], [1, 0, 1], [0, 0, 0]])


def test_max_pool2d_values_and_nan_propagation():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(max_pool2d(x, 2).array[0, 0], [[5, 7], [13, 15]])
    x[0, 0, 0, 0] = np.nan
    assert np.isnan(max_pool2d(x, 2).array[0, 0, 0, 0])


def test_max_pool2d_second_derivative(rng):
    x = _t(rng, 2, 2, 5, 5)
    gradgradcheck(lambda x: max_pool2d(x, 3, 2, 1) ** 2, [x])


@pytest.mark.parametrize(
    "kernel,stride,padding,ceil_mode,count_include_pad",
    [(2, None, 0, False, True), (3, 2, 1, False, True), (3, 2, 1, True, False)],
)
def test_avg_pool2d_gradients(rng, kernel, stride, padding, ceil_mode, count_include_pad):
    x = _t(rng, 2, 3, 7, 6)
    gradcheck(lambda x: avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad), [x])
    gradgradcheck(lambda x: avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad) ** 2, [x])


def test_avg_pool2d_divisor_counts_padding_as_asked():
    x = np.ones((1, 1, 2, 2))
    np.testing.assert_allclose(avg_pool2d(x, 2, 1, 1).array[0, 0, 0, 0], 0.25)
    np.testing.assert_allclose(avg_pool2d(x, 2, 1, 1, count_include_pad=False).array[0, 0], np.ones((3, 3)))


@pytest.mark.parametrize("output_size", [1, 3, (2, 4), (None, 2)])
def test_adaptive_avg_pool2d(rng, output_size):
    x = _t(rng, 2, 2, 6, 7)
    gradcheck(lambda x: adaptive_avg_pool2d(x, output_size), [x])
    y = adaptive_avg_pool2d(x, output_size)
    # Means over bins preserve the overall mean when the bins tile evenly (size 1 always does).
    if output_size == 1:
        np.testing.assert_allclose(y.array[..., 0, 0], x.array.mean(axis=(2, 3)))


def test_pool_keeps_float32(rng):
    x = md.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    y = max_pool2d(x, 2) + avg_pool2d(x, 2) + adaptive_avg_pool2d(x, 4)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_pool_misuse(rng):
    x = rng.standard_normal((2, 3, 8, 8))
    with pytest.raises(ValueError, match="half of the kernel"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        avg_pool2d(x, 0)
    with pytest.raises(ValueError, match="smaller than the kernel"):
        max_pool2d(x, 9)
    with pytest.raises(ValueError, match="4-D"):
        max_pool2d(x[0, 0], 2)
    with pytest.raises(TypeError, match="floating"):
        max_pool2d(np.ones((1, 1, 4, 4), dtype=np.int64), 2)
    with pytest.raises(ValueError, match="output sizes"):
        adaptive_avg_pool2d(x, 0)
