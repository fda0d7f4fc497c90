"""sin cos tan asin acos atan atan2 sinh cosh erf erfc log1p expm1 square rsqrt reciprocal softplus:
float64 finite differences of first and second order; floor ceil round sign: zero gradient; dtypes,
integer inputs, stability, errors, and the docstring examples."""

import doctest

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.ops import elementwise, special, trigonometric


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


SMOOTH = {
    "sin": (md.sin, _uniform(-3, 3)),
    "cos": (md.cos, _uniform(-3, 3)),
    "tan": (md.tan, _uniform(-1.2, 1.2)),
    "asin": (md.asin, _uniform(-0.9, 0.9)),
    "acos": (md.acos, _uniform(-0.9, 0.9)),
    "atan": (md.atan, _uniform(-3, 3)),
    "sinh": (md.sinh, _uniform(-2, 2)),
    "cosh": (md.cosh, _uniform(-2, 2)),
    "erf": (md.erf, _uniform(-2.5, 2.5)),
    "erfc": (md.erfc, _uniform(-2.5, 2.5)),
    "log1p": (md.log1p, _uniform(-0.8, 3)),
    "expm1": (md.expm1, _uniform(-2, 2)),
    "square": (md.square, _uniform(-2, 2)),
    "rsqrt": (md.rsqrt, _uniform(0.3, 3)),
    "reciprocal": (md.reciprocal, _uniform(0.3, 3)),
    "softplus": (md.softplus, _uniform(-4, 4)),
    "softplus beta": (lambda x: md.softplus(x, beta=2.0, threshold=3.0), _uniform(-4, 4)),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_first_and_second_derivatives_match_finite_differences(rng, name, shape):
    function, sample = SMOOTH[name]
    values = sample(rng, shape)
    if name == "softplus beta":  # keep off the switch at βx = threshold, where softplus has a kink
        values[np.abs(values * 2.0 - 3.0) < 0.05] += 0.1
    x = md.tensor(values, dtype=np.float64, requires_grad=True)
    assert gradcheck(function, [x])
    assert gradgradcheck(function, [x])


def test_atan2_gradients_and_quadrants(rng):
    y = md.tensor(rng.uniform(-2, 2, (3, 4)), dtype=np.float64, requires_grad=True)
    x = md.tensor(rng.uniform(0.5, 2, (4,)) * np.array([1, -1, 1, -1]), dtype=np.float64, requires_grad=True)
    assert gradcheck(md.atan2, [y, x])
    assert gradgradcheck(md.atan2, [y, x])
    angles = md.atan2(md.tensor([1.0, 1.0, -1.0, -1.0]), md.tensor([1.0, -1.0, -1.0, 1.0])).array
    np.testing.assert_allclose(angles, np.array([1, 3, -3, -1]) * np.pi / 4, rtol=1e-6)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "sign"])
def test_rounding_has_zero_gradient(name):
    x = md.tensor([-1.5, -0.5, 0.0, 0.4, 2.5], dtype=np.float64, requires_grad=True)
    y = getattr(md, name)(x)
    (y * md.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.array, np.zeros(5))
    expected = getattr(np, name if name != "round" else "round")(x.array)
    np.testing.assert_array_equal(y.array, expected)


def test_round_is_half_to_even_and_takes_decimals():
    np.testing.assert_array_equal(md.round(md.tensor([0.5, 1.5, 2.5, -0.5])).array, [0.0, 2.0, 2.0, -0.0])
    np.testing.assert_allclose(md.round(md.tensor([1.2345]), decimals=2).array, [1.23], rtol=1e-6)
    with pytest.raises(TypeError, match="decimals must be an integer"):
        md.round(md.tensor([1.0]), decimals=0.5)


def test_integer_inputs():
    ints = md.tensor([1, 4, 9])
    assert md.sin(ints).dtype == np.float32 and md.rsqrt(ints).dtype == np.float32
    assert md.square(ints).dtype == np.int64 and md.square(ints).tolist() == [1, 16, 81]
    assert md.floor(ints).dtype == np.int64 and md.sign(md.tensor([-2, 0, 3])).tolist() == [-1, 0, 1]


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_float32_stays_float32(rng, name):
    function, sample = SMOOTH[name]
    x = md.tensor(sample(rng, (4,)), dtype=np.float32, requires_grad=True)
    y = function(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_stability_at_extremes():
    big = md.tensor([-1000.0, -50.0, 50.0, 1000.0], dtype=np.float64)
    np.testing.assert_allclose(md.softplus(big).array, [0.0, np.exp(-50.0), 50.0, 1000.0], rtol=1e-12)
    np.testing.assert_allclose(md.log1p(md.tensor([1e-12], dtype=np.float64)).array, [1e-12], rtol=1e-12)
    np.testing.assert_allclose(md.expm1(md.tensor([1e-12], dtype=np.float64)).array, [1e-12], rtol=1e-12)
    np.testing.assert_allclose(md.erfc(md.tensor([10.0], dtype=np.float64)).array, [2.088487583762545e-45])
    x = md.tensor([-200.0, 200.0], dtype=np.float64, requires_grad=True)
    md.softplus(x).sum().backward()
    np.testing.assert_allclose(x.grad.array, [0.0, 1.0], atol=1e-80)


def test_bad_arguments():
    with pytest.raises(ValueError, match="beta must be non-zero"):
        md.softplus(md.tensor([1.0]), beta=0)
    with pytest.raises(TypeError, match="threshold must be a number"):
        md.softplus(md.tensor([1.0]), threshold="big")
    with pytest.raises(ValueError, match="cannot broadcast"):
        md.atan2(md.ones(2), md.ones(3))


@pytest.mark.parametrize("module", [elementwise, special, trigonometric])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
