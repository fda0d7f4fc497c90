"""The Function contract: forward on arrays, backward on Tensors, several outputs (an unused one
gets a zero gradient), None gradients, non-tensor parameters, recording rules, and the engine's
checks on what backward returns."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


class ScaledSquare(Function):
    """y = c x²  (c a constant parameter);  ∂L/∂x = ȳ · 2 c x."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return self.c * x * x

    def backward(self, gy):
        (x,) = self.inputs
        return gy * x * (2.0 * self.c)


class SplitSumProduct(Function):
    """(s, p) = (a + b, a · b);  ∂L/∂a = s̄ + p̄ b,  ∂L/∂b = s̄ + p̄ a."""

    def forward(self, a, b):
        return a + b, a * b

    def backward(self, gs, gp):
        a, b = self.inputs
        return gs + gp * b, gs + gp * a


class FirstOnly(Function):
    """y = a (b is ignored): the gradient for b is None."""

    def forward(self, a, b):
        return a.copy()

    def backward(self, gy):
        return gy, None


class TooFewGradients(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy


class WrongShape(Function):
    def forward(self, a):
        return a.sum()

    def backward(self, gy):
        return gy


def test_parameterised_function_is_differentiable_twice():
    x = md.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    assert gradcheck(lambda t: ScaledSquare(3.0)(t), [x])
    assert gradgradcheck(lambda t: ScaledSquare(3.0)(t), [x])
    y = ScaledSquare(3.0)(x)
    np.testing.assert_array_equal(y.array, 3.0 * x.array**2)
    assert isinstance(y.creator, ScaledSquare) and y.output_index == 0


def test_several_outputs_and_an_unused_one():
    a = md.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = md.tensor(np.array([3.0, -1.0]), requires_grad=True)
    s, p = SplitSumProduct()(a, b)
    assert p.output_index == 1 and p.creator is s.creator
    ga, gb = md.grad((p * 2.0).sum(), [a, b])  # s is unused: its gradient counts as zero
    np.testing.assert_array_equal(ga.array, 2 * b.array)
    np.testing.assert_array_equal(gb.array, 2 * a.array)
    assert gradcheck(lambda x, y: SplitSumProduct()(x, y), [a, b])


def test_none_gradient_means_no_contribution():
    a = md.tensor([1.0, 2.0], requires_grad=True)
    b = md.tensor([3.0, 4.0], requires_grad=True)
    FirstOnly()(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.array, [1.0, 1.0])
    assert b.grad is None


def test_array_inputs_are_wrapped_and_nothing_is_recorded_without_grad():
    y = ScaledSquare(2.0)(np.array([1.0, 2.0]))
    assert isinstance(y, md.Tensor) and not y.requires_grad and y.creator is None
    x = md.tensor([1.0], requires_grad=True)
    with md.no_grad():
        z = ScaledSquare(2.0)(x)
    assert not z.requires_grad and z.creator is None


def test_engine_checks_what_backward_returns():
    a = md.tensor([1.0], requires_grad=True)
    b = md.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="TooFewGradients.backward returned 1 gradients for 2 inputs"):
        TooFewGradients()(a, b).sum().backward()
    with pytest.raises(
        RuntimeError,
        match=r"WrongShape.backward gave a gradient of shape \(\) for an input "
        r"of shape \(1,\)",
    ):
        WrongShape()(a).backward()


def test_unimplemented_function_names_itself():
    with pytest.raises(NotImplementedError, match="Function.forward"):
        Function()(md.tensor([1.0]))


def test_as_tensor_keeps_the_dtype_of_like():
    like = md.tensor(np.zeros(2, dtype=np.float32))
    assert as_tensor(2.5, like=like).dtype == np.float32
    assert as_tensor(np.float64(2.5), like=like).dtype == np.float32
    assert as_tensor(np.array([1.0, 2.0]), like=like).dtype == np.float32
    assert as_tensor(3, like=md.tensor([1, 2])).dtype == np.int64
    t = md.tensor([1.0])
    assert as_tensor(t) is t
    assert as_tensor(2.5).dtype == np.float32 and as_tensor(2.5, like=md.tensor([1, 2])).dtype == np.float32


def test_non_numeric_operands_are_refused_clearly():
    x = md.tensor([1.0])
    with pytest.raises(TypeError, match="expected a number, an array or a Tensor, got str"):
        x + "a"
    with pytest.raises(TypeError, match="got str"):
        md.exp("a")
