"""Distributions against SciPy (pdf/pmf, cdf, entropy, moments), against large-sample estimates,
and through autograd (finite differences of log_prob, rsample and entropy in the parameters)."""

import numpy as np
import pytest

import mathdl as md
from mathdl import stats
from mathdl.autograd.gradcheck import gradcheck

f64 = np.float64


def _scipy_stats():
    return pytest.importorskip("scipy.stats", reason="SciPy is a test extra (pip install mathdl[test])")


CONTINUOUS = [
    # (mathdl distribution, scipy frozen distribution factory, evaluation points)
    (lambda: stats.Normal(f64(1.5), f64(2.0)), lambda s: s.norm(1.5, 2.0), np.linspace(-9, 12, 15)),
    (lambda: stats.Uniform(f64(-1.0), f64(3.0)), lambda s: s.uniform(-1.0, 4.0), np.linspace(-2, 4, 13)),
    (lambda: stats.Exponential(f64(0.7)), lambda s: s.expon(scale=1 / 0.7), np.linspace(-1, 9, 11)),
    (lambda: stats.Laplace(f64(0.5), f64(1.3)), lambda s: s.laplace(0.5, 1.3), np.linspace(-5, 6, 12)),
    (lambda: stats.Pareto(f64(2.0), f64(3.5)), lambda s: s.pareto(3.5, scale=2.0), np.linspace(1, 9, 9)),
]


