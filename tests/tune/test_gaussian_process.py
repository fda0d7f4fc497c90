"""The GP posterior against its closed form and scikit-learn; the likelihood gradient against finite
differences; expected improvement against its formula."""

import math

import numpy as np
import pytest

from mathdl.tune import GaussianProcess, expected_improvement


def rbf(a, b, lengthscales, signal):
    d = (a[:, None, :] - b[None, :, :]) / lengthscales
    return signal * np.exp(-0.5 * (d**2).sum(-1))


def matern52(a, b, lengthscales, signal):
    r = np.sqrt((((a[:, None, :] - b[None, :, :]) / lengthscales) ** 2).sum(-1))
    return signal * (1 + math.sqrt(5) * r + 5 * r**2 / 3) * np.exp(-math.sqrt(5) * r)


def data(rng, n=12, d=2):
    x = rng.random((n, d))
    y = np.sin(6 * x[:, 0]) + x[:, 1] ** 2 + 0.05 * rng.standard_normal(n)
    return x, y


@pytest.mark.parametrize("kernel, formula", [("rbf", rbf), ("matern52", matern52)])
def test_posterior_matches_the_closed_form(kernel, formula, rng):
    x, y = data(rng)
    test = rng.random((7, 2))
    ell, signal, noise = np.array([0.3, 0.7]), 1.7, 0.02
    gp = GaussianProcess(kernel, ell, signal, noise, normalize_y=False).fit(x, y, optimize=False)
    mean, std = gp.predict(test, return_std=True)
    k = formula(x, x, ell, signal) + noise * np.eye(len(x))
    k_star = formula(x, test, ell, signal)
    expected_mean = k_star.T @ np.linalg.solve(k, y)
    expected_var = signal - np.einsum("ij,ij->j", k_star, np.linalg.solve(k, k_star))
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(std**2, expected_var, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("kernel", ["rbf", "matern52"])
def test_posterior_and_likelihood_match_scikit_learn(kernel, rng):
    sklearn_gp = pytest.importorskip("sklearn.gaussian_process", reason="scikit-learn is the GP reference")
    kernels = pytest.importorskip(
        "sklearn.gaussian_process.kernels", reason="scikit-learn is the GP reference"
    )
    x, y = data(rng)
    test = rng.random((9, 2))
    ell, signal, noise = np.array([0.25, 0.6]), 2.3, 1e-3
    shape = kernels.RBF(ell) if kernel == "rbf" else kernels.Matern(ell, nu=2.5)
    reference = sklearn_gp.GaussianProcessRegressor(
        kernels.ConstantKernel(signal) * shape, alpha=noise, optimizer=None, normalize_y=False
    ).fit(x, y)
    gp = GaussianProcess(kernel, ell, signal, noise, normalize_y=False).fit(x, y, optimize=False)
    mean, std = gp.predict(test, return_std=True)
    ref_mean, ref_std = reference.predict(test, return_std=True)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(std, ref_std, rtol=1e-6, atol=1e-9)
    # scikit-learn's θ is (log σ_f², log ℓ₁, log ℓ₂); its noise (alpha) is fixed
    ref_value, ref_gradient = reference.log_marginal_likelihood(reference.kernel_.theta, eval_gradient=True)
    value, gradient = gp.log_marginal_likelihood(gp.theta(), x, y, eval_gradient=True)
    assert value == pytest.approx(ref_value, rel=1e-9)
    np.testing.assert_allclose(gradient[[2, 0, 1]], ref_gradient, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kernel", ["rbf", "matern52"])
def test_likelihood_gradient_matches_finite_differences(kernel, rng):
    x, y = data(rng, n=10, d=3)
    gp = GaussianProcess(kernel, [0.4, 0.8, 1.3], 0.9, 0.05, normalize_y=False)
    theta = gp.theta()
    _, gradient = gp.log_marginal_likelihood(theta, x, y, eval_gradient=True)
    step = 1e-6
    numeric = [
        (
            gp.log_marginal_likelihood(theta + step * e, x, y)
            - gp.log_marginal_likelihood(theta - step * e, x, y)
        )
        / (2 * step)
        for e in np.eye(len(theta))
    ]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-7)


def test_fitting_the_hyperparameters_raises_the_likelihood(rng):
    x, y = data(rng, n=20)
    gp = GaussianProcess("matern52", [5.0, 5.0], 0.1, 0.5, seed=0)
    start = gp.log_marginal_likelihood(gp.theta(), x, (y - y.mean()) / y.std())
    gp.fit(x, y)
    assert gp.log_marginal_likelihood_value_ > start + 5.0
    low, high = GaussianProcess.DEFAULT_BOUNDS["lengthscale"]
    assert np.all((gp.lengthscales >= low) & (gp.lengthscales <= high))


def test_mean_and_std_gradients_match_finite_differences(rng):
    x, y = data(rng)
    gp = GaussianProcess("matern52", [0.3, 0.5], 1.2, 1e-3).fit(x, y, optimize=False)
    point = np.array([0.37, 0.61])
    mean, sigma, d_mean, d_sigma = gp.predict_with_gradient(point)
    step = 1e-6
    for j, e in enumerate(np.eye(2) * step):
        plus, minus = gp.predict_with_gradient(point + e), gp.predict_with_gradient(point - e)
        assert d_mean[j] == pytest.approx((plus[0] - minus[0]) / (2 * step), rel=1e-5, abs=1e-7)
        assert d_sigma[j] == pytest.approx((plus[1] - minus[1]) / (2 * step), rel=1e-5, abs=1e-7)
    full_mean, full_std = gp.predict(point[None], return_std=True)
    assert mean * gp.y_std + gp.y_mean == pytest.approx(full_mean[0], rel=1e-10)
    assert sigma * gp.y_std == pytest.approx(full_std[0], rel=1e-8)


def test_expected_improvement_formula():
    mean, std, best, xi = np.array([1.0, 0.2, 0.5]), np.array([0.5, 0.1, 0.0]), 0.6, 0.01
    z = (mean - best - xi) / np.where(std > 0, std, 1)
    cdf = 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in z])
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    expected = (mean - best - xi) * cdf + std * pdf
    expected[2] = 0.0  # σ = 0 and μ < f⁺: no improvement possible
    np.testing.assert_allclose(expected_improvement(mean, std, best, xi), expected, rtol=1e-12)
    assert np.all(expected_improvement(mean, std, best, xi) >= 0)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="kernel"):
        GaussianProcess("cubic")
    with pytest.raises(ValueError, match="unknown bounds"):
        GaussianProcess(bounds={"length": (1, 2)})
    with pytest.raises(ValueError, match="same non-zero length"):
        GaussianProcess().fit(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="length scales for"):
        GaussianProcess(lengthscales=[1.0, 2.0]).fit(np.zeros((3, 3)), np.zeros(3))
