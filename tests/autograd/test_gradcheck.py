"""gradcheck and gradgradcheck themselves: they pass correct gradients, catch wrong ones (first
and second order), refuse float32, and hessian_vector_product is exact on a quadratic."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.function import Function
from mathdl.autograd.gradcheck import (
    compare_gradients,
    gradcheck,
    gradcheck_error,
    gradgradcheck,
    hessian_vector_product,
)


class WrongCube(Function):
    """y = x³ with a wrong backward (2x² instead of 3x²)."""

    def forward(self, x):
        return x**3

    def backward(self, gy):
        x = self.inputs[0]
        return gy * x * x * 2.0


class FrozenCube(Function):
    """y = x³ with a correct first derivative written with a constant copy of x, so it cannot be
    differentiated again (the second derivative it gives is 0 instead of 6x)."""

    def forward(self, x):
        return x**3

    def backward(self, gy):
        x = md.Tensor(self.inputs[0].array)
        return gy * x * x * 3.0


def leaf(values):
    return md.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_gradcheck_accepts_correct_gradients():
    x, w = leaf([[0.5, -1.0], [2.0, 0.3]]), leaf([1.5, -0.5])
    assert gradcheck(lambda a, b: md.tanh(a @ b) * md.exp(b).sum(), [x, w])
    assert gradcheck_error(lambda a, b: md.tanh(a @ b), [x, w]) < 1e-8


def test_gradcheck_catches_a_wrong_gradient():
    x = leaf([0.5, -1.0, 2.0])
    with pytest.raises(
        AssertionError, match=r"gradcheck: Jacobian mismatch for differentiable input 0 \(shape \(3,\)\)"
    ):
        gradcheck(lambda t: WrongCube()(t), [x])
    ((analytic, numerical),) = compare_gradients(lambda t: WrongCube()(t), [x])
    np.testing.assert_allclose(analytic / numerical, 2.0 / 3.0, rtol=1e-6)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = leaf([0.5, -1.0, 2.0])
    assert gradcheck(lambda t: FrozenCube()(t), [x])  # first order is right
    with pytest.raises(AssertionError, match="gradgradcheck: input 0"):
        gradgradcheck(lambda t: FrozenCube()(t), [x])
    assert gradgradcheck(lambda t: t**3, [x])


def test_gradgradcheck_of_linear_functions_and_unused_inputs():
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    assert gradgradcheck(lambda a, b: a * 2.0 - 1.0, [x, unused])


def test_gradcheck_refuses_float32_and_constants():
    with pytest.raises(TypeError, match="inputs that require grad must be float64 Tensors"):
        gradcheck(md.exp, [md.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="no input is a Tensor with requires_grad=True"):
        gradcheck(md.exp, [md.tensor(np.array([1.0]))])


def test_hessian_vector_product_is_exact_on_a_quadratic(rng):
    # f(x) = ½ xᵀ A x has the Hessian H = (A + Aᵀ) / 2
    a = rng.standard_normal((4, 4))
    x = leaf(rng.standard_normal(4))
    v = rng.standard_normal(4)
    (hv,) = hessian_vector_product(lambda t: 0.5 * (t @ md.tensor(a) @ t), [x], [v])
    np.testing.assert_allclose(hv, 0.5 * (a + a.T) @ v, rtol=1e-12, atol=1e-12)


def test_gradcheck_restores_the_inputs():
    x = leaf([0.5, -1.0])
    before = x.array.copy()
    gradcheck(md.sigmoid, [x])
    gradgradcheck(md.sigmoid, [x])
    np.testing.assert_array_equal(x.array, before)
