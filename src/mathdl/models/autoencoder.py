"""Autoencoders: dense, convolutional and denoising.

An encoder f maps x ∈ [0, 1]^D to a code z = f(x) of lower dimension, a decoder g maps the code
back to logits, and the reconstruction is x̂ = σ(g(f(x))). Pixels are treated as Bernoulli
means, so training minimises the binary cross-entropy per pixel

    L(x) = −(1/D) Σ_i [ x_i log x̂_i + (1 − x_i) log(1 − x̂_i) ],

computed from the logits without overflow. A denoising autoencoder (Vincent et al., 2008)
reconstructs the clean x from a corrupted x̃ ~ C(x̃ | x): L = BCE(σ(g(f(x̃))), x), which makes the
code keep structure rather than copy pixels. The reported reconstruction error is the mean
squared error per pixel, ‖x − x̂‖² / D.
"""

import numpy as np

from mathdl import nn, optim
from mathdl.autograd import no_grad
from mathdl.autograd.tensor import Tensor
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


def fit(model, x, epochs=10, batch_size=128, lr=1e-3, x_val=None, callback=None):
    """Minimise ``model.loss(batch)`` with Adam over shuffled mini-batches of ``x``.

    Works for every model here with a ``loss`` method (autoencoders, VAE). ``callback(epoch,
    model, history)`` runs after each epoch. Returns ``history`` with the mean training loss per
    epoch and, with ``x_val``, the validation loss.
    """
    if not hasattr(model, "loss"):
        raise TypeError(f"fit: the model must have a loss(batch) method, got {type(model).__name__}")
    x = _as_float(x)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "val_loss": []}
    for epoch in range(int(epochs)):
        model.train()
        order = generator().permutation(len(x))
        total, count = 0.0, 0
        for start in range(0, len(x), batch_size):
            batch = x[order[start : start + batch_size]]
            loss = model.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.item()) * len(batch)
            count += len(batch)
        history["loss"].append(total / count)
        if x_val is not None:
            model.eval()
            history["val_loss"].append(evaluate_loss(model, x_val))
        if callback is not None:
            callback(epoch, model, history)
    model.eval()
    return history


def _as_float(x):
    x = x.array if isinstance(x, Tensor) else np.asarray(x)
    return x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x


def evaluate_loss(model, x, batch_size=500):
    """The mean of ``model.loss`` over ``x`` in batches, without recording a graph."""
    x = _as_float(x)
    total = 0.0
    with no_grad():
        for start in range(0, len(x), batch_size):
            batch = x[start : start + batch_size]
            total += float(model.loss(batch).item()) * len(batch)
    return total / len(x)


def load_fashion_images(full=False):
    """Fashion-MNIST as float32 in [0, 1]: ``(x_train, y_train), (x_test, y_test)`` with images
    (N, 28, 28). ``full=False`` uses the subset shipped with mathdl (6,000 / 1,000 images)."""
    from mathdl.data import load_dataset

    (x, y), (x_test, y_test) = load_dataset(
        "fashion-mnist" if full else "fashion-mnist-subset", download=False
    )
    return (x.astype(np.float32) / 255.0, y), (x_test.astype(np.float32) / 255.0, y_test)


def train_on_fashion_mnist(
    kind="dense",
    epochs=10,
    full=False,
    seed=0,
    batch_size=128,
    lr=1e-3,
    latent_dim=32,
    noise="gaussian",
    level=0.3,
    callback=None,
):
    """Train a ``'dense'``, ``'conv'`` or ``'denoising'`` (dense, ``noise``/``level``) autoencoder on
    Fashion-MNIST; the library entry behind ``mathdl train --model ae``.

    Returns ``(model, metrics)``: metrics holds the history and the test reconstruction MSE per
    pixel (for the denoising model also the error on corrupted test images against clean ones,
    and the error of the corrupted images themselves).
    """
    from mathdl.random import manual_seed

    if kind not in ("dense", "conv", "denoising"):
        raise ValueError(f"train_on_fashion_mnist: kind must be 'dense', 'conv' or 'denoising', got {kind!r}")
    manual_seed(seed)
    (x, _), (x_test, _) = load_fashion_images(full)
    if kind == "dense":
        model = DenseAutoencoder(hidden=(256,), latent_dim=latent_dim)
    elif kind == "conv":
        model = ConvAutoencoder(latent_dim=latent_dim)
    else:
        model = DenoisingAutoencoder(DenseAutoencoder(hidden=(256,), latent_dim=latent_dim), noise, level)
    history = fit(model, x, epochs=epochs, batch_size=batch_size, lr=lr, x_val=x_test, callback=callback)
    metrics = {
        "kind": kind,
        "history": history,
        "train_images": len(x),
        "test_images": len(x_test),
        "test_reconstruction_mse": model.reconstruction_error(x_test),
    }
    if kind == "denoising":
        noisy = corrupt(x_test, noise, level)
        metrics["test_noisy_input_mse"] = float(np.mean((noisy - x_test) ** 2))
        metrics["test_denoised_mse"] = model.reconstruction_error(noisy, target=x_test)
    return model, metrics
