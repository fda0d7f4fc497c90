"""Generative adversarial networks: the non-saturating GAN (Goodfellow et al., 2014), DCGAN-style
convolutional networks (Radford et al., 2016) and WGAN-GP (Gulrajani et al., 2017).

A generator G maps noise z ~ N(0, I) to a sample; a discriminator D(x) gives a logit. The
discriminator minimises the cross-entropy of telling real from generated samples,

    L_D = −E_x[ log σ(D(x)) ] − E_z[ log(1 − σ(D(G(z)))) ],

and the generator minimises the non-saturating loss (strong gradients while D is winning)

    L_G = −E_z[ log σ(D(G(z))) ].

WGAN-GP replaces D by a critic f without a sigmoid and estimates the Wasserstein-1 distance,
keeping f near 1-Lipschitz with a penalty on its gradient at points between real and fake:

    L_f = E_z[ f(G(z)) ] − E_x[ f(x) ] + λ E_x̂[ (‖∇_x̂ f(x̂)‖₂ − 1)² ],   x̂ = ε x + (1 − ε) G(z), ε ~ U(0, 1),
    L_G = −E_z[ f(G(z)) ].

The penalty is differentiated through ∇_x̂ f (a gradient of a gradient): ``mathdl.grad`` with
``create_graph=True``. Images are scaled to [−1, 1] (the generators end in tanh).

``GAN`` (registered as ``gan``) holds a generator and a discriminator with both losses as
methods; ``mathdl.train.Adversarial`` trains it with two optimisers (one step each per batch,
or ``n_critic`` critic steps per generator step).
"""

import numpy as np

from mathdl import nn
from mathdl.autograd import grad, no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.models.registry import register
from mathdl.nn import functional as F
from mathdl.nn.layers.conv import Conv2d, ConvTranspose2d
from mathdl.random import generator


class MLPGenerator(nn.Module):
    """``MLPGenerator(latent_dim=64, hidden=(256, 512), output_dim=784)``: z → ReLU MLP → tanh."""

    def __init__(self, latent_dim=64, hidden=(256, 512), output_dim=784):
        super().__init__()
        sizes, layers = [latent_dim, *hidden], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], output_dim), nn.Tanh())
        self.latent_dim = latent_dim

    def forward(self, z):
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """``MLPDiscriminator(input_dim=784, hidden=(512, 256))``: x → nn.LeakyReLU(0.2) MLP → one logit
    (N,). With no normalisation layer, it can serve as a WGAN-GP critic."""

    def __init__(self, input_dim=784, hidden=(512, 256)):
        super().__init__()
        sizes, layers = [input_dim, *hidden], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))
        self.input_dim = input_dim

    def forward(self, x):
        if x.ndim > 2:
            x = x.reshape(len(x), -1)
        return self.net(x).reshape(-1)


class DCGenerator(nn.Module):
    """``DCGenerator(latent_dim=64, channels=1, width=64)`` for 28×28 images:
    Linear → (2w, 7, 7) → BN, ReLU → ConvTranspose(2w→w, 4, stride 2) → 14×14 → BN, ReLU →
    ConvTranspose(w→C, 4, stride 2) → 28×28 → tanh."""

    def __init__(self, latent_dim=64, channels=1, width=64):
        super().__init__()
        self.width = width
        self.project = nn.Linear(latent_dim, 2 * width * 7 * 7)
        self.net = nn.Sequential(
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            ConvTranspose2d(width, channels, 4, stride=2, padding=1),
            nn.Tanh(),
        )
        self.latent_dim = latent_dim

    def forward(self, z):
        return self.net(self.project(z).reshape(-1, 2 * self.width, 7, 7))


