"""QR, eigh, eig, SVD, Cholesky: they reconstruct their input and match numpy.linalg up to
sign/order, on random shapes; bad input raises LinAlgError (a ValueError)."""

import numpy as np
import pytest

from mathdl import linalg
from mathdl.linalg.eigh import jacobi_eigh
from mathdl.linalg.svd import svd_array

SHAPES = [(1, 1), (2, 2), (5, 3), (3, 5), (7, 7), (30, 12), (12, 30)]


def arr(t):
    return np.asarray(t)


@pytest.mark.parametrize("shape", SHAPES)
def test_qr_reconstructs_and_matches_numpy_up_to_row_signs(shape, rng):
    a = rng.standard_normal(shape)
    q, r = map(arr, linalg.qr(a))
    k = min(shape)
    assert q.shape == (shape[0], k) and r.shape == (k, shape[1])
    np.testing.assert_allclose(q @ r, a, atol=1e-13)
    np.testing.assert_allclose(q.T @ q, np.eye(k), atol=1e-13)
    assert np.all(np.tril(r, -1) == 0)
    np.testing.assert_allclose(np.abs(r), np.abs(np.linalg.qr(a)[1]), atol=1e-12)
    qc, rc = map(arr, linalg.qr(a, mode="complete"))
    np.testing.assert_allclose(qc.T @ qc, np.eye(shape[0]), atol=1e-13)
    np.testing.assert_allclose(qc @ rc, a, atol=1e-13)
    np.testing.assert_allclose(arr(linalg.qr(a, mode="r")), r)


def test_qr_of_a_rank_deficient_matrix(rng):
    a = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 4))
    q, r = map(arr, linalg.qr(a))
    np.testing.assert_allclose(q @ r, a, atol=1e-13)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 25])
def test_eigh_matches_numpy(n, rng):
    x = rng.standard_normal((n, n))
    a = x + x.T
    w, v = map(arr, linalg.eigh(a))
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), atol=1e-12)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, a, atol=1e-12)
    np.testing.assert_allclose(v.T @ v, np.eye(n), atol=1e-13)
    reference = np.linalg.eigh(a)[1]
    np.testing.assert_allclose(np.abs(np.sum(v * reference, axis=0)), np.ones(n), atol=1e-9)


def test_jacobi_converges_in_a_few_sweeps_and_handles_repeated_eigenvalues(rng):
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    a = q @ np.diag([1.0, 1.0, 1.0, 2.0, 5.0, 5.0]) @ q.T
    w, v, sweeps = jacobi_eigh(a)
    assert sweeps <= 10
    np.testing.assert_allclose(w, [1, 1, 1, 2, 5, 5], atol=1e-13)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-13)
    w, v = map(arr, linalg.eigh(np.diag([3.0, -1.0, 2.0])))
    np.testing.assert_allclose(w, [-1, 2, 3])


@pytest.mark.parametrize("n", [1, 2, 4, 9, 20])
def test_eig_of_general_matrices(n, rng):
    a = rng.standard_normal((n, n))
    w, v = map(arr, linalg.eig(a))
    np.testing.assert_allclose(a @ v, v * w, atol=1e-11)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), np.ones(n), atol=1e-12)
    reference = np.linalg.eigvals(a)
    distance = np.abs(w[:, None] - reference[None, :])
    assert np.max(np.min(distance, axis=1)) < 1e-10 and np.max(np.min(distance, axis=0)) < 1e-10


def test_eig_returns_real_arrays_for_real_spectra_and_complex_for_rotations(rng):
    s = rng.standard_normal((4, 4))
    a = s @ np.diag([1.0, -2.0, 3.0, 4.0]) @ np.linalg.inv(s)
    w, v = map(arr, linalg.eig(a))
    assert w.dtype == np.float64 and v.dtype == np.float64
    np.testing.assert_allclose(np.sort(w), [-2, 1, 3, 4], atol=1e-11)
    w, _ = map(arr, linalg.eig(np.array([[0.0, -1.0], [1.0, 0.0]])))
    assert w.dtype == np.complex128
    np.testing.assert_allclose(np.sort_complex(w), [-1j, 1j], atol=1e-14)


