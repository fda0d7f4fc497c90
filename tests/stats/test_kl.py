"""Closed-form KL divergences against Monte-Carlo estimates E_p[log p − log q] and SciPy."""

import numpy as np
import pytest

import mathdl as md
from mathdl import stats
from mathdl.autograd.gradcheck import gradcheck

f64 = np.float64


@pytest.mark.parametrize(
    "p, q",
    [
        (stats.Normal(f64(0.3), f64(1.5)), stats.Normal(f64(-0.5), f64(0.8))),
        (stats.Laplace(f64(0.3), f64(1.5)), stats.Laplace(f64(-0.5), f64(0.8))),
        (stats.Exponential(f64(2.0)), stats.Exponential(f64(0.7))),
        (stats.Uniform(f64(0.0), f64(1.0)), stats.Uniform(f64(-1.0), f64(2.0))),
        (
            stats.MultivariateNormal(np.array([0.0, 1.0]), np.array([[2.0, 0.3], [0.3, 1.0]])),
            stats.MultivariateNormal(np.array([0.5, 0.0]), np.array([[1.0, -0.2], [-0.2, 0.5]])),
        ),
    ],
    ids=["normal", "laplace", "exponential", "uniform", "mvn"],
)
def test_continuous_closed_forms_match_monte_carlo(p, q):
    md.manual_seed(0)
    x = p.sample((400_000,))
    estimate = float((p.log_prob(x) - q.log_prob(x)).array.mean())
    exact = float(np.asarray(stats.kl_divergence(p, q)))
    assert exact > 0
    assert abs(estimate - exact) < 0.01 * max(1.0, exact)


@pytest.mark.parametrize(
    "p, q, p_table, q_table",
    [
        (stats.Bernoulli(probs=f64(0.3)), stats.Bernoulli(probs=f64(0.6)), [0.7, 0.3], [0.4, 0.6]),
        (
            stats.Categorical(probs=np.array([0.2, 0.5, 0.3])),
            stats.Categorical(probs=np.array([0.4, 0.4, 0.2])),
            [0.2, 0.5, 0.3],
            [0.4, 0.4, 0.2],
        ),
    ],
)
def test_discrete_closed_forms_equal_the_table_formula(p, q, p_table, q_table):
    assert float(np.asarray(stats.kl_divergence(p, q))) == pytest.approx(
        float(np.asarray(stats.kl_divergence(p_table, q_table))), rel=1e-13
    )


def test_poisson_kl_by_summation():
    scipy_stats = pytest.importorskip("scipy.stats", reason="SciPy is a test extra")
    k = np.arange(80)
    p, q = scipy_stats.poisson(3.0).pmf(k), scipy_stats.poisson(5.0).pmf(k)
    exact = float(np.asarray(stats.kl_divergence(stats.Poisson(f64(3.0)), stats.Poisson(f64(5.0)))))
    assert exact == pytest.approx(float(np.sum(p * np.log(p / q))), rel=1e-10)


def test_vae_kl_to_the_standard_normal():
    mu, sigma = np.array([0.5, -1.0, 0.0]), np.array([0.7, 1.2, 1.0])
    kl = stats.kl_divergence(stats.Normal(mu, sigma), stats.Normal(f64(0.0), f64(1.0)))
    expected = -0.5 * (1 + np.log(sigma**2) - mu**2 - sigma**2)
    np.testing.assert_allclose(np.asarray(kl), expected, rtol=1e-13)
    assert float(np.asarray(kl)[2]) == 0.0


def test_mvn_kl_reduces_to_sum_of_independent_normals():
    mu1, s1, mu2, s2 = np.array([0.1, 2.0]), np.array([1.0, 0.5]), np.array([-1.0, 0.0]), np.array([2.0, 0.7])
    mvn = stats.kl_divergence(
        stats.MultivariateNormal(mu1, np.diag(s1**2)), stats.MultivariateNormal(mu2, np.diag(s2**2))
    )
    normals = stats.kl_divergence(stats.Normal(mu1, s1), stats.Normal(mu2, s2))
    assert float(np.asarray(mvn)) == pytest.approx(float(np.asarray(normals).sum()), rel=1e-13)


def test_gaussian_kl_gradients():
    mu = md.tensor(np.array([0.4, -0.3]), requires_grad=True)
    sigma = md.tensor(np.array([0.8, 1.7]), requires_grad=True)
    assert gradcheck(
        lambda m, s: stats.kl_divergence(stats.Normal(m, s), stats.Normal(0.0, 1.0)), [mu, sigma]
    )
    root = md.tensor(np.array([[1.0, 0.0], [0.4, 0.9]]), requires_grad=True)
    assert gradcheck(
        lambda m, r: stats.kl_divergence(
            stats.MultivariateNormal(m, r @ r.T), stats.MultivariateNormal(np.zeros(2), np.eye(2))
        ),
        [mu, root],
    )


def test_unknown_pairs_raise():
    with pytest.raises(NotImplementedError, match="no closed form for Normal ‖ Laplace"):
        stats.kl_divergence(stats.Normal(0.0, 1.0), stats.Laplace(0.0, 1.0))


def test_register_kl_adds_a_closed_form():
    class HalfNormal(stats.Normal):
        pass

    @stats.register_kl(HalfNormal, HalfNormal)
    def _rule(p, q):
        return md.tensor(42.0)

    assert float(np.asarray(stats.kl_divergence(HalfNormal(0.0, 1.0), HalfNormal(0.0, 2.0)))) == 42.0
    with pytest.raises(TypeError, match="Distribution subclasses"):
        stats.register_kl(int, HalfNormal)
