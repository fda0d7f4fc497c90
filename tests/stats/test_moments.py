import numpy as np
import pytest

import mathdl as md
from mathdl import stats
from mathdl.autograd.gradcheck import gradcheck


def test_moments_match_numpy_and_scipy(rng):
    x = rng.gamma(2.0, size=(500, 3))
    np.testing.assert_allclose(np.asarray(stats.sample_mean(x)), x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(stats.sample_variance(x)), x.var(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(stats.sample_variance(x, correction=0)), x.var(axis=0), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(stats.moment(x, 3, central=False)), (x**3).mean(axis=0), rtol=1e-12)
    scipy_stats = pytest.importorskip("scipy.stats", reason="SciPy is a test extra")
    np.testing.assert_allclose(np.asarray(stats.moment(x, 3)), scipy_stats.moment(x, 3), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(stats.skewness(x)), scipy_stats.skew(x), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(stats.kurtosis(x)), scipy_stats.kurtosis(x), rtol=1e-10)
    np.testing.assert_allclose(
        np.asarray(stats.kurtosis(x, fisher=False)), scipy_stats.kurtosis(x, fisher=False), rtol=1e-10
    )


def test_cov_and_corrcoef_match_numpy(rng):
    x = rng.standard_normal((4, 50))
    np.testing.assert_allclose(np.asarray(stats.cov(x)), np.cov(x), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(stats.cov(x.T, rowvar=False)), np.cov(x), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(stats.cov(x, correction=0)), np.cov(x, bias=True), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(stats.corrcoef(x)), np.corrcoef(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.asarray(stats.cov(x[0])), np.cov(x[0]).reshape(1, 1), rtol=1e-12)


def test_covariance_gradient(rng):
    x = md.tensor(rng.standard_normal((3, 6)), requires_grad=True)
    assert gradcheck(stats.cov, [x])
    assert gradcheck(stats.corrcoef, [x])


def test_bad_input():
    with pytest.raises(ValueError, match="more than 1 observations"):
        stats.cov(np.ones((3, 1)))
    with pytest.raises(ValueError, match="zero variance"):
        stats.corrcoef(np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]]))
    with pytest.raises(ValueError, match="order must be"):
        stats.moment(np.ones(3), -1)
