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
"""

import numpy as np

from mathdl import nn, optim
from mathdl.autograd import grad, no_grad
from mathdl.autograd.tensor import Tensor
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


# ----- training ---------------------------------------------------------------------------------
def to_tanh_range(images):
    """uint8 [0, 255] or float [0, 1] images → float32 in [−1, 1]."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    return (2.0 * images - 1.0).astype(np.float32, copy=False)


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


def train_gan(
    generator_net,
    discriminator,
    x,
    epochs=10,
    batch_size=64,
    loss="nonsaturating",
    lr=None,
    betas=None,
    n_critic=None,
    gp_weight=10.0,
    lr_discriminator=None,
    callback=None,
):
    """Train a GAN on data ``x`` (already in the generator's output range, e.g. ``to_tanh_range``).

    ``loss='nonsaturating'``: one D step and one G step per batch, Adam(lr=2e-4, betas=(0.5, 0.999))
    (DCGAN's settings). ``loss='wgan-gp'``: ``n_critic`` (default 5) critic steps per generator step,
    Adam(lr=1e-4, betas=(0.0, 0.9)) and λ = ``gp_weight`` (the WGAN-GP paper's settings).
    ``lr_discriminator`` (default ``lr``) gives the discriminator/critic its own step size (a
    critic that learns faster than the generator keeps its Wasserstein estimate meaningful).
    ``callback(epoch, generator_net, discriminator, history)`` runs after each epoch.
    Returns history: mean ``d_loss`` and ``g_loss`` per epoch (for WGAN-GP also ``wasserstein``,
    the critic's estimate E f(x) − E f(G(z)), and ``penalty``).
    """
    if loss not in ("nonsaturating", "wgan-gp"):
        raise ValueError(f"train_gan: loss must be 'nonsaturating' or 'wgan-gp', got {loss!r}")
    wgan = loss == "wgan-gp"
    lr = lr if lr is not None else (1e-4 if wgan else 2e-4)
    betas = betas if betas is not None else ((0.0, 0.9) if wgan else (0.5, 0.999))
    n_critic = n_critic if n_critic is not None else (5 if wgan else 1)
    x = np.asarray(x, dtype=np.float32)
    if x.ndim < 2 or len(x) < batch_size:
        raise ValueError(f"train_gan: need at least batch_size={batch_size} samples, got shape {x.shape}")
    optimizer_g = optim.Adam(generator_net.parameters(), lr=lr, betas=betas)
    optimizer_d = optim.Adam(discriminator.parameters(), lr=lr_discriminator or lr, betas=betas)
    history = {"d_loss": [], "g_loss": [], "wasserstein": [], "penalty": []}
    latent = generator_net.latent_dim
    generator_net.train()
    discriminator.train()

    def noise(n):
        return Tensor(generator().standard_normal((n, latent)).astype(np.float32))

    for epoch in range(int(epochs)):
        order = generator().permutation(len(x))
        sums, batches, g_steps = np.zeros(4), 0, 0
        for index, start in enumerate(range(0, len(x) - batch_size + 1, batch_size)):
            real = Tensor(x[order[start : start + batch_size]])
            with no_grad():
                fake = generator_net(noise(batch_size))
            real_scores, fake_scores = discriminator(real), discriminator(fake)
            if wgan:
                estimate = real_scores.mean() - fake_scores.mean()
                penalty = gradient_penalty(discriminator, real, fake)
                d_loss = -estimate + gp_weight * penalty
                sums[2] += float(estimate.item())
                sums[3] += float(penalty.item())
            else:
                d_loss = discriminator_loss(real_scores, fake_scores)
            optimizer_d.zero_grad()
            d_loss.backward()
            optimizer_d.step()
            sums[0] += float(d_loss.item())
            batches += 1
            if (index + 1) % n_critic:
                continue
            fake_scores = discriminator(generator_net(noise(batch_size)))
            g_loss = -fake_scores.mean() if wgan else generator_loss(fake_scores)
            optimizer_g.zero_grad()
            g_loss.backward()
            optimizer_g.step()
            sums[1] += float(g_loss.item())
            g_steps += 1
        history["d_loss"].append(sums[0] / max(batches, 1))
        history["g_loss"].append(sums[1] / max(g_steps, 1))
        if wgan:
            history["wasserstein"].append(sums[2] / max(batches, 1))
            history["penalty"].append(sums[3] / max(batches, 1))
        if callback is not None:
            callback(epoch, generator_net, discriminator, history)
    return history


