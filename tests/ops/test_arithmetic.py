"""add, sub, mul, div, neg, pow and matmul: float64 finite-difference gradients (first and second
order), dtype preservation and promotion, and the error messages at the public boundary."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def leaf(rng, shape, low=None):
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, 2.0, shape)
    return md.tensor(data, dtype=np.float64, requires_grad=True)


BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 1, 3), (4, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((1,), (3, 1)),
    ((2, 1, 1), (1, 3, 2)),
]


@pytest.mark.parametrize("shape_a,shape_b", BROADCAST_PAIRS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_binary_gradients_match_finite_differences(rng, op, shape_a, shape_b):
    low = 0.5 if op in ("div", "pow") else None
    a, b = leaf(rng, shape_a, low), leaf(rng, shape_b, low)
    assert gradcheck(getattr(md, op), [a, b])


@pytest.mark.parametrize("op", ["mul", "div", "pow", "sub"])
def test_binary_second_derivatives_match_finite_differences(rng, op):
    a, b = leaf(rng, (2, 3), 0.5), leaf(rng, (3,), 0.5)
    assert gradgradcheck(getattr(md, op), [a, b])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: -x,
        lambda x: x**2,
        lambda x: x**3,
        lambda x: x**0.5,
        lambda x: x**-1.5,
        lambda x: 2.5**x,
        lambda x: 1 / x,
        lambda x: 3 - x,
        lambda x: x / 4 + 1,
    ],
    ids=["neg", "sq", "cube", "sqrt", "pow-1.5", "2.5**x", "1/x", "3-x", "x/4+1"],
)
def test_scalar_forms_match_finite_differences(rng, fn):
    x = leaf(rng, (2, 3), 0.5)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


def test_clone_and_cast_are_differentiable(rng):
    x = leaf(rng, (2, 3))
    assert gradcheck(lambda t: t.clone() * t, [x])
    assert gradgradcheck(lambda t: t.clone() * t, [x])
    # a round trip through float32 and back: the derivative of (cast x)² is 2x, to float32 precision
    (g,) = md.grad((x.astype(np.float32).astype(np.float64) ** 2).sum(), x, create_graph=True)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.array, 2 * x.array, rtol=1e-6)
    (h,) = md.grad(g.sum(), x)
    np.testing.assert_allclose(h.array, 2.0)


def test_pow_derivatives_at_zero():
    x = md.tensor([0.0, 2.0], dtype=np.float64, requires_grad=True)
    (x**0).sum().backward()  # x⁰ = 1 is flat even at 0 (not 0 · inf)
    np.testing.assert_array_equal(x.grad.array, [0.0, 0.0])
    a = md.tensor([0.0, 0.0, 3.0], dtype=np.float64, requires_grad=True)
    b = md.tensor([0.0, 2.0, 0.0], dtype=np.float64, requires_grad=True)
    ga, gb = md.grad(md.pow(a, b).sum(), [a, b])
    np.testing.assert_array_equal(ga.array, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gb.array, [0.0, 0.0, np.log(3.0)])


MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((2, 3, 4), (2, 4, 2)),
    ((2, 3, 4), (4, 2)),
    ((3, 4), (2, 4, 2)),
    ((2, 1, 3, 4), (3, 4, 2)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("shape_a,shape_b", MATMUL_SHAPES)
def test_matmul_gradients_match_finite_differences(rng, shape_a, shape_b):
    a, b = leaf(rng, shape_a), leaf(rng, shape_b)
    assert gradcheck(md.matmul, [a, b])


@pytest.mark.parametrize("shape_a,shape_b", [((3, 4), (4, 2)), ((2, 1, 3), (2, 3, 2)), ((3,), (3,))])
def test_matmul_second_derivatives(rng, shape_a, shape_b):
    a, b = leaf(rng, shape_a), leaf(rng, shape_b)
    assert gradgradcheck(lambda x, y: md.tanh(x @ y), [a, b])


def test_matmul_values():
    a = md.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = md.tensor([1.0, -1.0])
    np.testing.assert_array_equal((a @ v).array, [-1.0, -1.0])
    np.testing.assert_array_equal((v @ a).array, [-2.0, -2.0])
    assert (v @ v).shape == () and (v @ v).item() == 2.0
    np.testing.assert_array_equal((a @ a).array, [[7.0, 10.0], [15.0, 22.0]])
    np.testing.assert_array_equal((np.eye(2) @ a).array, a.array)  # NumPy on the left


FLOAT32_FORMS = {
    "x*2.0": lambda x: x * 2.0,
    "2.0*x": lambda x: 2.0 * x,
    "x/3": lambda x: x / 3,
    "3/x": lambda x: 3 / x,
    "x**2": lambda x: x**2,
    "x**0.5": lambda x: x**0.5,
    "x**x": lambda x: x**x,
    "2.0**x": lambda x: 2.0**x,
    "x+np.float64": lambda x: x + np.float64(1.5),
    "x-1": lambda x: x - 1,
    "1-x": lambda x: 1 - x,
    "-x": lambda x: -x,
    "x*np.array": lambda x: x * np.array([2.0, 3.0, 4.0]),
    "x@x": lambda x: x @ x,
    "x*int tensor": lambda x: x * md.tensor([1, 2, 3]),
    "x*bool": lambda x: x * (x > 1),
}


@pytest.mark.parametrize("form", sorted(FLOAT32_FORMS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_through_values_and_gradients(form, dtype):
    x = md.tensor(np.array([0.5, 1.5, 2.5], dtype=dtype), requires_grad=True)
    y = FLOAT32_FORMS[form](x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_mixed_dtypes_promote_like_torch():
    i = md.tensor([1, 2])
    f = md.tensor([1.0, 2.0])
    d = md.tensor([1.0, 2.0], dtype=np.float64)
    assert (i * 2).dtype == np.int64
    assert (i * 2.5).dtype == np.float32 and (i * f).dtype == np.float32
    assert (i / i).dtype == np.float32 and (i / 2).dtype == np.float32
    np.testing.assert_array_equal((i / 2).array, [0.5, 1.0])
    assert (f * d).dtype == np.float64
    f.requires_grad_()
    (f * d).sum().backward()
    assert f.grad.dtype == np.float32  # a gradient takes its leaf's dtype


def test_matmul_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"^matmul: cannot multiply \(2, 2\) by \(3,\): inner sizes 2 != 3$"):
        md.matmul(md.ones(2, 2), md.ones(3))
    with pytest.raises(ValueError, match=r"cannot multiply \(2, 3\) by \(2, 3\): inner sizes 3 != 2"):
        md.ones(2, 3) @ md.ones(2, 3)
    with pytest.raises(ValueError, match="at least one dimension"):
        md.matmul(md.tensor(2.0), md.ones(2))
    with pytest.raises(ValueError, match=r"batch dimensions of \(2, 3, 4\) and \(3, 4, 5\) do not broadcast"):
        md.ones(2, 3, 4) @ md.ones(3, 4, 5)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_broadcast_mismatch_names_op_and_shapes(op):
    with pytest.raises(ValueError, match=rf"^{op}: cannot broadcast shapes \(2, 3\) and \(4,\)$"):
        getattr(md, op)(md.ones(2, 3), md.ones(4))


def test_operator_broadcast_mismatch():
    with pytest.raises(ValueError, match=r"cannot broadcast shapes \(3,\) and \(2, 2\)"):
        md.ones(3) + md.ones(2, 2)
    with pytest.raises(ValueError, match=r"cannot broadcast"):
        md.ones(3) * np.ones(4)
