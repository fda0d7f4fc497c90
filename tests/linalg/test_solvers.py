"""solve, inv, det, slogdet, pinv, norms, trace, rank against NumPy, and their gradients."""

import numpy as np
import pytest

import mathdl as md
from mathdl import linalg
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def arr(t):
    return np.asarray(t)


def test_solve_inv_det_match_numpy_on_batches(rng):
    a = rng.standard_normal((3, 5, 5))
    b = rng.standard_normal((3, 5, 2))
    np.testing.assert_allclose(arr(linalg.solve(a, b)), np.linalg.solve(a, b), atol=1e-12)
    np.testing.assert_allclose(
        arr(linalg.solve(a[0], b[0, :, 0])), np.linalg.solve(a[0], b[0, :, 0]), atol=1e-12
    )
    np.testing.assert_allclose(arr(linalg.solve(a, b[0])), np.linalg.solve(a, b[0]), atol=1e-12)
    np.testing.assert_allclose(arr(linalg.inv(a)), np.linalg.inv(a), atol=1e-12)
    np.testing.assert_allclose(arr(linalg.det(a)), np.linalg.det(a), rtol=1e-12)
    sign, logdet = linalg.slogdet(a)
    np.testing.assert_allclose(arr(sign), np.linalg.slogdet(a)[0])
    np.testing.assert_allclose(arr(logdet), np.linalg.slogdet(a)[1], rtol=1e-12)


def test_partial_pivoting_handles_a_zero_leading_entry():
    a = np.array([[0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(arr(linalg.solve(a, np.array([2.0, 3.0]))), [1.0, 2.0])
    assert float(linalg.det(a)) == pytest.approx(-1.0)


def test_singular_matrices():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(linalg.LinAlgError, match="singular"):
        linalg.solve(singular, np.ones(2))
    with pytest.raises(linalg.LinAlgError, match="singular"):
        linalg.inv(singular)
    assert float(linalg.det(singular)) == 0.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: linalg.solve(np.eye(3), np.ones(2)), "b needs 3 rows"),
        (lambda: linalg.solve(np.ones((2, 3)), np.ones(2)), "square matrix"),
        (lambda: linalg.inv(np.ones((2, 3))), "square matrix"),
        (lambda: linalg.det(np.ones(3)), "square matrix"),
        (lambda: linalg.norm(np.ones((2, 2)), ord="bogus"), "invalid matrix norm"),
    ],
)
def test_bad_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_triangular_solve(rng):
    lower = np.tril(rng.standard_normal((4, 4))) + 3 * np.eye(4)
    b = rng.standard_normal((4, 3))
    np.testing.assert_allclose(arr(linalg.solve_triangular(lower, b)), np.linalg.solve(lower, b), atol=1e-12)
    np.testing.assert_allclose(
        arr(linalg.solve_triangular(lower.T, b, lower=False)), np.linalg.solve(lower.T, b), atol=1e-12
    )


def test_pinv_matches_numpy_and_gives_minimum_norm_least_squares(rng):
    for shape in [(6, 3), (3, 6), (4, 4)]:
        a = rng.standard_normal(shape)
        np.testing.assert_allclose(arr(linalg.pinv(a)), np.linalg.pinv(a), atol=1e-12)
    a = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))  # rank 2
    p = arr(linalg.pinv(a, rcond=1e-10))
    np.testing.assert_allclose(a @ p @ a, a, atol=1e-11)  # Penrose conditions
    np.testing.assert_allclose(p @ a @ p, p, atol=1e-11)
    np.testing.assert_allclose(p, np.linalg.pinv(a, rcond=1e-10), atol=1e-11)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
def test_matrix_norms_match_numpy(ord, rng):
    a = rng.standard_normal((4, 3))
    assert float(linalg.norm(a, ord)) == pytest.approx(np.linalg.norm(a, ord), rel=1e-12)
    assert float(linalg.norm(a, ord, axis=(1, 0))) == pytest.approx(
        np.linalg.norm(a, ord, axis=(1, 0)), rel=1e-12
    )


