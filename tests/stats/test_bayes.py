import numpy as np
import pytest

from mathdl import stats


def test_rare_disease_test_is_mostly_false_positives():
    # 1% prevalence, 99% sensitivity, 95% specificity: P(D | +) = .0099 / (.0099 + .0495) = 1/6.
    assert stats.diagnostic_posterior(0.01, 0.99, 0.95) == pytest.approx(0.0099 / (0.0099 + 0.0495))


def test_bayes_rule_and_evidence():
    prior = np.array([0.5, 0.3, 0.2])
    likelihood = np.array([0.1, 0.4, 0.8])
    posterior = np.asarray(stats.bayes_rule(prior, likelihood))
    total = float(np.asarray(stats.evidence(prior, likelihood)))
    assert total == pytest.approx(0.05 + 0.12 + 0.16)
    np.testing.assert_allclose(posterior, prior * likelihood / total)
    assert posterior.sum() == pytest.approx(1.0)


def test_sequential_updates_equal_one_update_with_the_product(rng):
    prior = rng.dirichlet(np.ones(4))
    likelihoods = rng.uniform(0.05, 1.0, size=(6, 4))
    history = np.asarray(stats.sequential_bayes(prior, likelihoods))
    assert history.shape == (6, 4)
    np.testing.assert_allclose(
        history[-1], np.asarray(stats.bayes_rule(prior, likelihoods.prod(axis=0))), rtol=1e-12
    )


def test_coin_posterior_concentrates_on_the_true_bias(rng):
    biases = np.linspace(0.05, 0.95, 19)
    prior = np.full(19, 1 / 19)
    flips = rng.random(400) < 0.7
    likelihoods = np.where(flips[:, None], biases, 1 - biases)
    posterior = np.asarray(stats.sequential_bayes(prior, likelihoods))[-1]
    # with a flat prior the posterior mode is the grid point nearest the observed frequency
    assert np.argmax(posterior) == np.argmin(np.abs(biases - flips.mean()))
    assert posterior[np.abs(biases - 0.7) < 0.11].sum() > 0.95


@pytest.mark.parametrize(
    "prior, likelihood, message",
    [
        ([0.5, 0.6], [1.0, 1.0], "must sum to 1"),
        ([0.5, 0.5], [-1.0, 1.0], "non-negative"),
        ([0.5, 0.5], [0.0, 0.0], "probability 0"),
    ],
)
def test_bad_input(prior, likelihood, message):
    with pytest.raises(ValueError, match=message):
        stats.bayes_rule(prior, likelihood)
