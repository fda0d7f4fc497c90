"""The backward engine: depth, accumulation, repeated passes, freeing, retain_grad, md.grad
(higher order, allow_unused, non-leaf inputs), buffer ownership and error messages."""

import gc
import sys
import weakref

import numpy as np
import pytest

import mathdl as md


def test_graph_deeper_than_the_recursion_limit():
    depth = 20_000
    assert depth > sys.getrecursionlimit()
    x = md.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(depth):
        y = y + 1.0
    y.backward()
    assert y.item() == pytest.approx(0.5 + depth)
    assert x.grad.item() == 1.0
    (g,) = md.grad(y, x)
    assert g.item() == 1.0
    del y  # freeing the chain must not recurse either


def test_deep_product_chain_gradient_is_exact():
    # y = x · 1.0001^n: dy/dx = 1.0001^n, through n multiplications
    depth = 12_000
    x = md.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(depth):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**depth, rel=1e-10)


def test_gradients_accumulate_across_backward_calls():
    x = md.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    np.testing.assert_array_equal(first.array, [2.0, 4.0, 6.0])
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [5.0, 7.0, 9.0])
    assert x.grad is first  # accumulated in place, as PyTorch does
    x.grad = None
    x.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [1.0, 1.0, 1.0])


def test_backward_twice_on_one_graph_gives_twice_the_gradient():
    x = md.tensor([0.5, -1.0], dtype=np.float64, requires_grad=True)
    w = md.tensor([2.0, 3.0], dtype=np.float64, requires_grad=True)
    y = (md.tanh(x * w) ** 2).sum()
    y.backward(retain_graph=True)
    once_x, once_w = x.grad.array.copy(), w.grad.array.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad.array, 2 * once_x)
    np.testing.assert_array_equal(w.grad.array, 2 * once_w)


def test_shared_subexpression_gradients_add():
    x = md.tensor(3.0, dtype=np.float64, requires_grad=True)
    h = x * x  # used twice below: a diamond
    y = h * h + h  # x⁴ + x², dy/dx = 4x³ + 2x
    y.backward()
    assert x.grad.item() == 4 * 27 + 6
    z = md.tensor(2.0, dtype=np.float64, requires_grad=True)
    (z + z + z).backward()
    assert z.grad.item() == 3.0


