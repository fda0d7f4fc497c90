"""The variational autoencoder (Kingma & Welling, 2014) with a Bernoulli decoder.

Generative model p(z) = N(0, I), p_θ(x | z) = Π_i Bernoulli(x_i; σ(g_θ(z))_i); an encoder gives the
approximate posterior q_φ(z | x) = N(μ_φ(x), diag σ²_φ(x)) (it outputs μ and log σ²). Every x has

    log p_θ(x) ≥ ELBO(x) = E_{q_φ(z|x)}[ log p_θ(x | z) ] − KL( q_φ(z|x) ‖ p(z) ),

    log p_θ(x | z) = Σ_i [ x_i log x̂_i + (1 − x_i) log(1 − x̂_i) ],     x̂ = σ(g_θ(z)),
    KL( N(μ, σ²) ‖ N(0, I) ) = ½ Σ_j ( σ_j² + μ_j² − 1 − log σ_j² )         (closed form).

The expectation is estimated with the reparameterisation z = μ + σ ⊙ ε, ε ~ N(0, I), so the
sample is a differentiable function of (μ, σ) and the gradient flows through it to φ. Training
maximises the mean ELBO (minimises −ELBO, in nats per image). Pixel intensities in [0, 1] are used
directly as Bernoulli targets (the usual continuous relaxation for grey-scale images).
"""

import numpy as np

from mathdl import nn
from mathdl.autograd import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.models.autoencoder import _input, as_float_images
from mathdl.models.registry import register
from mathdl.nn import functional as F
from mathdl.random import generator


def gaussian_kl(mu, logvar):
    """KL( N(μ, diag exp(logvar)) ‖ N(0, I) ) = ½ Σ_j (exp(logvar_j) + μ_j² − 1 − logvar_j), per row.

    mu, logvar: (N, d) Tensors → (N,)."""
    if tuple(mu.shape) != tuple(logvar.shape):
        raise ValueError(
            f"gaussian_kl: mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)} must have the same shape"
        )
    return 0.5 * (logvar.exp() + mu * mu - 1.0 - logvar).sum(axis=-1)


def reparameterize(mu, logvar):
    """z = μ + exp(½ logvar) ⊙ ε with ε ~ N(0, I) drawn from the global generator."""
    epsilon = generator().standard_normal(mu.shape).astype(mu.dtype)
    return mu + (0.5 * logvar).exp() * Tensor(epsilon)


class VAE(nn.Module):
    """``VAE(input_dim=784, hidden=(512,), latent_dim=16)``: ReLU MLP encoder with μ and log σ²
    heads, ReLU MLP decoder giving Bernoulli logits."""

    flat = True

    def __init__(self, input_dim=784, hidden=(512,), latent_dim=16):
        super().__init__()
        sizes = [input_dim, *hidden]
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        self.encoder = nn.Sequential(*layers)
        self.mu_head = nn.Linear(sizes[-1], latent_dim)
        self.logvar_head = nn.Linear(sizes[-1], latent_dim)
        decoder_sizes = [latent_dim, *hidden[::-1], input_dim]
        layers = []
        for index, (n_in, n_out) in enumerate(zip(decoder_sizes[:-1], decoder_sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if index < len(decoder_sizes) - 2:
                layers.append(nn.ReLU())
        self.decoder = nn.Sequential(*layers)
        self.input_dim, self.latent_dim = input_dim, latent_dim

    def _input(self, x):
        return _input(x, flat=True)

    def encode(self, x):
        """(μ, log σ²) of q(z | x), each (N, latent_dim)."""
        h = self.encoder(self._input(x))
        return self.mu_head(h), self.logvar_head(h)

    def decode_logits(self, z):
        return self.decoder(z)

    def forward(self, x):
        """The reconstruction σ(g(z)) at one reparameterised sample z ~ q(z | x)."""
        mu, logvar = self.encode(x)
        return self.decode_logits(reparameterize(mu, logvar)).sigmoid()

    def elbo_terms(self, x):
        """(reconstruction log-likelihood E_q[log p(x|z)] (one sample), KL(q ‖ p)), each (N,)."""
        x = self._input(x)
        mu, logvar = self.encode(x)
        logits = self.decode_logits(reparameterize(mu, logvar))
        log_likelihood = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(axis=-1)
        return log_likelihood, gaussian_kl(mu, logvar)

    def elbo(self, x):
        """The one-sample ELBO estimate per image, (N,) nats."""
        log_likelihood, kl = self.elbo_terms(x)
        return log_likelihood - kl

    def loss(self, x):
        """−mean ELBO (nats per image)."""
        return -self.elbo(x).mean()

    def evaluate(self, x, batch_size=500):
        """Mean ELBO, reconstruction term, KL (nats per image) and the reconstruction MSE per pixel
        (decoding the posterior mean μ), without gradients."""
        x = as_float_images(x, True)
        sums = np.zeros(4)
        with no_grad():
            for start in range(0, len(x), batch_size):
                batch = x[start : start + batch_size]
                log_likelihood, kl = self.elbo_terms(batch)
                mu, _ = self.encode(batch)
                mean_reconstruction = self.decode_logits(mu).sigmoid().array
                sums += [
                    float((log_likelihood - kl).array.sum()),
                    float(log_likelihood.array.sum()),
                    float(kl.array.sum()),
                    float(((mean_reconstruction - batch) ** 2).sum()),
                ]
        n = len(x)
        return {
            "elbo": sums[0] / n,
            "reconstruction_log_likelihood": sums[1] / n,
            "kl": sums[2] / n,
            "reconstruction_mse": sums[3] / x.size,
        }

    def sample(self, n):
        """n images σ(g(z)) with z ~ N(0, I), a NumPy array (n, input_dim)."""
        z = generator().standard_normal((n, self.latent_dim)).astype(self.mu_head.weight.dtype)
        with no_grad():
            return self.decode_logits(Tensor(z)).sigmoid().array


@register("vae")
def vae(latent_dim=16, hidden=(512,)):
    """The VAE for 28×28 images (784 → ``hidden`` → μ, log σ² of ``latent_dim``)."""
    return VAE(hidden=tuple(hidden), latent_dim=latent_dim)