@pytest.mark.parametrize(
    "make, reference, x", CONTINUOUS, ids=["normal", "uniform", "exponential", "laplace", "pareto"]
)
def test_continuous_against_scipy(make, reference, x):
    scipy_stats = _scipy_stats()
    d, ref = make(), reference(scipy_stats)
    inside = ref.pdf(x) > 0
    np.testing.assert_allclose(d.log_prob(x).array[inside], ref.logpdf(x)[inside], rtol=1e-12, atol=1e-12)
    assert np.all(np.isneginf(d.log_prob(x).array[~inside]))
    np.testing.assert_allclose(d.pdf(x).array, ref.pdf(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(d.cdf(x).array, ref.cdf(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(float(d.entropy().array), ref.entropy(), rtol=1e-12)
    np.testing.assert_allclose(float(d.mean.array), ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(float(d.variance.array), ref.var(), rtol=1e-12)


DISCRETE = [
    (lambda: stats.Bernoulli(probs=f64(0.3)), lambda s: s.bernoulli(0.3), np.array([-1, 0, 0.5, 1, 2.0])),
    (
        lambda: stats.Bernoulli(logits=f64(-0.8)),
        lambda s: s.bernoulli(1 / (1 + np.exp(0.8))),
        np.array([0.0, 1.0]),
    ),
    (lambda: stats.Binomial(12, f64(0.35)), lambda s: s.binom(12, 0.35), np.arange(-1, 14, dtype=float)),
    (lambda: stats.Poisson(f64(3.7)), lambda s: s.poisson(3.7), np.arange(-1, 15, dtype=float)),
]


@pytest.mark.parametrize(
    "make, reference, k", DISCRETE, ids=["bernoulli", "bernoulli-logits", "binomial", "poisson"]
)
def test_discrete_against_scipy(make, reference, k):
    scipy_stats = _scipy_stats()
    d, ref = make(), reference(scipy_stats)
    np.testing.assert_allclose(d.pmf(k).array, ref.pmf(k), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d.cdf(k).array, ref.cdf(k), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(float(d.entropy().array), ref.entropy(), rtol=1e-10)
    np.testing.assert_allclose(float(d.mean.array), ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(float(d.variance.array), ref.var(), rtol=1e-12)


def test_categorical_mass_cdf_entropy_by_hand():
    p = np.array([[0.2, 0.3, 0.5], [0.1, 0.0, 0.9]])
    d = stats.Categorical(probs=p)
    assert d.batch_shape == (2,)
    np.testing.assert_allclose(d.log_prob(np.array([2, 0])).array, np.log([0.5, 0.1]))
    assert np.isneginf(d.log_prob(np.array([0, 1])).array[1])
    assert np.all(np.isneginf(d.log_prob(np.array([3, -1])).array))
    np.testing.assert_allclose(d.cdf(np.array([1, 1])).array, [0.5, 0.1])
    np.testing.assert_allclose(
        d.entropy().array, [-(p[0] * np.log(p[0])).sum(), -(0.1 * np.log(0.1) + 0.9 * np.log(0.9))]
    )
    np.testing.assert_allclose(d.mean.array, [1.3, 1.8])
    logits = stats.Categorical(logits=np.log(p[0]) + 4.0)
    np.testing.assert_allclose(logits.probs.array, p[0])
    np.testing.assert_allclose(float(logits.entropy().array), float(d.entropy().array[0]))


@pytest.mark.parametrize(
    "make, atol_mean, atol_var",
    [
        (lambda: stats.Normal(f64(-1.0), f64(3.0)), 0.05, 0.15),
        (lambda: stats.Uniform(f64(2.0), f64(5.0)), 0.02, 0.02),
        (lambda: stats.Exponential(f64(2.0)), 0.01, 0.01),
        (lambda: stats.Laplace(f64(1.0), f64(0.5)), 0.01, 0.02),
        (lambda: stats.Pareto(f64(1.0), f64(6.0)), 0.01, 0.01),
        (lambda: stats.Bernoulli(probs=f64(0.25)), 0.01, 0.01),
        (lambda: stats.Binomial(20, f64(0.4)), 0.05, 0.1),
        (lambda: stats.Poisson(f64(4.5)), 0.04, 0.15),
        (lambda: stats.Categorical(probs=np.array([0.1, 0.6, 0.3])), 0.01, 0.01),
    ],
)
def test_sample_moments_match_the_formulas(make, atol_mean, atol_var):
    md.manual_seed(1)
    d = make()
    draws = d.sample((100_000,)).array.astype(np.float64)
    assert draws.shape == (100_000,)
    assert abs(draws.mean() - float(d.mean.array)) < atol_mean
    assert abs(draws.var() - float(d.variance.array)) < atol_var


def test_sample_shapes_follow_torch():
    md.manual_seed(0)
    d = stats.Normal(np.zeros(3), np.ones((2, 1)))
    assert d.batch_shape == (2, 3)
    assert d.sample((4, 5)).shape == (4, 5, 2, 3)
    assert d.rsample().shape == (2, 3)
    assert stats.Poisson(np.ones(2)).sample(7).shape == (7, 2)
    assert stats.Categorical(probs=np.full((2, 4), 0.25)).sample((3,)).shape == (3, 2)


def test_samples_are_reproducible_with_manual_seed():
    md.manual_seed(5)
    a = stats.Laplace(0.0, 1.0).sample((10,)).array
    md.manual_seed(5)
    b = stats.Laplace(0.0, 1.0).sample((10,)).array
    np.testing.assert_array_equal(a, b)


def test_pareto_heavy_tail_moments_are_infinite():
    d = stats.Pareto(f64(1.0), f64(1.5))
    assert np.isfinite(float(d.mean.array)) and np.isinf(float(d.variance.array))
    assert np.isinf(float(stats.Pareto(f64(1.0), f64(0.8)).mean.array))


# ----- gradients ------------------------------------------------------------------------------
def _param(value):
    return md.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize(
    "family, params, x",
    [
        (stats.Normal, [[0.3, -1.0], [1.2, 0.7]], [0.1, 0.5]),
        (stats.Laplace, [[0.3, -1.0], [1.2, 0.7]], [0.1, 0.5]),
        (stats.Uniform, [[-1.0, 0.0], [2.0, 3.0]], [0.1, 0.5]),
        (stats.Pareto, [[0.5, 1.0], [2.5, 3.0]], [1.1, 4.0]),
        (lambda rate: stats.Exponential(rate), [[0.5, 2.0]], [0.1, 1.5]),
    ],
)
def test_continuous_log_prob_rsample_entropy_gradients(family, params, x):
    tensors = [_param(p) for p in params]
    x = np.asarray(x)
    assert gradcheck(lambda *ps: family(*ps).log_prob(x), tensors)
    assert gradcheck(lambda *ps: family(*ps).entropy(), tensors)
    assert gradcheck(lambda *ps: family(*ps).cdf(x), tensors)

    def draw(*ps):
        md.manual_seed(3)  # the same noise ε on every evaluation
        return family(*ps).rsample((4,))

    assert gradcheck(draw, tensors)


@pytest.mark.parametrize(
    "make, k",
    [
        (lambda p: stats.Bernoulli(probs=p), [0.0, 1.0]),
        (lambda p: stats.Bernoulli(logits=p), [0.0, 1.0]),
        (lambda p: stats.Binomial(6, p), [2.0, 5.0]),
        (lambda p: stats.Poisson(p * 4.0), [0.0, 3.0]),
    ],
)
def test_discrete_log_prob_and_entropy_gradients(make, k):
    p = _param([0.3, 0.6])
    assert gradcheck(lambda p: make(p).log_prob(np.asarray(k)), [p])
    assert gradcheck(lambda p: make(p).entropy(), [p])


def test_categorical_gradients():
    logits = _param([[0.2, -1.0, 0.5], [1.0, 0.0, -0.5]])
    assert gradcheck(lambda l: stats.Categorical(logits=l).log_prob(np.array([2, 0])), [logits])
    assert gradcheck(lambda l: stats.Categorical(logits=l).entropy(), [logits])
    probs = _param([0.2, 0.5, 0.3])
    # finite differences step off the simplex, so differentiate through the normalisation p / Σp
    assert gradcheck(lambda p: stats.Categorical(probs=p / p.sum()).log_prob(np.array([1, 2])), [probs])
    assert gradcheck(lambda p: stats.Categorical(probs=p / p.sum()).entropy(), [probs])


def test_rsample_reparameterisation_gives_the_known_gradient():
    # E[x²] for x ~ N(μ, σ²) is μ² + σ²: its gradient in (μ, σ) is (2μ, 2σ).
    md.manual_seed(0)
    loc, scale = _param(0.7), _param(1.3)
    x = stats.Normal(loc, scale).rsample((200_000,))
    (x * x).mean().backward()
    assert abs(float(loc.grad.array) - 1.4) < 0.02
    assert abs(float(scale.grad.array) - 2.6) < 0.03


# ----- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: stats.Normal(0.0, -1.0), "scale must be positive"),
        (lambda: stats.Normal(0.0, 0.0), "scale must be positive"),
        (lambda: stats.Laplace(0.0, -2.0), "scale must be positive"),
        (lambda: stats.Exponential(-0.5), "rate must be positive"),
        (lambda: stats.Uniform(2.0, 1.0), "low must be less than high"),
        (lambda: stats.Pareto(1.0, -3.0), "alpha must be positive"),
        (lambda: stats.Pareto(0.0, 3.0), "scale must be positive"),
        (lambda: stats.Bernoulli(probs=1.5), r"probs must lie in \[0, 1\]"),
        (lambda: stats.Bernoulli(), "exactly one of probs and logits"),
        (lambda: stats.Binomial(-3, 0.5), "total_count must be a non-negative integer"),
        (lambda: stats.Binomial(2.5, 0.5), "total_count must be a non-negative integer"),
        (lambda: stats.Poisson(-1.0), "rate must be non-negative"),
        (lambda: stats.Categorical(probs=[0.2, 0.2, 0.2]), "must sum to 1"),
        (lambda: stats.Categorical(probs=[1.2, -0.2]), r"probs must lie in \[0, 1\]"),
        (lambda: stats.Normal(np.zeros(2), np.ones(3)), "do not broadcast"),
        (lambda: stats.Normal(float("nan"), 1.0), "must be finite"),
    ],
)
def test_invalid_parameters_raise_at_construction(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_discrete_distributions_have_no_rsample():
    with pytest.raises(NotImplementedError, match="no reparameterised sampler"):
        stats.Poisson(1.0).rsample()


def test_float32_parameters_stay_float32():
    d = stats.Normal(md.tensor([0.0, 1.0]), md.tensor([1.0, 2.0]))
    assert d.log_prob(np.array([0.5, 0.5], dtype=np.float32)).dtype == np.float32
    assert d.rsample((3,)).dtype == np.float32


def test_entropy_sums_stay_accurate_for_large_counts():
    # the windowed sums against the asymptotic ½ log(2πeσ²) − 1/(12λ) (Poisson) and SciPy (Binomial)
    h = float(stats.Poisson(f64(1e6)).entropy().array)
    assert h == pytest.approx(0.5 * np.log(2 * np.pi * np.e * 1e6) - 1 / 12e6, abs=1e-9)
    scipy_stats = _scipy_stats()
    assert float(stats.Binomial(5000, f64(0.3)).entropy().array) == pytest.approx(
        scipy_stats.binom(5000, 0.3).entropy(), rel=1e-9
    )  # log Γ(5001) ≈ 3.8e4 carries ~1e-11


@pytest.mark.parametrize(
    "make, reference",
    [(c[0], c[1]) for c in CONTINUOUS],
    ids=["normal", "uniform", "exponential", "laplace", "pareto"],
)
def test_icdf_matches_scipy_ppf_and_inverts_the_cdf(make, reference):
    scipy_stats = _scipy_stats()
    d, ref = make(), reference(scipy_stats)
    q = np.array([1e-300, 1e-12, 0.01, 0.3, 0.5, 0.9, 1 - 1e-12])
    np.testing.assert_allclose(d.icdf(q).array, ref.ppf(q), rtol=1e-13)
    np.testing.assert_allclose(d.cdf(d.icdf(q[2:-1])).array, q[2:-1], rtol=1e-13)
    np.testing.assert_allclose(d.icdf(np.array([0.0, 1.0])).array, ref.ppf([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        d.icdf(1.5)


def test_ndtri_matches_scipy_and_differentiates():
    special = pytest.importorskip("scipy.special", reason="SciPy is a test extra")
    from mathdl.stats.special import ndtri, ndtri_array

    p = np.concatenate([np.geomspace(1e-300, 0.5, 400), 1 - np.geomspace(1e-16, 0.5, 200)])
    np.testing.assert_allclose(ndtri_array(p), special.ndtri(p), rtol=1e-14, atol=1e-15)
    q = md.tensor(np.array([0.01, 0.3, 0.5, 0.97]), requires_grad=True)
    assert gradcheck(ndtri, [q])
    loc, scale = _param(0.3), _param(1.7)
    assert gradcheck(lambda m, s: stats.Normal(m, s).icdf(np.array([0.1, 0.8])), [loc, scale])


def test_discrete_cdf_at_infinity_and_with_broadcasting():
    np.testing.assert_allclose(
        stats.Poisson(np.array([2.0, 30.0])).cdf(np.array([np.inf, -np.inf])).array, [1.0, 0.0], atol=1e-15
    )
    np.testing.assert_allclose(
        stats.Binomial(4, np.array([0.5])).cdf(np.array([np.inf, 2.0, -1.0])).array, [1.0, 11 / 16, 0.0]
    )
    assert stats.Poisson(np.array([1.0])).cdf(np.float64(3.0)).shape == (1,)  # found by hypothesis