def test_backward_on_a_leaf_gives_ones():
    x = md.tensor(4.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_without_the_garbage_collector():
    gc.collect()
    gc.disable()
    try:
        x = md.tensor([1.0, 2.0], requires_grad=True)
        hidden = md.exp(x * 2.0)
        alive = weakref.ref(hidden)
        creator = weakref.ref(hidden.creator)
        y = (hidden * x).sum()
        del hidden
        assert alive() is not None  # the graph of y still needs it
        y.backward()
        del y
        assert alive() is None  # no reference cycle kept it
        assert creator() is None
        assert x.grad is not None
    finally:
        gc.enable()


def test_functions_hold_outputs_weakly():
    gc.disable()
    try:
        x = md.tensor([1.0], requires_grad=True)
        y = x * 2.0
        function = y.creator
        out = weakref.ref(y)
        del y
        assert out() is None
        assert function.outputs[0]() is None
    finally:
        gc.enable()


def test_no_grad_records_nothing():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    with md.no_grad():
        assert not md.is_grad_enabled()
        y = md.exp(x) * 2 + x
        z = y.sum()
        with md.enable_grad():
            assert md.is_grad_enabled()
            recorded = x * 3
        assert not md.is_grad_enabled()
    assert md.is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert not z.requires_grad and z.creator is None
    assert recorded.requires_grad and recorded.creator is not None
    with pytest.raises(RuntimeError, match="does not require grad"):
        z.backward()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with md.no_grad():
            1 / 0
    assert md.is_grad_enabled()
    with md.set_grad_enabled(False):
        assert not md.is_grad_enabled()
    assert md.is_grad_enabled()


def test_grad_modes_as_decorators_and_calls():
    x = md.tensor([1.0], requires_grad=True)

    @md.no_grad()
    def evaluate(depth):
        assert not md.is_grad_enabled()
        return x * 2 if depth == 0 else evaluate(depth - 1)  # re-entering one instance

    assert not evaluate(3).requires_grad
    assert md.is_grad_enabled()

    @md.enable_grad()
    def train_step():
        return x * 2

    with md.no_grad():
        assert train_step().requires_grad
        assert not md.is_grad_enabled()
    md.set_grad_enabled(False)  # as a plain call, like torch.set_grad_enabled
    try:
        assert not md.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        md.set_grad_enabled(True)
    assert md.is_grad_enabled()
    with md.set_grad_enabled(False):
        assert not md.is_grad_enabled()
        with md.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not md.is_grad_enabled()
    assert md.is_grad_enabled()


def test_retain_grad_keeps_the_gradient_of_an_intermediate():
    x = md.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    other = x + 1.0  # not retained: stays without .grad
    (h * h + other).sum().backward()
    np.testing.assert_array_equal(h.grad.array, 2 * h.array)
    np.testing.assert_array_equal(x.grad.array, 18 * x.array + 1)
    assert other.grad is None
    assert not h.is_leaf and x.is_leaf


def test_md_grad_higher_order_derivatives_are_exact():
    # f = x⁴: f' = 4x³, f'' = 12x², f''' = 24x, f'''' = 24
    x = md.tensor(1.7, dtype=np.float64, requires_grad=True)
    derivatives = []
    y = x**4
    for _ in range(4):
        (y,) = md.grad(y, x, create_graph=True)
        derivatives.append(y.item())
    np.testing.assert_allclose(derivatives, [4 * 1.7**3, 12 * 1.7**2, 24 * 1.7, 24], rtol=1e-14)
    assert x.grad is None  # md.grad returns, it does not accumulate


def test_md_grad_of_a_product_rule_mixed_partials():
    # f = x² y³: ∂²f/∂x∂y = 6 x y²
    x = md.tensor(2.0, dtype=np.float64, requires_grad=True)
    y = md.tensor(-1.5, dtype=np.float64, requires_grad=True)
    (fx,) = md.grad(x * x * y**3, x, create_graph=True)
    (fxy,) = md.grad(fx, y)
    assert fxy.item() == pytest.approx(6 * 2.0 * 1.5**2)
    assert not fxy.requires_grad  # without create_graph the result is plain


def test_md_grad_allow_unused():
    x = md.tensor(2.0, requires_grad=True)
    unused = md.tensor(3.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        md.grad(x * 2, [x, unused])
    gx, gu = md.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_md_grad_with_respect_to_an_intermediate():
    x = md.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    h = x * x
    y = (h * 3.0).sum()
    gh, gx = md.grad(y, [h, x])
    np.testing.assert_array_equal(gh.array, [3.0, 3.0])
    np.testing.assert_array_equal(gx.array, 6 * x.array)


def test_md_grad_several_outputs_with_grad_outputs():
    x = md.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    a, b = x * 2.0, x * x
    (g,) = md.grad([a, b], x, [md.tensor([1.0, 1.0], dtype=np.float64), np.array([0.5, 2.0])])
    np.testing.assert_array_equal(g.array, [2.0 + 0.5 * 2 * 1.0, 2.0 + 2.0 * 2 * -2.0])


def test_backward_with_create_graph_makes_differentiable_grads():
    x = md.tensor(3.0, dtype=np.float64, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.item() == 27.0
    (g2,) = md.grad(x.grad, x)
    assert g2.item() == 18.0


def test_leaf_grads_never_alias():
    a = md.tensor([1.0, 2.0], requires_grad=True)
    b = md.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.array, b.grad.array)
    a.grad.array[0] = 100.0
    np.testing.assert_array_equal(b.grad.array, [1.0, 1.0])
    # the same upstream array routed to several leaves through views (reshape, broadcast)
    c = md.tensor([[1.0, 2.0]], requires_grad=True)
    d = md.tensor([1.0, 2.0], requires_grad=True)
    e = md.tensor(5.0, requires_grad=True)
    upstream = md.tensor([[1.0, 1.0]])
    (c + d.reshape(1, 2) - e).backward(upstream)
    for p, q in [(c, d), (c, e), (d, e)]:
        assert not np.shares_memory(p.grad.array, q.grad.array)
    assert not np.shares_memory(c.grad.array, upstream.array)
    c.grad.array[...] = 7.0
    np.testing.assert_array_equal(d.grad.array, [1.0, 1.0])
    np.testing.assert_array_equal(upstream.array, [[1.0, 1.0]])
    assert e.grad.item() == -2.0


def test_backward_reads_the_callers_gradient_without_taking_it():
    # backward(gradient) reads the caller's array through a read-only view (no copy): a leaf it
    # reaches unchanged gets a copy, accumulation reads it, and the caller's array stays its own
    x = md.tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([[3.0, 4.0]], dtype=x.dtype)  # x's dtype: handed over without conversion
    x.reshape(1, 2).backward(upstream)
    assert not np.shares_memory(x.grad.array, upstream) and x.grad.array.flags.writeable
    x.reshape(1, 2).backward(md.Tensor(upstream))  # accumulated into the leaf's own buffer
    np.testing.assert_array_equal(x.grad.array, [6.0, 8.0])
    np.testing.assert_array_equal(upstream, [[3.0, 4.0]])
    assert upstream.flags.writeable
    upstream[0, 0] = 0.0  # the caller may still write its array
    np.testing.assert_array_equal(x.grad.array, [6.0, 8.0])


def test_create_graph_grads_do_not_alias_either():
    a = md.tensor([1.0, 2.0], requires_grad=True)
    b = md.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)  # a constant gradient: nothing to record
    assert a.grad is not b.grad and not np.shares_memory(a.grad.array, b.grad.array)
    (a + b).sum().backward()  # accumulating must not hit a read-only view
    np.testing.assert_array_equal(a.grad.array, [2.0, 2.0])
    np.testing.assert_array_equal(b.grad.array, [2.0, 2.0])
    x = md.tensor([1.0, 2.0], requires_grad=True)
    y = md.tensor([3.0, 4.0], requires_grad=True)
    (x * x * y).sum().backward(create_graph=True)  # recorded gradients 2xy and x²
    assert x.grad.requires_grad and y.grad.requires_grad
    (gx,) = md.grad(x.grad.sum(), x)  # ∂(Σ 2xy)/∂x = 2y
    np.testing.assert_array_equal(gx.array, 2 * y.array)
    u = md.tensor([1.0, 2.0], requires_grad=True)
    v = md.tensor([3.0, 4.0], requires_grad=True)
    w = md.tensor([2.0, 2.0], requires_grad=True)
    ((u + v) * w * w).sum().backward(create_graph=True)  # u and v receive the same recorded gradient
    assert not np.shares_memory(u.grad.array, v.grad.array)
    np.testing.assert_array_equal(u.grad.array, v.grad.array)
    (gw,) = md.grad(v.grad.sum(), w)  # ∂(Σ w²)/∂w = 2w, through the copy
    np.testing.assert_array_equal(gw.array, 2 * w.array)


def test_md_grad_results_are_writeable_and_unshared():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    y = md.tensor([3.0, 4.0], requires_grad=True)
    (g,) = md.grad(x.sum(), x)  # a broadcast of one number underneath
    assert g.array.flags.writeable
    gx, gy = md.grad((x + y).sum(), [x, y])
    assert not np.shares_memory(gx.array, gy.array)
    upstream = md.tensor([[5.0, 6.0]])
    (gx,) = md.grad(x.reshape(1, 2), x, upstream)
    gx.array[0] = 0.0
    np.testing.assert_array_equal(upstream.array, [[5.0, 6.0]])


def test_leaf_grads_are_writeable_and_owned():
    x = md.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.sum().backward()  # the gradient is a broadcast view of one number
    assert x.grad.array.flags.writeable and x.grad.array.flags.owndata
    x.grad.array += 1.0
    np.testing.assert_array_equal(x.grad.array, 2.0)


def test_grad_dtype_follows_the_leaf():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    (x.astype(np.float64) * 2).sum().backward()
    assert x.grad.dtype == np.float32
    y = md.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    (y.astype(np.float32) * 2).sum().backward()
    assert y.grad.dtype == np.float64


def test_misuse_errors_are_both_runtime_and_value_errors():
    from mathdl.autograd.tensor import AutogradError

    x = md.tensor([1.0, 2.0], requires_grad=True)
    for misuse in (
        lambda: (x * 2).backward(),
        lambda: md.tensor([1.0]).sum().backward(),
        lambda: x.__setitem__(0, 1.0),
        lambda: md.grad(x.sum(), md.tensor([1.0])),
    ):
        with pytest.raises(AutogradError) as info:
            misuse()
        assert isinstance(info.value, RuntimeError) and isinstance(info.value, ValueError)


def test_non_scalar_backward_needs_a_gradient():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="backward on a non-scalar needs a gradient"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="non-scalar needs a gradient"):
        md.grad(x * 2, x)


