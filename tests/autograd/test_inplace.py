"""In-place semantics as PyTorch: augmented assignment and ``*_`` methods write into the tensor's
memory; leaves that require grad refuse them while grad mode is on; non-leaf writes are recorded;
the version counter turns a stale saved value into an error, never a wrong gradient."""

import numpy as np
import pytest

import mathdl as md


def leaf(values):
    return md.tensor(values, dtype=np.float64, requires_grad=True)


@pytest.mark.parametrize(
    "op, expected",
    [
        (lambda t: t.__iadd__(2.0), [3.0, 4.0]),
        (lambda t: t.__isub__(2.0), [-1.0, 0.0]),
        (lambda t: t.__imul__(2.0), [2.0, 4.0]),
        (lambda t: t.__itruediv__(2.0), [0.5, 1.0]),
        (lambda t: t.add_(md.tensor([1.0, 1.0]), alpha=3), [4.0, 5.0]),
        (lambda t: t.sub_(1.0), [0.0, 1.0]),
        (lambda t: t.mul_(md.tensor([3.0, 4.0])), [3.0, 8.0]),
        (lambda t: t.div_(4.0), [0.25, 0.5]),
        (lambda t: t.pow_(2), [1.0, 4.0]),
        (lambda t: t.copy_(md.tensor([7.0])), [7.0, 7.0]),
        (lambda t: t.fill_(9.0), [9.0, 9.0]),
        (lambda t: t.zero_(), [0.0, 0.0]),
        (lambda t: t.clamp_(min=1.5), [1.5, 2.0]),
        (lambda t: t.masked_fill_(md.tensor([True, False]), -1.0), [-1.0, 2.0]),
        (lambda t: t.scatter_(0, md.tensor([1]), 5.0), [1.0, 5.0]),
        (lambda t: t.scatter_add_(0, md.tensor([1, 1]), md.tensor([1.0, 2.0])), [1.0, 5.0]),
    ],
)
def test_in_place_ops_write_into_the_same_memory(op, expected):
    x = md.tensor([1.0, 2.0])
    memory = x.array
    result = op(x)
    assert result is x and x.array is memory
    np.testing.assert_allclose(memory, expected)
    assert x._version == 1


def test_augmented_assignment_keeps_the_object_and_aliases_see_it():
    x = md.zeros(3)
    alias = x
    view = md.from_numpy(x.numpy())
    x += 1
    x *= 3
    assert alias is x
    np.testing.assert_array_equal(view.array, [3.0, 3.0, 3.0])


def test_random_fills_follow_the_seed():
    md.manual_seed(3)
    a = md.zeros(1000).normal_(2.0, 0.5)
    md.manual_seed(3)
    b = md.zeros(1000).normal_(2.0, 0.5)
    np.testing.assert_array_equal(a.array, b.array)
    assert abs(a.mean().item() - 2.0) < 0.1 and abs(a.std().item() - 0.5) < 0.1
    u = md.zeros(1000).uniform_(-1.0, 3.0)
    assert u.min().item() >= -1.0 and u.max().item() < 3.0


def test_hand_written_sgd_under_no_grad_trains():
    # "What is torch.nn really?": w -= lr * w.grad must update w itself
    md.manual_seed(0)
    x = md.randn(64, 3)
    y = x @ md.tensor([1.0, -2.0, 0.5]) + 0.3
    w = md.zeros(3, requires_grad=True)
    b = md.zeros(1, requires_grad=True)
    for _ in range(300):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with md.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    np.testing.assert_allclose(w.array, [1.0, -2.0, 0.5], atol=1e-3)
    np.testing.assert_allclose(b.array, [0.3], atol=1e-3)
    assert w.is_leaf and w.requires_grad


def test_leaf_requiring_grad_refuses_in_place_with_grad_mode_on():
    w = leaf([1.0, 2.0])
    for op in (
        lambda: w.add_(1.0),
        lambda: w.mul_(2.0),
        lambda: w.zero_(),
        lambda: w.fill_(1.0),
        lambda: w.normal_(),
        lambda: w.uniform_(),
        lambda: w.clamp_(0.0, 1.0),
        lambda: w.copy_(md.zeros(2)),
        lambda: w.__setitem__(0, 5.0),
    ):
        with pytest.raises(
            RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"
        ):
            op()
    with pytest.raises(md.AutogradError):  # also a ValueError, as every mathdl misuse
        w += 1
    np.testing.assert_array_equal(w.array, [1.0, 2.0])
    with md.no_grad():
        w.add_(1.0)
    np.testing.assert_array_equal(w.array, [2.0, 3.0])


def test_non_leaf_in_place_ops_are_recorded():
    a = leaf([1.0, 2.0])
    c = leaf([3.0, 4.0])
    y = a * 2  # dy/da = 2
    y.add_(1.0)
    y.mul_(c)  # y = (2a + 1) c
    y.sub_(a, alpha=2)  # y = (2a + 1) c − 2a
    assert not y.is_leaf and y.grad_fn.name() == "SubBackward"
    y.sum().backward()
    np.testing.assert_allclose(a.grad.array, 2 * c.array - 2)
    np.testing.assert_allclose(c.grad.array, 2 * a.array + 1)


def test_in_place_on_a_plain_tensor_with_a_tensor_that_requires_grad_records():
    w = leaf([1.0, 2.0])
    acc = md.zeros(2, dtype=md.float64)
    acc += w * w
    acc += w
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    np.testing.assert_allclose(w.grad.array, 2 * w.array + 1)


