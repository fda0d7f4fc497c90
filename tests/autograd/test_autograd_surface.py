"""PyTorch's autograd surface: mathdl.autograd.grad/gradcheck, grad modes as decorators,
inference_mode, retain_graph, grad_fn, anomaly detection."""

import numpy as np
import pytest

import mathdl as md
from mathdl import autograd


def leaf(values):
    return md.tensor(values, dtype=md.float64, requires_grad=True)


def test_autograd_grad_and_backward_inputs():
    x, y = leaf([1.0, 2.0]), leaf([3.0])
    (gx,) = autograd.grad((x * x).sum(), x)
    np.testing.assert_array_equal(gx.array, [2.0, 4.0])
    (x * y).sum().backward(inputs=[x])
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])
    assert y.grad is None
    gx, gy = autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    assert gy.tolist() == [0.0]


def test_gradcheck_function_form():
    x = leaf([0.3, -1.2, 2.0])
    assert autograd.gradcheck(md.tanh, (x,)) is True
    assert autograd.gradcheck(lambda a, k: a * k, (x, 3.0), eps=1e-6, atol=1e-5, rtol=1e-3)
    assert autograd.gradcheck(md.sin if hasattr(md, "sin") else md.exp, x)

    class Wrong(md.Function):
        def forward(self, a):
            return a * a

        def backward(self, g):
            return g * self.inputs[0] * 2.1

    with pytest.raises(AssertionError, match="Jacobian mismatch for differentiable input 0"):
        autograd.gradcheck(lambda a: Wrong()(a), (x,))
    assert autograd.gradcheck(lambda a: Wrong()(a), (x,), raise_exception=False) is False
    with pytest.raises(TypeError, match="must be float64"):
        autograd.gradcheck(md.exp, (md.tensor([1.0], requires_grad=True),))


def test_gradcheck_tolerance_is_per_element():
    # a gradient of 1e3 next to one of 1e-6: an error of 1e-4 on the small one exceeds
    # atol + rtol·|numerical| there, though it is tiny next to the largest gradient
    big = leaf([1.0, 1.0])

    class SmallError(md.Function):
        def forward(self, a):
            return a * np.array([1e3, 1e-6])

        def backward(self, g):
            return g * md.tensor([1e3, 1e-6 + 1e-4], dtype=md.float64)

    with pytest.raises(AssertionError, match=r"at element \(1,\)"):
        autograd.gradcheck(lambda a: SmallError()(a), (big,))


def test_no_grad_and_enable_grad_as_bare_and_called_decorators():
    x = leaf([1.0])

    @md.no_grad
    def bare(t):
        return t * 2

    @md.no_grad()
    def called(t):
        return t * 2

    @md.enable_grad()
    def enabled(t):
        return t * 2

    assert not bare(x).requires_grad and not called(x).requires_grad
    with md.no_grad():
        assert enabled(x).requires_grad
    assert md.is_grad_enabled()


def test_inference_mode():
    x = leaf([1.0])
    with md.inference_mode():
        assert md.is_inference_mode_enabled() and not md.is_grad_enabled()
        assert not (x * 2).requires_grad
    assert not md.is_inference_mode_enabled() and md.is_grad_enabled()

    @md.inference_mode()
    def predict(t):
        return t * 2

    assert not predict(x).requires_grad
    with md.inference_mode(False):
        assert (x * 2).requires_grad


def test_retain_graph_as_pytorch():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.array, [4.0, 8.0])
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    z = (x + 1).sum()  # saves nothing: a second pass is allowed, as in PyTorch
    z.backward()
    z.backward()


def test_a_carried_state_without_detach_fails_loudly():
    w = leaf([0.5])
    h = md.zeros(1, dtype=md.float64)
    for step in range(2):
        h = md.tanh(h * w + 1.0)
        if step == 0:
            h.sum().backward()
    with pytest.raises(md.AutogradError, match="detach"):
        h.sum().backward()


def test_grad_fn():
    x = leaf([1.0, 2.0])
    y = (x * 3).exp()
    assert x.grad_fn is None and y.grad_fn.name() == "ExpBackward"
    ((mul, index),) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward" and index == 0
    (to_x, _), (constant, _) = mul.next_functions
    assert to_x.name() == "AccumulateGrad" and to_x.variable is x and constant is None
    assert "grad_fn=<ExpBackward>" in repr(y)


def test_anomaly_detection_names_the_function():
    x = leaf([0.0, 1.0])
    with md.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="LogBackward's forward produced inf"):
            md.log(x)
        y = md.sqrt(x)  # finite forward, but ∂√x/∂x = inf at 0
        with pytest.raises(RuntimeError, match="'SqrtBackward' returned inf"):
            y.sum().backward()
    assert not md.autograd.is_anomaly_enabled()
    md.log(x)  # off again: no check
    md.autograd.set_detect_anomaly(True)
    try:
        with pytest.raises(md.autograd.anomaly.AnomalyError, match="DivBackward's forward produced nan"):
            x / md.tensor([0.0, 1.0], dtype=md.float64)
    finally:
        md.autograd.set_detect_anomaly(False)
    assert not md.autograd.is_anomaly_enabled()
