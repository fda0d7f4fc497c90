"""Property tests over random shapes and seeds: every decomposition reconstructs its input."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mathdl import linalg

sizes = st.integers(min_value=1, max_value=9)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@settings(max_examples=30, deadline=None)
@given(m=sizes, n=sizes, seed=seeds)
def test_qr_and_svd_reconstruct(m, n, seed):
    a = np.random.default_rng(seed).standard_normal((m, n))
    q, r = map(np.asarray, linalg.qr(a))
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    u, s, vt = map(np.asarray, linalg.svd(a, full_matrices=False))
    np.testing.assert_allclose((u * s) @ vt, a, atol=1e-12)
    assert np.all(np.diff(s) <= 1e-15) and np.all(s >= 0)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(n=sizes, k=st.integers(min_value=1, max_value=3), seed=seeds)
def test_solve_eigh_cholesky_on_random_matrices(n, k, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)) + n * np.eye(n)
    b = rng.standard_normal((n, k))
    x = np.asarray(linalg.solve(a, b))
    np.testing.assert_allclose(a @ x, b, atol=1e-10)
    spd = a @ a.T
    lower = np.asarray(linalg.cholesky(spd))
    np.testing.assert_allclose(lower @ lower.T, spd, atol=1e-10 * np.abs(spd).max())
    w, v = map(np.asarray, linalg.eigh(spd))
    np.testing.assert_allclose((v * w) @ v.T, spd, atol=1e-10 * np.abs(spd).max())
    np.testing.assert_allclose(float(np.asarray(linalg.det(a))), np.linalg.det(a), rtol=1e-10)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(min_value=1, max_value=7), seed=seeds)
def test_eig_residual(n, seed):
    a = np.random.default_rng(seed).standard_normal((n, n))
    w, v = map(np.asarray, linalg.eig(a))
    np.testing.assert_allclose(a @ v, v * w, atol=1e-10)