def test_setitem_on_a_non_leaf_is_recorded():
    a = leaf([1.0, 2.0, 3.0])
    v = leaf(5.0)
    y = a * 3
    y[0] = v * 2
    y[2] = 0.0
    (y * md.tensor([1.0, 10.0, 100.0], dtype=md.float64)).sum().backward()
    np.testing.assert_allclose(a.grad.array, [0.0, 30.0, 0.0])
    np.testing.assert_allclose(v.grad.array, 2.0)


def test_functions_recorded_before_a_write_keep_the_old_node():
    a = leaf([1.0, 2.0])
    y = a * 1
    before = y * 3  # recorded before the write: means 3a
    y.mul_(2)  # y = 2a
    (before.sum() + y.sum()).backward()
    np.testing.assert_allclose(a.grad.array, [5.0, 5.0])


def test_version_counter_refuses_a_saved_input_overwritten():
    a = leaf([1.0, 2.0])
    b = md.tensor([3.0, 4.0], dtype=md.float64, requires_grad=True)
    z = a * b  # MulBackward needs a and b
    with md.no_grad():
        b.add_(1.0)
    with pytest.raises(
        RuntimeError,
        match="one of the variables needed for gradient computation has been modified by an inplace operation",
    ):
        z.sum().backward()
    with pytest.raises(md.AutogradError, match="MulBackward"):
        z.sum().backward()


def test_version_counter_refuses_a_saved_output_overwritten():
    a = leaf([1.0, 2.0])
    e = a.exp()  # ExpBackward needs its output
    e.add_(1.0)
    with pytest.raises(md.AutogradError, match="ExpBackward's output 0"):
        e.sum().backward()


def test_version_counter_sees_writes_through_views_and_detach():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    t = md.tensor([[1.0, 1.0], [1.0, 1.0]], dtype=md.float64, requires_grad=True)
    z = (a * t).sum()
    t.detach()[0, 0] = 5.0  # detach shares memory and the version counter, as PyTorch
    with pytest.raises(md.AutogradError, match="modified by an inplace operation"):
        z.backward()
    u = md.ones(2, 2, dtype=md.float64, requires_grad=True)
    z = (a * u).sum()
    u.data[0, 0] = 5.0  # .data is not tracked, as PyTorch: the stale value is used silently
    z.backward()
    np.testing.assert_allclose(a.grad.array, [[5.0, 1.0], [1.0, 1.0]])


def test_a_view_written_through_its_base_is_refused():
    a = leaf([1.0, 2.0])
    y = a * 1
    first = y[0:1]  # a view of y's memory
    y.mul_(2)  # first's values change behind its graph (PyTorch would rebase it)
    with pytest.raises(md.AutogradError, match="changed by an in-place operation on another tensor"):
        first.sum()


def test_a_base_written_through_its_view_is_refused():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    h = a * 1
    h[:, :1].mul_(2)  # writes h's memory through a view
    with pytest.raises(md.AutogradError, match="clone\\(\\) the view"):
        h.sum()


def test_views_used_before_a_write_keep_their_gradient():
    a = leaf([1.0, 2.0])
    y = a * 3
    total = y[0:1].sum()  # consumed before the write: it means 3 a[0]
    y.mul_(2)
    (total + y.sum()).backward()
    np.testing.assert_allclose(a.grad.array, [9.0, 6.0])


def test_writing_into_a_reshaped_non_leaf_is_recorded():
    a = leaf([1.0, 2.0])
    y = (a * 2).reshape(2, 1)
    y.add_(1)
    y.mul_(y.detach())  # y ← (2a + 1)·c with c = 2a + 1 a constant (PyTorch raises here: its saved
    # factor shares y's memory; mathdl snapshots it and gives the gradient the line describes)
    y.sum().backward()
    np.testing.assert_allclose(a.grad.array, 2 * (2 * a.array + 1))


def test_a_view_of_a_leaf_that_requires_grad_is_refused():
    w = leaf([1.0, 2.0, 3.0])
    with pytest.raises(md.AutogradError, match="a view of a leaf Variable that requires grad"):
        w[0:2].mul_(2)
    with pytest.raises(md.AutogradError, match="a view of a leaf Variable"):
        w.reshape(3, 1).add_(1)
    with md.no_grad():
        w[0:2].mul_(2)  # allowed, as an optimiser step
    np.testing.assert_array_equal(w.array, [2.0, 4.0, 3.0])


def test_a_write_under_no_grad_into_a_non_leaf_is_not_tracked_by_the_graph():
    a = leaf([1.0, 2.0])
    y = a * 2
    with md.no_grad():
        y.add_(1)  # as PyTorch: the values change, the graph (y = 2a) does not
    (y * 3).sum().backward()
    np.testing.assert_allclose(a.grad.array, [6.0, 6.0])


def test_writes_that_no_backward_needs_are_allowed():
    a = leaf([1.0, 2.0])
    b = md.tensor([3.0, 4.0], dtype=md.float64)
    y = a + b  # AddBackward saves nothing
    b.add_(10.0)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.array, [1.0, 1.0])


def test_in_place_errors_name_the_problem():
    x = md.tensor([1, 2])
    with pytest.raises(TypeError, match="can't be cast to the desired output type int64"):
        x += 0.5
    with pytest.raises(TypeError, match="can't be cast"):
        x /= 2
    y = md.zeros(3)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        y += md.zeros(2, 3)
    expanded = md.zeros(1).expand(3)
    with pytest.raises(ValueError, match="add_"):
        expanded.add_(1.0)
    with pytest.raises(TypeError, match="masked_fill: the mask must be a bool tensor"):
        y.masked_fill_(md.tensor([1.0, 0.0, 0.0]), 1.0)