# ----- judging samples -----------------------------------------------------------------------
def image_grid(images, rows=None, padding=1):
    """Tile (N, H, W) or (N, 1, H, W) or (N, H·W) square images into one 2-D array (for plotting)."""
    images = np.asarray(images)
    n = len(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(n, side, side)
    elif images.ndim == 4:
        images = images[:, 0]
    rows = rows or int(np.ceil(np.sqrt(n)))
    cols = int(np.ceil(n / rows))
    h, w = images.shape[1:]
    grid = np.full(
        (rows * (h + padding) + padding, cols * (w + padding) + padding), images.min(), dtype=images.dtype
    )
    for k in range(n):
        r, c = divmod(k, cols)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top : top + h, left : left + w] = images[k]
    return grid


def judge_samples(probabilities):
    """Summaries of a classifier's softmax outputs p(y | x) (N, K) on generated images:
    the class distribution of the argmax labels, the mean confidence max_y p(y|x), and the
    Inception-score-style exp(E_x KL(p(y|x) ‖ p(y))) (1 = useless, K = confident and diverse)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"judge_samples: expected (N, K) class probabilities, got shape {p.shape}")
    labels = p.argmax(axis=1)
    distribution = np.bincount(labels, minlength=p.shape[1]) / len(p)
    marginal = p.mean(axis=0)
    kl = (p * (np.log(np.clip(p, 1e-12, None)) - np.log(np.clip(marginal, 1e-12, None)))).sum(axis=1)
    return {
        "class_distribution": distribution,
        "mean_confidence": float(p.max(axis=1).mean()),
        "score": float(np.exp(kl.mean())),
    }


# ----- Fashion-MNIST ---------------------------------------------------------------------------
def fashion_classifier(x, y, epochs=3, batch_size=128, lr=1e-3):
    """A judge for generated images: an MLP 784 → 256 → 10 trained with cross-entropy on images in
    [−1, 1] (the generators' range). Returns the classifier (in eval mode)."""
    classifier = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = optim.Adam(classifier.parameters(), lr=lr)
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.int64)
    for _ in range(int(epochs)):
        order = generator().permutation(len(x))
        for start in range(0, len(x), batch_size):
            index = order[start : start + batch_size]
            loss = F.cross_entropy(classifier(Tensor(x[index])), Tensor(y[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return classifier.eval()


def class_probabilities(classifier, images, batch_size=1000):
    """softmax(classifier(x)) for images in [−1, 1] of any (N, …) shape with 784 pixels."""
    images = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    with no_grad():
        return np.concatenate(
            [
                classifier(Tensor(images[s : s + batch_size])).softmax(axis=-1).array
                for s in range(0, len(images), batch_size)
            ]
        )


def train_on_fashion_mnist(
    kind="mlp", epochs=10, full=False, seed=0, batch_size=64, latent_dim=64, callback=None
):
    """Train a GAN on Fashion-MNIST: ``'mlp'`` (non-saturating loss), ``'dcgan'`` (convolutional,
    non-saturating) or ``'wgan-gp'`` (MLP generator and critic); the library entry behind
    ``mathdl train --model gan``. ``callback(epoch, generator, discriminator, history)`` after each
    epoch (e.g. to save a sample grid). Returns ``(generator, discriminator, history)``.
    """
    from mathdl.models.autoencoder import load_fashion_images
    from mathdl.random import manual_seed

    if kind not in ("mlp", "dcgan", "wgan-gp"):
        raise ValueError(f"train_on_fashion_mnist: kind must be 'mlp', 'dcgan' or 'wgan-gp', got {kind!r}")
    manual_seed(seed)
    (x, _), _ = load_fashion_images(full)
    x = to_tanh_range(x)
    if kind == "dcgan":
        generator_net, discriminator = DCGenerator(latent_dim), DCDiscriminator()
        x = x[:, None]
        history = train_gan(generator_net, discriminator, x, epochs, batch_size, callback=callback)
    elif kind == "mlp":
        generator_net, discriminator = MLPGenerator(latent_dim), MLPDiscriminator()
        history = train_gan(
            generator_net, discriminator, x.reshape(len(x), -1), epochs, batch_size, callback=callback
        )
    else:
        generator_net, discriminator = MLPGenerator(latent_dim), MLPDiscriminator()
        history = train_gan(
            generator_net,
            discriminator,
            x.reshape(len(x), -1),
            epochs,
            batch_size,
            loss="wgan-gp",
            callback=callback,
        )
    return generator_net, discriminator, history
