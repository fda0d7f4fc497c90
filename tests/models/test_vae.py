import numpy as np
import pytest

import mathdl as md
from mathdl import stats
from mathdl.autograd.gradcheck import gradcheck
from mathdl.data import load_fashion_mnist_subset
from mathdl.models.vae import VAE, gaussian_kl, reparameterize
from training_helpers import fit_model


def test_kl_term_equals_the_monte_carlo_estimate(rng):
    mu = rng.normal(size=(3, 4))
    logvar = rng.normal(scale=0.7, size=(3, 4))
    closed = gaussian_kl(md.tensor(mu), md.tensor(logvar)).array
    # KL(q‖p) = E_q[log q(z) − log p(z)], estimated from draws z ~ q
    n = 200_000
    sigma = np.exp(0.5 * logvar)
    z = mu + sigma * rng.standard_normal((n, 3, 4))
    log_q = -0.5 * ((z - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
    log_p = -0.5 * z**2 - 0.5 * np.log(2 * np.pi)
    per_draw = (log_q - log_p).sum(axis=-1)
    estimate, standard_error = per_draw.mean(axis=0), per_draw.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(estimate - closed) < 4 * standard_error)
    assert np.all(standard_error < 0.02)


def test_kl_matches_the_stats_closed_form_and_gradients(rng):
    mu = md.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    logvar = md.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    q = stats.Normal(mu, (0.5 * logvar).exp())
    reference = stats.kl_divergence(q, stats.Normal(0.0, 1.0)).sum(axis=-1)
    np.testing.assert_allclose(gaussian_kl(mu, logvar).array, reference.array, rtol=1e-12)
    assert gradcheck(lambda m, v: gaussian_kl(m, v), (mu, logvar))
    with pytest.raises(ValueError, match="same shape"):
        gaussian_kl(mu, logvar[:, :2])


def test_reparameterization_moments_and_gradient(rng):
    md.manual_seed(0)
    mu = md.tensor(np.full((50_000, 2), [1.0, -2.0]), requires_grad=True)
    logvar = md.tensor(np.full((50_000, 2), [0.0, np.log(0.25)]), requires_grad=True)
    z = reparameterize(mu, logvar)
    np.testing.assert_allclose(z.array.mean(axis=0), [1.0, -2.0], atol=0.02)
    np.testing.assert_allclose(z.array.std(axis=0), [1.0, 0.5], rtol=0.02)
    z.sum().backward()
    np.testing.assert_allclose(mu.grad.array, 1.0)
    # ∂z/∂logvar = ½ σ ε = ½ (z − μ)
    np.testing.assert_allclose(logvar.grad.array, 0.5 * (z.array - mu.array), rtol=1e-10)


def test_elbo_is_a_lower_bound_of_the_exact_log_likelihood():
    md.set_default_dtype(np.float64)
    try:
        md.manual_seed(3)
        model = VAE(input_dim=5, hidden=(6,), latent_dim=1)
        x = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
        # log p(x) = log ∫ p(x|z) N(z; 0, 1) dz on a fine grid (one latent dimension)
        grid = np.linspace(-8, 8, 4001)[:, None]
        with md.no_grad():
            logits = model.decode_logits(md.tensor(grid)).array
        log_px_given_z = (x * logits - np.logaddexp(0, logits)).sum(axis=1)
        log_prior = -0.5 * grid[:, 0] ** 2 - 0.5 * np.log(2 * np.pi)
        log_px = np.logaddexp.reduce(log_px_given_z + log_prior) + np.log(grid[1, 0] - grid[0, 0])
        with md.no_grad():
            elbo = model.elbo(np.repeat(x, 20_000, axis=0)).array
        gap = log_px - elbo.mean()
        assert gap > 5 * elbo.std() / np.sqrt(len(elbo))  # strictly below: q is not the posterior
        assert gap < 3.0
    finally:
        md.set_default_dtype(np.float32)


def test_vae_training_raises_the_elbo():
    (x, _), (x_test, _) = load_fashion_mnist_subset()
    x, x_test = x[:1000], x_test[:300]
    md.manual_seed(0)
    model = VAE(hidden=(128,), latent_dim=8)
    before = model.evaluate(x_test)
    history = fit_model(model, x, epochs=3, batch_size=64, lr=2e-3)
    after = model.evaluate(x_test)
    assert history["loss"][-1] < history["loss"][0]
    assert after["elbo"] > before["elbo"] + 150  # about −543 nats at init
    assert after["elbo"] == pytest.approx(after["reconstruction_log_likelihood"] - after["kl"])
    assert after["kl"] > 1.0  # the code carries information
    samples = model.sample(6)
    assert samples.shape == (6, 784) and samples.dtype == np.float32
    assert 0.0 <= samples.min() and samples.max() <= 1.0