def test_power_iteration_finds_the_dominant_eigenpair(rng):
    x = rng.standard_normal((6, 6))
    a = x @ x.T
    value, vector, iterations = linalg.power_iteration(a)
    w, v = np.linalg.eigh(a)
    assert float(value) == pytest.approx(w[-1], rel=1e-12)
    assert abs(abs(arr(vector) @ v[:, -1]) - 1) < 1e-10
    # convergence rate |λ₂/λ₁|: more iterations when the gap is small
    assert iterations < 2000
    with pytest.raises(linalg.LinAlgError, match="no convergence"):
        linalg.power_iteration(np.diag([1.0, -1.0]), num_iterations=50, x0=np.array([1.0, 1.0]))


@pytest.mark.parametrize("shape", SHAPES)
def test_svd_reconstructs_and_matches_numpy(shape, rng):
    a = rng.standard_normal(shape)
    u, s, vt = map(arr, linalg.svd(a, full_matrices=False))
    k = min(shape)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-12)
    np.testing.assert_allclose((u * s) @ vt, a, atol=1e-12)
    np.testing.assert_allclose(u.T @ u, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(vt @ vt.T, np.eye(k), atol=1e-12)
    _, _, reference_vt = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(np.abs(np.sum(vt * reference_vt, axis=1)), np.ones(k), atol=1e-8)
    uf, sf, vtf = map(arr, linalg.svd(a))  # full_matrices=True, NumPy's default
    assert uf.shape == (shape[0], shape[0]) and vtf.shape == (shape[1], shape[1])
    np.testing.assert_allclose(uf.T @ uf, np.eye(shape[0]), atol=1e-12)
    np.testing.assert_allclose(vtf @ vtf.T, np.eye(shape[1]), atol=1e-12)
    np.testing.assert_allclose(uf[:, :k] * sf @ vtf[:k], a, atol=1e-12)


def test_svd_of_rank_deficient_matrix_completes_the_basis(rng):
    a = rng.standard_normal((7, 2)) @ rng.standard_normal((2, 5))
    u, s, vt = map(arr, linalg.svd(a, full_matrices=False))
    np.testing.assert_allclose(s[2:], 0, atol=1e-13)
    np.testing.assert_allclose(u.T @ u, np.eye(5), atol=1e-12)
    np.testing.assert_allclose((u * s) @ vt, a, atol=1e-12)


def test_svd_via_eigh_loses_small_singular_values_and_jacobi_does_not(rng):
    q1, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    q2, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    sigma = np.logspace(0, -12, 10)
    a = (q1 * sigma) @ q2.T
    textbook = arr(linalg.svd_via_eigh(a)[1])
    stable = arr(linalg.svd(a)[1])
    # singular values above √eps ≈ 1.5e-8 survive the squaring in AᵀA, those below do not
    np.testing.assert_allclose(textbook[:4], sigma[:4], rtol=1e-6)
    assert np.max(np.abs(textbook[-3:] / sigma[-3:] - 1)) > 0.5
    assert np.max(np.abs(stable / sigma - 1)) < 1e-3
    # on a well-conditioned matrix both agree
    b = rng.standard_normal((6, 4))
    u, s, vt = map(arr, linalg.svd_via_eigh(b))
    np.testing.assert_allclose(s, np.linalg.svd(b, compute_uv=False), rtol=1e-10)
    np.testing.assert_allclose((u * s) @ vt, b, atol=1e-10)


def test_one_sided_jacobi_sweep_count(rng):
    _, _, _, sweeps = svd_array(rng.standard_normal((60, 20)))
    assert sweeps <= 12


@pytest.mark.parametrize("n", [1, 3, 10])
def test_cholesky_matches_numpy(n, rng):
    x = rng.standard_normal((n, n))
    a = x @ x.T + n * np.eye(n)
    lower = arr(linalg.cholesky(a))
    np.testing.assert_allclose(lower, np.linalg.cholesky(a), atol=1e-12)
    np.testing.assert_allclose(lower @ lower.T, a, atol=1e-12)
    assert linalg.is_positive_definite(a)


def test_positive_definiteness_test():
    assert not linalg.is_positive_definite(np.array([[1.0, 2.0], [2.0, 1.0]]))  # eigenvalues 3, −1
    assert not linalg.is_positive_definite(np.array([[1.0, 0.0], [0.0, 0.0]]))  # semidefinite
    assert not linalg.is_positive_definite(np.array([[2.0, 1.0], [0.0, 2.0]]))  # not symmetric
    assert linalg.is_positive_definite(np.array([[2.0, -1.0], [-1.0, 2.0]]))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: linalg.eig(np.ones((2, 3))), r"square matrix \(n, n\), got shape \(2, 3\)"),
        (lambda: linalg.eigh(np.ones((3, 2))), "square matrix"),
        (lambda: linalg.eigh(np.ones(3)), "square matrix"),
        (lambda: linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]])), "not positive-definite"),
        (lambda: linalg.cholesky(np.ones((2, 3))), "square matrix"),
        (lambda: linalg.qr(np.ones(4)), "2-D matrix"),
        (lambda: linalg.svd(np.ones(3)), r"expected a matrix \(\.\.\., m, n\)"),
        (lambda: linalg.svd(np.array([[1.0, np.nan]])), "inf or nan"),
        (lambda: linalg.qr(np.eye(2), mode="economic"), "mode must be one of"),
    ],
)
def test_bad_input_raises_linalg_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert issubclass(linalg.LinAlgError, ValueError)


