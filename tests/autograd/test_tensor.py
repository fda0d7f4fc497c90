"""The Tensor: construction and dtypes (default float32, set_default_dtype), conversions,
comparisons, in-place guards, detach/clone/astype and their gradients, and misuse errors."""

import numpy as np
import pytest

import mathdl as md


@pytest.fixture
def float64_default():
    previous = md.get_default_dtype()
    md.set_default_dtype(np.float64)
    yield
    md.set_default_dtype(previous)


def test_python_floats_become_float32_by_default():
    assert md.get_default_dtype() == np.float32
    assert md.tensor([1.0]).dtype == np.float32
    assert md.tensor(1.0).dtype == np.float32
    assert md.tensor([[1.0, 2.0]]).dtype == np.float32
    assert md.Tensor([1.0]).dtype == np.float32
    assert md.zeros(2).dtype == md.ones(2, 3).dtype == md.randn(2).dtype == md.rand(3).dtype == np.float32
    assert md.full((2,), 3.0).dtype == md.eye(2).dtype == np.float32
    assert md.arange(0.0, 1.0, 0.5).dtype == np.float32


def test_arrays_and_integers_keep_their_dtype():
    assert md.tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert md.tensor(np.array([1.0], dtype=np.float32)).dtype == np.float32
    assert md.tensor([1, 2]).dtype == np.int64
    assert md.arange(5).dtype == np.int64
    assert md.tensor([True, False]).dtype == bool
    assert md.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert md.tensor(np.array([1.0]), dtype=np.float32).dtype == np.float32


def test_set_default_dtype_float64(float64_default):
    assert md.get_default_dtype() == np.float64
    assert md.tensor([1.0]).dtype == np.float64
    assert md.zeros(2).dtype == md.randn(2).dtype == np.float64
    assert (md.tensor([1, 2]) / 2).dtype == np.float64
    x = md.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).sum().backward()
    assert x.grad.dtype == np.float64


def test_set_default_dtype_refuses_non_floats():
    with pytest.raises(TypeError, match="expected float32 or float64, got int32"):
        md.set_default_dtype(np.int32)
    assert md.get_default_dtype() == np.float32


def test_tensor_copies_its_data():
    source = np.array([1.0, 2.0])
    t = md.tensor(source)
    source[0] = 9.0
    assert t.array[0] == 1.0
    u = md.tensor(t)
    t.array[1] = 7.0
    assert u.array[1] == 2.0


def test_only_floating_tensors_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients, got dtype int64"):
        md.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="dtype bool"):
        md.Tensor(np.array([True]), requires_grad=True)
    with pytest.raises(TypeError, match="only floating-point"):
        md.tensor([1, 2]).requires_grad_()
    with pytest.raises(TypeError, match="cannot make a tensor from objects"):
        md.Tensor(["a", object()])


def test_array_facts_and_conversions():
    x = md.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.numel() == 6 and len(x) == 2
    assert x.size() == (2, 3) and x.size(-1) == 3 and x.size(0) == 2 and x.dim() == 2
    assert x.is_leaf and x.grad is None
    assert np.asarray(x) is x.array and x.numpy() is x.array
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert md.tensor([2.5]).item() == 2.5 and isinstance(md.tensor([2.5]).item(), float)
    assert float(md.tensor(2.5)) == 2.5 and int(md.tensor(3)) == 3
    assert [10, 20, 30][md.tensor(1)] == 20
    assert repr(x) == "tensor([[1., 2., 3.],\n        [4., 5., 6.]], requires_grad=True)"
    assert repr(md.tensor([1, 2])) == "tensor([1, 2])"  # int64 is the default integer dtype, as torch