def test_gradient_of_the_wrong_shape_is_refused():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(3,\) does not match the output's shape \(2,\)"):
        (x * 2).backward(md.ones(3))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        md.grad(x * 2, x, md.ones(3))
    with pytest.raises(ValueError, match="grad_outputs"):
        md.grad([x * 2, x * 3], x, [md.ones(2)])


def test_misuse_of_md_grad_names_the_problem():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    constant = md.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        md.grad((x * 2).sum(), constant)
    with pytest.raises(TypeError, match="inputs must be Tensors"):
        md.grad((x * 2).sum(), [np.ones(2)])
    with pytest.raises(RuntimeError, match="does not require grad"):
        md.grad(constant.sum(), x)
    with pytest.raises(TypeError, match="expected a Tensor"):
        md.autograd.backward(np.ones(()), None)


def _function_classes():
    from mathdl.autograd.function import Function

    found, stack = [], [Function]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


STATELESS_OPS = {"Add": md.add, "Sub": md.sub, "Mul": md.mul, "Div": md.div, "Neg": md.neg}


def test_functions_declared_stateless_store_nothing_on_the_node():
    # holds_state = False lets the engine skip looking for saved arrays when it frees a node: a
    # Function declaring it must keep nothing but the graph's own attributes, before and after
    # its backward, for every combination of inputs that need a gradient
    from mathdl.autograd.engine import _GRAPH_ATTRIBUTES

    declared = {cls.__name__ for cls in _function_classes() if cls.__dict__.get("holds_state") is False}
    assert declared == set(STATELESS_OPS)  # a new declaration needs a case here
    for name, op in STATELESS_OPS.items():
        for needs in ((True, True), (True, False), (False, True))[: 2 if name == "Neg" else 3]:
            a, b = (md.tensor([1.0, 2.0], requires_grad=r) * 1.5 for r in needs)  # non-leaves
            y = op(a) if name == "Neg" else op(a, b)
            node = y.creator
            assert type(node).__name__ == name
            assert set(node.__dict__) <= _GRAPH_ATTRIBUTES, (name, needs, set(node.__dict__))
            (y * y).sum().backward()
            assert set(node.__dict__) <= _GRAPH_ATTRIBUTES, (name, needs, set(node.__dict__))
