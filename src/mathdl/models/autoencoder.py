"""Autoencoders: dense, convolutional and denoising.

An encoder f maps x ∈ [0, 1]^D to a code z = f(x) of lower dimension, a decoder g maps the code
back to logits, and the reconstruction is x̂ = σ(g(f(x))). Pixels are treated as Bernoulli
means, so training minimises the binary cross-entropy per pixel

    L(x) = −(1/D) Σ_i [ x_i log x̂_i + (1 − x_i) log(1 − x̂_i) ],

computed from the logits without overflow. A denoising autoencoder (Vincent et al., 2008)
reconstructs the clean x from a corrupted x̃ ~ C(x̃ | x): L = BCE(σ(g(f(x̃))), x), which makes the
code keep structure rather than copy pixels. The reported reconstruction error is the mean
squared error per pixel, ‖x − x̂‖² / D.

Registered as ``ae`` (``kind`` 'dense', 'conv' or 'denoising'); every model here has
``loss(x)``, so ``mathdl.train.ModelLoss`` trains it.
"""

import numpy as np

from mathdl import nn
from mathdl.autograd import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.models.registry import register
from mathdl.nn import functional as F
from mathdl.nn.layers.conv import Conv2d, ConvTranspose2d
from mathdl.random import generator


def as_float_images(x, flat):
    """x as float32 in [0, 1]: uint8 images are divided by 255; shape (N, D) if ``flat`` else
    (N, 1, 28, 28)-style (N, C, H, W)."""
    array = x.array if isinstance(x, Tensor) else np.asarray(x)
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif array.dtype.kind != "f":
        raise TypeError(f"expected uint8 or floating images, got dtype {array.dtype}")
    if array.ndim < 2:
        raise ValueError(f"expected a batch of images (N, …), got shape {array.shape}")
    if flat:
        return array.reshape(len(array), -1)
    if array.ndim == 2:
        side = int(round(np.sqrt(array.shape[1])))
        if side * side != array.shape[1]:
            raise ValueError(f"cannot view rows of length {array.shape[1]} as square images")
        return array.reshape(len(array), 1, side, side)
    if array.ndim == 3:
        return array[:, None]
    return array


class _Autoencoder(nn.Module):
    """Shared by the autoencoders: ``encode``, ``decode_logits``, the loss and the error."""

    flat = True

    def forward(self, x):
        """The reconstruction x̂ = σ(g(f(x)))."""
        return self.decode_logits(self.encode(x)).sigmoid()

    def loss(self, x, target=None):
        """Mean per-pixel BCE of the reconstruction of ``x`` against ``target`` (default ``x``)."""
        x = Tensor(as_float_images(x, self.flat))
        target = x if target is None else Tensor(as_float_images(target, self.flat))
        return F.binary_cross_entropy_with_logits(self.decode_logits(self.encode(x)), target)

    def reconstruction_error(self, x, batch_size=500):
        """Mean squared error per pixel between x and its reconstruction (no gradient)."""
        x = as_float_images(x, self.flat)
        total = 0.0
        with no_grad():
            for start in range(0, len(x), batch_size):
                batch = x[start : start + batch_size]
                total += float(((self(Tensor(batch)).array - batch) ** 2).sum())
        return total / x.size


class DenseAutoencoder(_Autoencoder):
    """``DenseAutoencoder(input_dim=784, hidden=(256,), latent_dim=32)``: ReLU MLP encoder
    D → hidden → latent (linear code) and the mirrored decoder latent → hidden → D (logits)."""

    def __init__(self, input_dim=784, hidden=(256,), latent_dim=32):
        super().__init__()
        sizes = [input_dim, *hidden, latent_dim]
        self.encoder = _mlp(sizes)
        self.decoder = _mlp(sizes[::-1])
        self.latent_dim = latent_dim

    def encode(self, x):
        return self.encoder(_input(x, flat=True))

    def decode_logits(self, z):
        return self.decoder(z)


