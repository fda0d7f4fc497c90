import numpy as np
import pytest

import mathdl as md
from mathdl import stats
from mathdl.autograd.gradcheck import gradcheck


@pytest.fixture
def gaussian(rng):
    x = rng.standard_normal((3, 3))
    return rng.standard_normal(3), x @ x.T + 0.5 * np.eye(3)


def test_log_prob_and_entropy_match_scipy(gaussian, rng):
    scipy_stats = pytest.importorskip("scipy.stats", reason="SciPy is a test extra")
    mean, cov = gaussian
    d = stats.MultivariateNormal(mean, cov)
    x = rng.standard_normal((5, 3))
    reference = scipy_stats.multivariate_normal(mean, cov)
    np.testing.assert_allclose(d.log_prob(x).array, reference.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(float(d.entropy().array), reference.entropy(), rtol=1e-12)
    np.testing.assert_allclose(d.variance.array, np.diag(cov), rtol=1e-12)


def test_scale_tril_and_covariance_give_the_same_distribution(gaussian, rng):
    mean, cov = gaussian
    lower = np.linalg.cholesky(cov)
    x = rng.standard_normal((4, 3))
    a = stats.MultivariateNormal(mean, cov)
    b = stats.MultivariateNormal(mean, scale_tril=lower)
    np.testing.assert_allclose(a.log_prob(x).array, b.log_prob(x).array, rtol=1e-12)
    np.testing.assert_allclose(b.covariance_matrix.array, cov, rtol=1e-12)


def test_batched_means(gaussian, rng):
    mean, cov = gaussian
    means = rng.standard_normal((2, 3))
    d = stats.MultivariateNormal(means, cov)
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    x = rng.standard_normal((4, 2, 3))
    single = stats.MultivariateNormal(means[1], cov)
    np.testing.assert_allclose(d.log_prob(x).array[:, 1], single.log_prob(x[:, 1]).array, rtol=1e-12)
    assert d.sample((5,)).shape == (5, 2, 3)
    assert d.entropy().shape == (2,)


def test_samples_have_the_right_mean_and_covariance(gaussian):
    mean, cov = gaussian
    md.manual_seed(2)
    draws = stats.MultivariateNormal(mean, cov).sample((200_000,)).array
    np.testing.assert_allclose(draws.mean(axis=0), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.03)


def test_gradients_in_mean_and_covariance(gaussian, rng):
    mean, cov = gaussian
    x = rng.standard_normal((4, 3))
    loc = md.tensor(mean, requires_grad=True)
    root = md.tensor(np.linalg.cholesky(cov), requires_grad=True)

    def log_prob(loc, root):
        return stats.MultivariateNormal(loc, root @ root.T).log_prob(x)

    def entropy(loc, root):
        return stats.MultivariateNormal(loc, root @ root.T).entropy()

    def draw(loc, root):
        md.manual_seed(4)
        return stats.MultivariateNormal(loc, root @ root.T).rsample((3,))

    assert gradcheck(log_prob, [loc, root])
    assert gradcheck(draw, [loc, root])
    assert gradcheck(lambda root: entropy(loc, root), [root])


@pytest.mark.parametrize(
    "cov, message",
    [
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive-definite"),
        (np.array([[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
        (np.eye(3), r"shape \(\.\.\., 2, 2\)"),
        (np.stack([np.eye(2)] * 3), "do not broadcast"),
    ],
)
def test_invalid_covariances_raise(cov, message):
    with pytest.raises(ValueError, match=message):
        stats.MultivariateNormal(np.zeros((2, 2)), cov)


def test_no_closed_form_cdf():
    with pytest.raises(NotImplementedError, match="closed-form cdf"):
        stats.MultivariateNormal(np.zeros(2), np.eye(2)).cdf(np.zeros(2))


def test_a_batch_of_covariances(rng):
    scipy_stats = pytest.importorskip("scipy.stats", reason="SciPy is a test extra")
    roots = rng.standard_normal((3, 2, 2))
    covs = roots @ np.swapaxes(roots, 1, 2) + 0.3 * np.eye(2)
    means = rng.standard_normal((3, 2))
    d = stats.MultivariateNormal(means, covs)
    assert d.batch_shape == (3,) and d.sample((5,)).shape == (5, 3, 2)
    x = rng.standard_normal((4, 3, 2))
    for i in range(3):
        reference = scipy_stats.multivariate_normal(means[i], covs[i])
        np.testing.assert_allclose(d.log_prob(x).array[:, i], reference.logpdf(x[:, i]), rtol=1e-12)
        np.testing.assert_allclose(float(d.entropy().array[i]), reference.entropy(), rtol=1e-12)
    single_mean = stats.MultivariateNormal(np.zeros(2), covs)  # one mean, three covariances
    assert single_mean.batch_shape == (3,) and single_mean.mean.shape == (3, 2)
    kl = np.asarray(stats.kl_divergence(d, stats.MultivariateNormal(np.zeros(2), np.eye(2))))
    for i in range(3):
        one = stats.kl_divergence(
            stats.MultivariateNormal(means[i], covs[i]), stats.MultivariateNormal(np.zeros(2), np.eye(2))
        )
        assert kl[i] == pytest.approx(float(np.asarray(one)), rel=1e-12)
    md.manual_seed(0)
    draws = d.sample((100_000,)).array
    np.testing.assert_allclose(np.cov(draws[:, 2].T), covs[2], atol=0.05)
