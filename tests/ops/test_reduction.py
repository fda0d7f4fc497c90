"""sum, mean, var, max, min, logsumexp, softmax, log_softmax: float64 finite differences (first
and second order) over every axis form, exact values (unbiased var, tie rules), stability at
±1e4, dtype preservation and errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck

AXES = [None, 0, -1, (0, 2), (1,), (-1, 0, 1)]


def leaf(rng, shape=(2, 3, 4)):
    return md.tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "max", "min", "logsumexp"])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_gradients_match_finite_differences(rng, name, axis, keepdims):
    x = leaf(rng)  # continuous random values: no ties
    if name == "logsumexp":
        fn = lambda t: md.logsumexp(t, axis, keepdims)  # noqa: E731
    else:
        fn = lambda t: values(getattr(t, name)(axis=axis, keepdims=keepdims))  # noqa: E731
    assert gradcheck(fn, [x])


def values(result):
    """max/min along one dim return (values, indices), as PyTorch; the rest a tensor."""
    return result.values if isinstance(result, tuple) else result


@pytest.mark.parametrize("name", ["sum", "mean", "var", "max", "logsumexp"])
def test_reduction_second_derivatives(rng, name):
    x = leaf(rng, (3, 4))
    fn = (
        (lambda t: md.logsumexp(t, 1))
        if name == "logsumexp"
        else (lambda t: values(getattr(t, name)(axis=1)))
    )
    assert gradgradcheck(lambda t: fn(t) ** 2, [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family_gradients(rng, name, axis):
    x = leaf(rng, (3, 4))
    assert gradcheck(lambda t: getattr(md, name)(t, axis), [x])
    assert gradgradcheck(lambda t: getattr(md, name)(t, axis), [x])


def test_var_default_is_unbiased():
    x = md.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5.0 / 3.0)
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert md.var(x, 0, correction=0).item() == pytest.approx(1.25)
    m = md.tensor([[1.0, 3.0], [2.0, 6.0]])
    np.testing.assert_allclose(m.var(axis=0).array, [0.5, 4.5])
    np.testing.assert_allclose(m.var(axis=1, keepdims=True).array, [[2.0], [8.0]])


def test_var_gradient_values():
    x = md.tensor([1.0, 2.0, 3.0, 4.0], dtype=np.float64, requires_grad=True)
    x.var().backward()  # 2 (x − x̄) / (n − 1)
    np.testing.assert_allclose(x.grad.array, 2 * (x.array - 2.5) / 3)


def test_mean_gradient_is_one_over_n():
    x = md.tensor(np.ones((2, 5)), dtype=np.float64, requires_grad=True)
    x.mean(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.array, 0.2)


def test_max_min_tie_rules():
    x = md.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.max().backward()  # all axes: split evenly between the tied maxima
    np.testing.assert_array_equal(x.grad.array, [[0, 0.5, 0.5], [0, 0, 0]])
    x.grad = None
    x.max(axis=1).values.sum().backward()  # one axis: the first maximal index, as torch.max(x, dim)
    np.testing.assert_array_equal(x.grad.array, [[0, 1, 0], [1, 0, 0]])
    x.grad = None
    x.max(axis=(1,)).sum().backward()  # a tuple of axes: split evenly, as torch.amax
    np.testing.assert_array_equal(x.grad.array, [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    x.grad = None
    x.min(axis=0).values.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[1, 0, 0], [0, 1, 1]])
    x.grad = None
    x.min().backward()
    np.testing.assert_array_equal(x.grad.array, [[0, 0, 0], [0, 0, 1]])


EXTREMES = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4], [-1e4, -1e4, -1e4 + 1.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family_is_stable_at_1e4(dtype):
    x = md.tensor(EXTREMES.astype(dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = md.softmax(x, 1)
        logp = md.log_softmax(x, 1)
        lse = md.logsumexp(x, 1)
    np.testing.assert_allclose(p.array[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p.array[1], [1 / 3] * 3, rtol=1e-6)
    e = np.exp(-1.0)
    np.testing.assert_allclose(p.array[2], [e / (1 + 2 * e), e / (1 + 2 * e), 1 / (1 + 2 * e)], rtol=1e-6)
    np.testing.assert_allclose(logp.array[0], [0.0, -2e4, -1e4], rtol=1e-6)
    np.testing.assert_allclose(logp.array[1], [-np.log(3)] * 3, rtol=1e-6)
    np.testing.assert_allclose(lse.array, [1e4, 1e4 + np.log(3), -1e4 + 1 + np.log(1 + 2 * e)], rtol=1e-6)
    for y in (p, logp, lse):
        assert y.dtype == dtype and np.all(np.isfinite(y.array))
    for y in (p[:, 0], logp[:, 1], lse):
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == dtype and np.all(np.isfinite(x.grad.array))
    # ∂ logsumexp / ∂x = softmax = exp(x − lse); at 1e4 float32 stores lse to ~1e-3 (as in torch)
    np.testing.assert_allclose(x.grad.array, p.array, rtol=1e-6 if dtype == np.float64 else 2e-3)


def test_logsumexp_of_minus_inf_row():
    x = md.tensor([[-np.inf, -np.inf], [0.0, -np.inf]])
    np.testing.assert_array_equal(md.logsumexp(x, 1).array, [-np.inf, 0.0])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.sum(),
        lambda x: x.mean(1),
        lambda x: x.var(0),
        lambda x: x.var(correction=0),
        lambda x: x.max(1).values,
        lambda x: x.min(),
        lambda x: x.max((0, 1)),
        lambda x: md.logsumexp(x, 1),
        lambda x: md.softmax(x, 0),
        lambda x: md.log_softmax(x),
    ],
    ids=["sum", "mean", "var", "var0", "max", "min", "amax", "lse", "softmax", "lsm"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(fn, dtype):
    x = md.tensor(np.array([[0.5, 1.5, 2.5], [1.0, -1.0, 0.25]], dtype=dtype), requires_grad=True)
    y = fn(x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_mean_and_var_of_integers_and_booleans_are_default_floats():
    hits = md.tensor([1, 2, 3]) == md.tensor([1, 0, 3])
    assert hits.mean().dtype == np.float32 and hits.mean().item() == pytest.approx(2 / 3)
    assert md.tensor([1, 2, 3, 4]).var().dtype == np.float32
    assert md.tensor([1, 2, 3, 4]).var().item() == pytest.approx(5 / 3)
    assert md.tensor([1, 2]).sum().dtype == np.int64  # sums of integers stay integers


def test_zero_dimensional_inputs_accept_axis_0_and_minus_1():
    x = md.tensor(2.0, dtype=np.float64, requires_grad=True)
    for fn, value, grad in [
        (lambda t: t.sum(0), 2.0, 1.0),
        (lambda t: t.mean(-1), 2.0, 1.0),
        (lambda t: t.max(0).values, 2.0, 1.0),
        (lambda t: md.logsumexp(t, 0), 2.0, 1.0),
        (lambda t: md.softmax(t, 0), 1.0, 0.0),
        (lambda t: md.log_softmax(t), 0.0, 0.0),
        (lambda t: t.var(0, correction=0), 0.0, 0.0),
    ]:
        y = fn(x)
        assert y.shape == () and y.item() == value
        (g,) = md.grad(y, x)
        assert g.item() == grad


def test_reduction_errors_name_the_problem():
    x = md.ones(2, 3)
    with pytest.raises(ValueError, match="sum: axis 2 is out of range for a tensor with 2 dimensions"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="mean: axis -3 is out of range"):
        x.mean(axis=-3)
    with pytest.raises(ValueError, match=r"max: repeated axis in \(0, -2\)"):
        x.max(axis=(0, -2))
    with pytest.raises(TypeError, match="var: axis must be an int or a tuple of ints"):
        x.var(axis=1.5)
    with pytest.raises(ValueError, match="softmax: axis 5 is out of range"):
        md.softmax(x, 5)
    with pytest.raises(TypeError, match="log_softmax: dim must be one int"):
        md.log_softmax(x, (0, 1))
    with pytest.raises(ValueError, match=r"max: cannot reduce an empty axis of a tensor of shape \(0, 3\)"):
        md.zeros(0, 3).max(axis=0)
    with pytest.raises(ValueError, match="mean: cannot reduce an empty axis"):
        md.zeros(0).mean()