def test_numpy_conversion_copies_only_when_asked():
    t = md.tensor([1.0, 2.0])
    copied = np.array(t)
    assert not np.shares_memory(copied, t.array)
    copied[0] = 9.0
    assert t.array[0] == 1.0
    assert np.shares_memory(np.asarray(t), t.array)
    assert np.array(t, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(np.array(t, dtype=np.float64), [1.0, 2.0])


def test_misuse_of_conversions_names_the_problem():
    x = md.ones(2, 2)
    with pytest.raises(ValueError, match=r"item\(\): only one-element tensors .* got shape \(2, 2\)"):
        x.item()
    with pytest.raises(ValueError, match="truth value of a tensor with 4 elements is ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="len"):
        len(md.tensor(1.0))
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][md.tensor(1.0)]


def test_comparisons_are_elementwise_and_never_recorded():
    x = md.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [
        (x < 2, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x > 2, [False, False, True]),
        (x >= 2, [False, True, True]),
        (x == 2, [False, True, False]),
        (x != 2, [True, False, True]),
        (x.eq(md.tensor([1.0, 0.0, 3.0])), [True, False, True]),
        (x.ne(3.0), [True, True, False]),
    ]:
        assert result.dtype == bool and not result.requires_grad and result.creator is None
        np.testing.assert_array_equal(result.array, expected)
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert {x: "key"}[x] == "key"  # hashed by identity
    assert x in [x]


def test_setitem_guard_and_zero():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        x[0] = 3.0
    with md.no_grad():
        x[1] = 5.0
        x.zero_()
    np.testing.assert_array_equal(x.array, [0.0, 0.0])


def test_detach_shares_data_and_cuts_the_graph():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.creator is None
    y = (x * 3).sum() + (d * x).sum()  # d is a constant: dy/dx = 3 + d
    y.backward()
    np.testing.assert_array_equal(x.grad.array, [5.0, 7.0])
    assert np.shares_memory(x.detach().array, x.array)


def test_clone_and_astype_pass_gradients():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.array, x.array) and c.requires_grad
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and x.astype(np.float32) is x
    assert x.double().dtype == np.float64 and x.double().float().dtype == np.float32
    (c * 2 + y * 3).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.array, [5.0, 5.0])


def test_transpose_with_two_axes_swaps_them_like_torch(torch):
    data = np.arange(24.0).reshape(2, 3, 4)
    x, t = md.tensor(data), torch.tensor(data)
    for a, b in [(-2, -1), (0, 2), (1, 0)]:
        np.testing.assert_array_equal(x.transpose(a, b).array, t.transpose(a, b).numpy())
    m, tm = md.tensor(data[0]), torch.tensor(data[0])
    for a, b in [(0, 1), (-2, -1), (1, 0)]:  # 2-D: always the swap, as torch
        np.testing.assert_array_equal(m.transpose(a, b).array, tm.transpose(a, b).numpy())
    # permutations: NumPy's forms and torch.permute
    np.testing.assert_array_equal(x.transpose(2, 0, 1).array, t.permute(2, 0, 1).numpy())
    np.testing.assert_array_equal(x.permute(2, 0, 1).array, t.permute(2, 0, 1).numpy())
    np.testing.assert_array_equal(x.permute((1, 0, 2)).array, t.permute(1, 0, 2).numpy())
    np.testing.assert_array_equal(m.transpose((0, 1)).array, data[0])  # a tuple is a permutation
    np.testing.assert_array_equal(x.transpose().array, data.transpose())


def test_expand_minus_one_keeps_a_size():
    x = md.tensor([[1.0], [2.0]], requires_grad=True)
    y = x.expand(3, -1, 4)
    assert y.shape == (3, 2, 4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[12.0], [12.0]])


def test_casting_to_integers_cuts_the_graph():
    x = md.tensor([1.7, -2.2], requires_grad=True)
    i = x.astype(np.int64)
    assert i.dtype == np.int64 and not i.requires_grad
    np.testing.assert_array_equal(i.array, [1, -2])


def test_requires_grad_flags():
    x = md.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="only allowed on leaf tensors"):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert not (x * 2).requires_grad


def test_reflected_operators_with_numpy_arrays_return_tensors():
    x = md.tensor([1.0, 2.0], requires_grad=True)
    for y in (
        np.array([1.0, 1.0]) + x,
        np.array([3.0, 3.0]) - x,
        np.array([2.0, 2.0]) * x,
        np.array([2.0, 2.0]) / x,
        np.array([2.0, 2.0]) ** x,
        np.eye(2) @ x,
    ):
        assert isinstance(y, md.Tensor) and y.requires_grad and y.dtype == np.float32


def test_methods_match_functions():
    x = md.tensor([[0.5, -1.0], [2.0, 0.25]])
    for method, function in [
        ("exp", md.exp),
        ("tanh", md.tanh),
        ("sigmoid", md.sigmoid),
        ("relu", md.relu),
        ("abs", md.abs),
        ("softmax", md.softmax),
        ("log_softmax", md.log_softmax),
        ("logsumexp", md.logsumexp),
        ("sum", md.sum),
        ("mean", md.mean),
        ("var", md.var),
        ("max", md.max),
        ("min", md.min),
    ]:
        np.testing.assert_array_equal(getattr(x, method)().array, function(x).array)
    np.testing.assert_array_equal(abs(x).array, md.abs(x).array)
    np.testing.assert_array_equal(x.pow(2).array, (x**2).array)
    np.testing.assert_array_equal(x.matmul(x).array, (x @ x).array)
    np.testing.assert_array_equal(x.argmax(axis=1).array, [0, 0])
    np.testing.assert_array_equal(x.argmin().array, 1)
    assert +x is x
