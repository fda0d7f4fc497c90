"""exp, log, sqrt, abs, tanh, sigmoid, relu, clip, maximum, minimum, where: float64 finite
differences (first and second order), exact values at the edges, stability for large inputs,
dtype preservation and errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def away_from_kinks(rng, shape):
    # |x| ≥ 0.1 keeps finite differences (step 1e-6) off the kinks of abs, relu and clip
    x = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return md.tensor(x, dtype=np.float64, requires_grad=True)


def positive(rng, shape):
    return md.tensor(rng.uniform(0.2, 3.0, shape), dtype=np.float64, requires_grad=True)


UNARY = {
    "exp": md.exp,
    "tanh": md.tanh,
    "sigmoid": md.sigmoid,
    "abs": md.abs,
    "relu": md.relu,
    "clip": lambda x: md.clip(x, -0.5, 0.8),
    "clip lo": lambda x: md.clip(x, lo=-0.5),
    "clip hi": lambda x: x.clip(hi=0.5),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_unary_gradients_match_finite_differences(rng, name, shape):
    x = away_from_kinks(rng, shape)
    if name.startswith("clip"):  # keep away from the clip bounds too
        x.array[np.abs(np.abs(x.array) - 0.5) < 0.05] += 0.1
        x.array[np.abs(x.array - 0.8) < 0.05] += 0.1
    assert gradcheck(UNARY[name], [x])
    assert gradgradcheck(UNARY[name], [x])


@pytest.mark.parametrize("fn", [md.log, md.sqrt], ids=["log", "sqrt"])
def test_log_sqrt_gradients_match_finite_differences(rng, fn):
    x = positive(rng, (2, 3))
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


@pytest.mark.parametrize("fn", [md.maximum, md.minimum], ids=["maximum", "minimum"])
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))])
def test_maximum_minimum_gradients(rng, fn, shapes):
    a, b = (md.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert gradcheck(fn, [a, b])


def test_maximum_minimum_split_ties():
    a = md.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = md.tensor([1.0, 5.0, 0.0], requires_grad=True)
    ga, gb = md.grad(md.maximum(a, b).sum(), [a, b])
    np.testing.assert_array_equal(ga.array, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gb.array, [0.5, 1.0, 0.0])
    ga, gb = md.grad(md.minimum(a, b).sum(), [a, b])
    np.testing.assert_array_equal(ga.array, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gb.array, [0.5, 0.0, 1.0])


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((3,), (2, 3), ()), ((2, 1), (3,), (2, 3))])
def test_where_gradients(rng, shapes):
    shape_c, shape_a, shape_b = shapes
    condition = rng.random(shape_c) < 0.5
    a, b = (md.tensor(rng.standard_normal(s), requires_grad=True) for s in (shape_a, shape_b))
    assert gradcheck(lambda x, y: md.where(condition, x, y), [a, b])
    assert gradgradcheck(lambda x, y: md.where(condition, x * x, y * y * y), [a, b])


def test_where_gradient_is_masked():
    x = md.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    md.where(x > 0, x * 10.0, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [0.0, 10.0, 0.0])


def test_kinks_use_the_zero_subgradient():
    x = md.tensor([0.0, 0.0], requires_grad=True)
    (md.abs(x) + md.relu(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [0.0, 0.0])
    y = md.tensor([-1.0, -0.5, 0.0, 0.5, 1.0], requires_grad=True)
    y.clip(-0.5, 0.5).sum().backward()  # the bounds are inside, as torch.clamp
    np.testing.assert_array_equal(y.grad.array, [0.0, 1.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_at_1e3(dtype):
    x = md.tensor(np.array([-1e3, -100.0, -30.0, 0.0, 30.0, 100.0, 1e3], dtype=dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow on the way
        y = md.sigmoid(x)
        y.sum().backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(y.array)) and np.all(np.isfinite(x.grad.array))
    assert y.array[0] == 0.0 and y.array[-1] == 1.0 and y.array[3] == 0.5
    np.testing.assert_allclose(y.array[2], np.exp(-30.0) / (1 + np.exp(-30.0)), rtol=1e-6)
    np.testing.assert_array_equal(x.grad.array[[0, -1]], [0.0, 0.0])
    assert x.grad.array[3] == 0.25


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_is_stable_at_1e3(dtype):
    x = md.tensor(np.array([-1e3, 0.0, 1e3], dtype=dtype), requires_grad=True)
    y = md.tanh(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.array, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(x.grad.array, [0.0, 1.0, 0.0])


def test_log_of_zero_is_minus_inf_without_a_warning():
    with np.errstate(all="raise"):
        y = md.log(md.tensor([0.0, 1.0]))
    assert y.array[0] == -np.inf and y.array[1] == 0.0


UNARY_ALL = {
    **UNARY,
    "log": md.log,
    "sqrt": md.sqrt,
    "maximum": lambda x: md.maximum(x, 1.0),
    "minimum": lambda x: md.minimum(0.5, x),
    "where": lambda x: md.where(x > 1, x, 0.0),
    "where2": lambda x: md.where(x > 1, 2.0, x),
}


@pytest.mark.parametrize("name", sorted(UNARY_ALL))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(name, dtype):
    x = md.tensor(np.array([0.5, 1.5, 2.5], dtype=dtype), requires_grad=True)
    y = UNARY_ALL[name](x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_numpy_scalar_bounds_keep_float32():
    x = md.tensor([0.5, 2.0], requires_grad=True)
    y = md.clip(x, np.float64(0.0), np.float64(1.0))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.array, [0.5, 1.0])
    assert md.maximum(x, np.float64(1.0)).dtype == np.float32
    assert md.where(x > 1, x, np.float64(0.0)).dtype == np.float32


def test_integer_inputs():
    i = md.tensor([0, 1, 2])
    for fn in (md.exp, md.sqrt, md.tanh, md.sigmoid):
        assert fn(i).dtype == md.get_default_dtype()
    np.testing.assert_allclose(md.sigmoid(i).array, 1 / (1 + np.exp(-np.array([0.0, 1.0, 2.0]))), rtol=1e-6)
    assert md.abs(md.tensor([-2, 3])).dtype == np.int64
    np.testing.assert_array_equal(md.relu(md.tensor([-2, 3])).array, [0, 3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_big_relu_keeps_the_memory_order_and_its_buffers_are_not_shared(rng, dtype):
    # ≥ 4 MiB: the output and the backward's mask come from ops.workspace, in the input's layout
    chwn = rng.standard_normal((16, 28, 28, 160)).astype(dtype)
    x = md.tensor(chwn.transpose(3, 0, 1, 2), requires_grad=True)  # NCHW view of (C, H, W, N) memory
    g = rng.standard_normal(x.shape).astype(dtype)
    y = md.relu(x)
    y2 = md.relu(x * 2.0)  # a second big output while the first is alive: a different buffer
    assert y.array.transpose(1, 2, 3, 0).flags.c_contiguous and y.dtype == dtype
    assert not np.shares_memory(y.array, y2.array)
    np.testing.assert_array_equal(y.array, np.maximum(x.array, 0))
    (y * md.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.array, g * (x.array > 0))
    np.testing.assert_array_equal(y.array, np.maximum(x.array, 0))  # the backward left y alone
    np.testing.assert_array_equal(y2.array, np.maximum(2.0 * x.array, 0))


def test_errors_name_the_problem():
    x = md.ones(3)
    with pytest.raises(ValueError, match=r"clip: lo \(2\) is greater than hi \(1\)"):
        x.clip(2, 1)
    with pytest.raises(ValueError, match="at least one of lo and hi"):
        md.clip(x)
    with pytest.raises(ValueError, match=r"where: cannot broadcast condition \(4,\) with \(3,\) and \(3,\)"):
        md.where(np.ones(4, dtype=bool), x, x)
    with pytest.raises(ValueError, match=r"where: cannot broadcast shapes \(3,\) and \(2,\)"):
        md.where(True, x, md.ones(2))