def test_complex_input_is_refused():
    with pytest.raises(TypeError, match="real floating"):
        linalg.eigh(np.eye(2) * 1j)


@pytest.mark.parametrize(
    "a",
    [np.zeros((3, 3)), np.eye(4), 2 * np.eye(4) + np.diag(np.ones(3), 1)],
    ids=["zero", "identity", "jordan"],
)
def test_eig_of_degenerate_matrices_gives_finite_unit_vectors(a):
    w, v = map(arr, linalg.eig(a))
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1.0)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-12)
    np.testing.assert_allclose(w, np.diagonal(a), atol=1e-12)


def test_eig_finds_polynomial_roots_from_the_companion_matrix():
    coefficients = np.poly(np.arange(1.0, 9.0))
    companion = np.diag(np.ones(7), -1)
    companion[0] = -coefficients[1:]
    np.testing.assert_allclose(np.sort(arr(linalg.eigvals(companion)).real), np.arange(1.0, 9.0), atol=1e-7)


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e150, 1e300])
def test_decompositions_survive_extreme_scales(scale, rng):
    a = rng.standard_normal((4, 3)) * scale
    s = arr(linalg.svd(a, compute_uv=False))
    np.testing.assert_allclose(s, np.linalg.svd(a / scale, compute_uv=False) * scale, rtol=1e-12)
    q, r = map(arr, linalg.qr(a))
    np.testing.assert_allclose(q @ r, a, rtol=0, atol=1e-13 * scale)
    gram = a.T @ (a / scale)  # entries of size ~scale
    np.testing.assert_allclose(
        arr(linalg.eigvalsh(gram)), np.linalg.eigvalsh(gram / scale) * scale, rtol=1e-11
    )


@pytest.mark.parametrize(
    "a", [np.ones((3, 3)), np.ones((5, 3)), np.outer(np.arange(1.0, 6.0), np.arange(1.0, 4.0))]
)
def test_svd_of_rank_one_matrices_converges(a):
    u, s, vt = map(arr, linalg.svd(a))
    np.testing.assert_allclose(s[0], np.linalg.norm(a), rtol=1e-13)
    np.testing.assert_allclose(s[1:], 0.0, atol=1e-13 * s[0])
    np.testing.assert_allclose(u.T @ u, np.eye(a.shape[0]), atol=1e-13)
    assert linalg.matrix_rank(a) == 1


def test_batched_eigh_and_svd_match_numpy(rng):
    a = rng.standard_normal((2, 3, 5, 4))
    u, s, vt = map(arr, linalg.svd(a, full_matrices=False))
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-12)
    np.testing.assert_allclose((u * s[..., None, :]) @ vt, a, atol=1e-12)
    uf, _, vtf = map(arr, linalg.svd(a))
    assert uf.shape == (2, 3, 5, 5) and vtf.shape == (2, 3, 4, 4)
    sym = a[..., :4, :] + np.swapaxes(a[..., :4, :], -1, -2)
    w, v = map(arr, linalg.eigh(sym))
    np.testing.assert_allclose(w, np.linalg.eigvalsh(sym), atol=1e-12)
    np.testing.assert_allclose(v @ (w[..., None] * np.swapaxes(v, -1, -2)), sym, atol=1e-12)