class ConvAutoencoder(_Autoencoder):
    """``ConvAutoencoder(in_channels=1, latent_dim=32, image_size=28)`` for (N, C, 28, 28) images:
    encoder Conv(C→16, 3, stride 2) → Conv(16→32, 3, stride 2) → Linear(32·7·7 → latent);
    decoder Linear → ConvTranspose(32→16) → ConvTranspose(16→C), each stride 2 (7 → 14 → 28)."""

    flat = False

    def __init__(self, in_channels=1, latent_dim=32, image_size=28):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"ConvAutoencoder: image_size must be divisible by 4, got {image_size}")
        self.side = image_size // 4
        self.encoder = nn.Sequential(
            Conv2d(in_channels, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            Conv2d(16, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * self.side * self.side, latent_dim),
        )
        self.project = nn.Linear(latent_dim, 32 * self.side * self.side)
        self.decoder = nn.Sequential(
            nn.ReLU(),
            ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            ConvTranspose2d(16, in_channels, 3, stride=2, padding=1, output_padding=1),
        )
        self.latent_dim = latent_dim

    def encode(self, x):
        return self.encoder(_input(x, flat=False))

    def decode_logits(self, z):
        h = self.project(z).reshape(-1, 32, self.side, self.side)
        return self.decoder(h)


def corrupt(x, kind="gaussian", level=0.3):
    """C(x̃ | x): ``'gaussian'`` x̃ = clip(x + level·ε, 0, 1), ε ~ N(0, 1); ``'masking'`` each pixel
    set to 0 with probability ``level`` (Vincent et al.'s masking noise). NumPy in, NumPy out."""
    x = np.asarray(x)
    if kind == "gaussian":
        noise = generator().standard_normal(x.shape).astype(x.dtype)
        return np.clip(x + level * noise, 0.0, 1.0)
    if kind == "masking":
        if not 0.0 <= level < 1.0:
            raise ValueError(f"corrupt: a masking level must be in [0, 1), got {level!r}")
        return x * (generator().random(x.shape) >= level).astype(x.dtype)
    raise ValueError(f"corrupt: kind must be 'gaussian' or 'masking', got {kind!r}")


class DenoisingAutoencoder(nn.Module):
    """``DenoisingAutoencoder(autoencoder, noise='gaussian', level=0.3)``: trains the wrapped
    autoencoder to map corrupted inputs back to clean ones; evaluation (``forward``,
    ``reconstruction_error``) sees the input as given, so pass corrupted images to measure denoising."""

    def __init__(self, autoencoder, noise="gaussian", level=0.3):
        super().__init__()
        if not isinstance(autoencoder, _Autoencoder):
            raise TypeError(
                f"DenoisingAutoencoder: expected a DenseAutoencoder or ConvAutoencoder, "
                f"got {type(autoencoder).__name__}"
            )
        corrupt(np.zeros(1, np.float32), noise, level)  # validates kind and level
        self.autoencoder, self.noise, self.level = autoencoder, noise, level
        self.flat = autoencoder.flat

    def forward(self, x):
        return self.autoencoder(x)

    def loss(self, x):
        clean = as_float_images(x, self.flat)
        return self.autoencoder.loss(corrupt(clean, self.noise, self.level), target=clean)

    def reconstruction_error(self, x, target=None, batch_size=500):
        """MSE per pixel between ``target`` (default x) and the reconstruction of x."""
        if target is None:
            return self.autoencoder.reconstruction_error(x, batch_size)
        x, target = as_float_images(x, self.flat), as_float_images(target, self.flat)
        with no_grad():
            out = np.concatenate(
                [self.autoencoder(Tensor(x[s : s + batch_size])).array for s in range(0, len(x), batch_size)]
            )
        return float(np.mean((out - target) ** 2))


def _input(x, flat):
    """A Tensor input in the model's layout: Tensors are reshaped (keeping their graph), anything
    else goes through ``as_float_images``."""
    if not isinstance(x, Tensor):
        return Tensor(as_float_images(x, flat))
    if flat and x.ndim > 2:
        return x.reshape(len(x), -1)
    if not flat and x.ndim == 3:
        return x.unsqueeze(1)
    return x


def _mlp(sizes):
    layers = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if index < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@register("ae")
def autoencoder(kind="dense", latent_dim=32, hidden=(256,), noise="gaussian", level=0.3):
    """An autoencoder for 28×28 images: ``kind`` 'dense' (784 → ``hidden`` → latent), 'conv'
    (``ConvAutoencoder``) or 'denoising' (the dense one trained on inputs corrupted by ``noise``
    at ``level``)."""
    if kind == "dense":
        return DenseAutoencoder(hidden=tuple(hidden), latent_dim=latent_dim)
    if kind == "conv":
        return ConvAutoencoder(latent_dim=latent_dim)
    if kind == "denoising":
        return DenoisingAutoencoder(
            DenseAutoencoder(hidden=tuple(hidden), latent_dim=latent_dim), noise, level
        )
    raise ValueError(f"ae: kind must be 'dense', 'conv' or 'denoising', got {kind!r}")