class DCDiscriminator(nn.Module):
    """``DCDiscriminator(channels=1, width=64, batch_norm=True)`` for 28×28 images:
    Conv(C→w, 4, stride 2) → 14×14 → LeakyReLU → Conv(w→2w, 4, stride 2) → 7×7 → [BN] → LeakyReLU →
    Linear → one logit. Use ``batch_norm=False`` for a WGAN-GP critic (the penalty is per sample,
    and batch statistics would couple the samples)."""

    def __init__(self, channels=1, width=64, batch_norm=True):
        super().__init__()
        layers = [
            Conv2d(channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            Conv2d(width, 2 * width, 4, stride=2, padding=1),
        ]
        if batch_norm:
            layers.append(nn.BatchNorm2d(2 * width))
        layers += [nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1)]
        self.net = nn.Sequential(*layers)
        self.channels = channels

    def forward(self, x):
        if x.ndim == 2:
            side = int(round(np.sqrt(x.shape[1] // self.channels)))
            x = x.reshape(len(x), self.channels, side, side)
        return self.net(x).reshape(-1)


# ----- losses ---------------------------------------------------------------------------------
def discriminator_loss(real_logits, fake_logits):
    """L_D = −mean log σ(D(x)) − mean log(1 − σ(D(G(z)))), from logits."""
    return F.binary_cross_entropy_with_logits(
        real_logits, Tensor(np.ones(real_logits.shape, real_logits.dtype))
    ) + F.binary_cross_entropy_with_logits(
        fake_logits, Tensor(np.zeros(fake_logits.shape, fake_logits.dtype))
    )


def generator_loss(fake_logits):
    """The non-saturating L_G = −mean log σ(D(G(z)))."""
    return F.binary_cross_entropy_with_logits(
        fake_logits, Tensor(np.ones(fake_logits.shape, fake_logits.dtype))
    )


def gradient_penalty(critic, real, fake, epsilon=None):
    """λ-free WGAN-GP penalty  mean_n (‖∇_x̂ f(x̂_n)‖₂ − 1)²  at x̂ = ε x + (1 − ε) x̃.

    ``real``, ``fake``: (N, …) Tensors or arrays (``fake`` is detached: the penalty trains the
    critic). ``epsilon``: (N,) draws from U(0, 1) (drawn from the global generator if None).
    The result is differentiable with respect to the critic's parameters (double backward).
    """
    real = real.array if isinstance(real, Tensor) else np.asarray(real)
    fake = fake.array if isinstance(fake, Tensor) else np.asarray(fake)
    if real.shape != fake.shape:
        raise ValueError(
            f"gradient_penalty: real {real.shape} and fake {fake.shape} must have the same shape"
        )
    if epsilon is None:
        epsilon = generator().random(len(real))
    epsilon = np.asarray(epsilon, dtype=real.dtype).reshape((len(real),) + (1,) * (real.ndim - 1))
    interpolate = Tensor(epsilon * real + (1 - epsilon) * fake, requires_grad=True)
    scores = critic(interpolate)
    (gradient,) = grad(scores.sum(), [interpolate], create_graph=True)
    norm = (gradient.reshape(len(real), -1) ** 2).sum(axis=1).sqrt()
    return ((norm - 1.0) ** 2).mean()


# ----- the two-player model ------------------------------------------------------------------
KINDS = ("mlp", "dcgan", "wgan-gp")


class GAN(nn.Module):
    """A generator and a discriminator (critic) with the losses of the module docstring.

    ``loss``: 'nonsaturating' (L_D and the non-saturating L_G) or 'wgan-gp' (critic loss with the
    gradient penalty of weight ``gp_weight``). ``image_shape``: the shape of one sample, e.g.
    (784,) for MLPs or (1, 28, 28) for convolutional networks (real batches are reshaped to it).
    """

    def __init__(self, generator_net, discriminator, loss="nonsaturating", gp_weight=10.0, image_shape=None):
        super().__init__()
        if loss not in ("nonsaturating", "wgan-gp"):
            raise ValueError(f"GAN: loss must be 'nonsaturating' or 'wgan-gp', got {loss!r}")
        self.generator = generator_net
        self.discriminator = discriminator
        self.loss_kind, self.gp_weight = loss, float(gp_weight)
        self.latent_dim = generator_net.latent_dim
        self.image_shape = tuple(image_shape) if image_shape is not None else None

    def noise(self, n):
        """z ~ N(0, I), (n, latent_dim), from the global generator."""
        return Tensor(generator().standard_normal((n, self.latent_dim)).astype(np.float32))

    def forward(self, z):
        """G(z)."""
        return self.generator(z)

    def _real(self, real):
        if self.image_shape is not None and tuple(real.shape[1:]) != self.image_shape:
            return real.reshape((real.shape[0],) + self.image_shape)
        return real

    def discriminator_loss(self, real):
        """(L_D or the WGAN-GP critic loss on a batch of real samples and as many fakes, extra
        logs). The fakes are generated without a graph: this loss trains D only."""
        real = self._real(real)
        with no_grad():
            fake = self.generator(self.noise(real.shape[0]))
        real_scores, fake_scores = self.discriminator(real), self.discriminator(fake)
        if self.loss_kind == "nonsaturating":
            return discriminator_loss(real_scores, fake_scores), {}
        estimate = real_scores.mean() - fake_scores.mean()
        penalty = gradient_penalty(self.discriminator, real, fake)
        return -estimate + self.gp_weight * penalty, {"wasserstein": estimate, "penalty": penalty}

    def generator_loss(self, n):
        """(L_G on n fresh samples, extra logs): non-saturating −mean log σ(D(G(z))), or
        −mean f(G(z)) for WGAN-GP."""
        fake_scores = self.discriminator(self.generator(self.noise(n)))
        if self.loss_kind == "nonsaturating":
            return generator_loss(fake_scores), {}
        return -fake_scores.mean(), {}

    def sample(self, n, batch_size=500):
        """n samples G(z) in evaluation mode, a NumPy array in [−1, 1]."""
        return sample(self.generator, n, batch_size)


@register("gan")
def gan(kind="mlp", latent_dim=64, hidden=(256, 512), width=64, gp_weight=10.0):
    """A GAN for 28×28 images: ``kind`` 'mlp' (MLP generator with ``hidden`` layers and MLP
    discriminator, non-saturating), 'dcgan' (convolutional, ``width`` channels) or 'wgan-gp'
    (the MLP pair trained as generator and critic with the gradient penalty)."""
    if kind not in KINDS:
        raise ValueError(f"gan: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "dcgan":
        return GAN(
            DCGenerator(latent_dim, width=width), DCDiscriminator(width=width), image_shape=(1, 28, 28)
        )
    pair = MLPGenerator(latent_dim, tuple(hidden)), MLPDiscriminator(784, tuple(hidden)[::-1])
    loss = "wgan-gp" if kind == "wgan-gp" else "nonsaturating"
    return GAN(*pair, loss=loss, gp_weight=gp_weight, image_shape=(784,))


def sample(generator_net, n, batch_size=500):
    """n samples G(z), z ~ N(0, I), in evaluation mode, as a NumPy array in [−1, 1]."""
    was_training = generator_net.training
    generator_net.eval()
    out = []
    with no_grad():
        for start in range(0, n, batch_size):
            count = min(batch_size, n - start)
            z = generator().standard_normal((count, generator_net.latent_dim)).astype(np.float32)
            out.append(generator_net(Tensor(z)).array)
    generator_net.train(was_training)
    return np.concatenate(out)