@pytest.mark.parametrize("ord", [None, 2, 1, 3, 0.5, np.inf, -np.inf, 0])
def test_vector_norms_match_numpy(ord, rng):
    x = rng.standard_normal((3, 5))
    assert float(linalg.norm(x[0], ord)) == pytest.approx(np.linalg.norm(x[0], ord), rel=1e-12)
    np.testing.assert_allclose(arr(linalg.norm(x, ord, axis=1)), np.linalg.norm(x, ord, axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        arr(linalg.norm(x, ord, axis=0, keepdims=True)),
        np.linalg.norm(x, ord, axis=0, keepdims=True),
        rtol=1e-12,
    )


def test_trace_rank_cond(rng):
    a = rng.standard_normal((2, 4, 4))
    np.testing.assert_allclose(arr(linalg.trace(a)), np.trace(a, axis1=1, axis2=2), rtol=1e-13)
    low_rank = rng.standard_normal((6, 3)) @ rng.standard_normal((3, 5))
    assert linalg.matrix_rank(low_rank) == np.linalg.matrix_rank(low_rank) == 3
    assert linalg.matrix_rank(np.zeros((3, 3))) == 0
    assert linalg.matrix_rank(np.ones(3)) == 1
    assert linalg.cond(a[0]) == pytest.approx(np.linalg.cond(a[0]), rel=1e-10)


# ----- gradients ------------------------------------------------------------------------------
def _t(array):
    return md.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def test_solve_inv_det_gradients_first_and_second_order(rng):
    a = _t(rng.standard_normal((2, 3, 3)) + 3 * np.eye(3))
    b = _t(rng.standard_normal((2, 3, 2)))
    assert gradcheck(linalg.solve, [a, b])
    assert gradcheck(linalg.inv, [a])
    assert gradcheck(linalg.det, [a])
    assert gradcheck(lambda a: linalg.slogdet(a)[1], [a])
    assert gradgradcheck(linalg.solve, [a, b])
    assert gradgradcheck(linalg.inv, [a])
    assert gradgradcheck(linalg.det, [a])
    vector = _t(rng.standard_normal(3))
    assert gradcheck(lambda a, v: linalg.solve(a[0], v), [a, vector])


def test_triangular_and_cholesky_gradients(rng):
    lower = _t(np.tril(rng.standard_normal((3, 3))) + 3 * np.eye(3))
    b = _t(rng.standard_normal((3, 2)))
    assert gradcheck(lambda l, b: linalg.solve_triangular(l, b), [lower, b])
    x = _t(rng.standard_normal((4, 4)))
    spd = lambda x: x @ x.T + md.tensor(np.eye(4))
    assert gradcheck(lambda x: linalg.cholesky(spd(x)), [x])
    assert gradgradcheck(lambda x: linalg.cholesky(spd(x)), [x])


def test_eigh_and_svd_gradients(rng):
    x = _t(rng.standard_normal((4, 4)))
    assert gradcheck(lambda x: linalg.eigh(x + x.T), [x])
    assert gradgradcheck(lambda x: linalg.eigh(x + x.T)[0], [x])
    for shape in [(5, 3), (3, 5), (4, 4)]:
        y = _t(rng.standard_normal(shape))
        assert gradcheck(lambda y: linalg.svd(y, full_matrices=False), [y])
        assert gradcheck(lambda y: linalg.pinv(y), [y])
        assert gradcheck(lambda y: linalg.norm(y, "nuc"), [y])
        assert gradcheck(lambda y: linalg.norm(y, 2), [y])
    stack = _t(rng.standard_normal((2, 4, 3)))
    assert gradcheck(lambda y: linalg.svd(y, full_matrices=False), [stack])
    assert gradcheck(lambda y: linalg.eigh(y[:, :3] + md.swapaxes(y[:, :3], -1, -2)), [stack])
    with pytest.raises(linalg.LinAlgError, match="full_matrices=False"):
        linalg.svd(_t(rng.standard_normal((3, 2))))


def test_norm_and_trace_gradients(rng):
    x = _t(rng.standard_normal((3, 4)))
    for ord in (None, 1, 3, np.inf):
        assert gradcheck(lambda x: linalg.norm(x, ord, axis=1), [x])
    assert gradcheck(lambda x: linalg.norm(x), [x])
    assert gradcheck(lambda x: linalg.trace(x @ x.T), [x])


def test_norm_of_higher_dimensional_arrays_flattens_like_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    assert float(linalg.norm(x)) == pytest.approx(np.linalg.norm(x))
    assert linalg.norm(x, keepdims=True).shape == (1, 1, 1)
    np.testing.assert_allclose(arr(linalg.norm(x, axis=-1)), np.linalg.norm(x, axis=-1))
    with pytest.raises(ValueError, match="matrix norm"):
        linalg.norm(x[0, 0], "fro")


def test_lstsq_matches_numpy(rng):
    a = rng.standard_normal((8, 3))
    for b in (rng.standard_normal(8), rng.standard_normal((8, 2))):
        x, residuals, rank, s = linalg.lstsq(a, b)
        reference = np.linalg.lstsq(a, b, rcond=None)
        np.testing.assert_allclose(arr(x), reference[0], atol=1e-12)
        np.testing.assert_allclose(arr(residuals), reference[1], rtol=1e-10)
        assert rank == reference[2] == 3
        np.testing.assert_allclose(arr(s), reference[3], atol=1e-12)
    deficient = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))
    b = rng.standard_normal(6)
    x, residuals, rank, _ = linalg.lstsq(deficient, b)
    np.testing.assert_allclose(arr(x), np.linalg.lstsq(deficient, b, rcond=None)[0], atol=1e-10)
    assert rank == 2 and arr(residuals).size == 0
    ta, tb = _t(a), _t(rng.standard_normal(8))
    assert gradcheck(lambda a, b: linalg.lstsq(a, b)[0], [ta, tb])
    with pytest.raises(ValueError, match="b needs 8 rows"):
        linalg.lstsq(a, np.ones(3))
