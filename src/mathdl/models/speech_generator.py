"""A conditional VAE that generates the log-mel spectrogram of a spoken digit, in a chosen voice.

Data: the log-mel spectrogram x (n_mels × frames, dB) of a one-second clip of digit d said by voice v.
Conditional VAE (Sohn, Lee & Yan 2015): a latent z ~ N(0, I) holds what d and v leave open (the
speed, the pitch, the take), and

    p_θ(x | z, d, v) = Π_i N(x_i; g_θ(z, e_d, e_v)_i, σ²)          (σ = ``sigma_db``, in dB)
    q_φ(z | x, d, v) = N(μ_φ(x, e_d, e_v), diag exp(log σ²_φ(x, e_d, e_v)))

with learned embeddings e_d (digits) and e_v (voices). Training minimises the negative ELBO

    −ELBO = Σ_i (x_i − x̂_i)² / (2σ²) + ½ Σ_j (σ_j² + μ_j² − 1 − log σ_j²)   (+ a constant),

reported per spectrogram bin (divided by n_mels · frames). Generating a word: z ~ N(0, τ² I) (τ the
``temperature``; τ < 1 trades variety for clarity), x̂ = g_θ(z, e_d, e_v).

Why a conditional VAE and not an autoregressive decoder over frames: the clips have a fixed length,
so the whole spectrogram is one output of one network pass; there is no exposure bias (an
autoregressive model trained with teacher forcing sees its own, slightly wrong, frames only at
generation and can drift into silence or loops over 63 steps); it trains with one loss on whole
batches (a plain model-loss step), about 100× fewer network evaluations per epoch than a frame-by-frame
LSTM in NumPy; and z gives a controlled, seedable source of variety. The price is the VAE's blur: the
decoder predicts the mean over what z does not pin down, so harmonics are smoother than espeak-ng's.

Inputs are scaled inside the model: x_n = (max(x, floor) − centre) / scale, with floor −80 dB.
"""

import numpy as np

from mathdl import nn
from mathdl.autograd import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.models.registry import register
from mathdl.models.vae import gaussian_kl, reparameterize
from mathdl.ops.shape import concatenate

FLOOR_DB, CENTRE_DB, SCALE_DB = -80.0, -40.0, 40.0


def _mlp(sizes, last_activation=False):
    layers = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if last_activation or index < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _indices(values, size, name):
    array = np.asarray(getattr(values, "array", values))
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise TypeError(f"SpeechCVAE: {name} must be a 1-D integer array, got {array.dtype} {array.shape}")
    if array.size and (array.min() < 0 or array.max() >= size):
        raise ValueError(
            f"SpeechCVAE: {name} must be in [0, {size}), got values {array.min()}..{array.max()}"
        )
    return array.astype(np.int64)


@register("speech-cvae")
class SpeechCVAE(nn.Module):
    """Conditional VAE over log-mel spectrograms of spoken digits (see the module docstring).

    Args:
        voices: the voice names it is conditioned on (``"en-us+m1"``, …), indices into this list
            are the ``voice`` inputs. n_mels, frames: the spectrogram's size. latent_dim, hidden:
            the latent size and the hidden layers of encoder (and, reversed, decoder). embedding_dim:
            size of the digit and voice embeddings. sigma_db: the decoder's standard deviation (dB).
        sample_rate, n_fft, hop_length: the STFT the spectrograms come from (Slaney mel bands from 0
            to sample_rate / 2), which turning them back into sound needs.

    Shapes: ``loss(x (B, n_mels, frames) dB, targets (B, 2) int [digit, voice])`` → scalar;
    ``sample(digits (B,), voices (B,), rng)`` → (B, n_mels, frames) dB (NumPy).

    >>> model = SpeechCVAE(voices=["en-us+m1"], n_mels=8, frames=5, hidden=[16], latent_dim=2)
    >>> model.sample([3, 1], [0, 0], np.random.default_rng(0)).shape
    (2, 8, 5)
    """

    def __init__(
        self,
        voices=("en-us+m1",),
        n_mels=64,
        frames=63,
        latent_dim=16,
        hidden=(512, 512),
        embedding_dim=16,
        sigma_db=4.0,
        num_classes=10,
        sample_rate=8000,
        n_fft=512,
        hop_length=128,
    ):
        super().__init__()
        if not voices or not all(isinstance(v, str) for v in voices):
            raise ValueError(f"SpeechCVAE: voices must be a non-empty list of names, got {voices!r}")
        if sigma_db <= 0:
            raise ValueError(f"SpeechCVAE: sigma_db must be positive, got {sigma_db}")
        self.voices = list(voices)
        self.n_mels, self.frames, self.latent_dim = int(n_mels), int(frames), int(latent_dim)
        self.num_classes, self.sigma_db = int(num_classes), float(sigma_db)
        self.sample_rate, self.n_fft, self.hop_length = int(sample_rate), int(n_fft), int(hop_length)
        hidden = list(hidden)
        size = self.n_mels * self.frames
        self.digit_embedding = nn.Embedding(num_classes, embedding_dim)
        self.voice_embedding = nn.Embedding(len(self.voices), embedding_dim)
        self.encoder = _mlp([size + 2 * embedding_dim, *hidden], last_activation=True)
        self.mu_head = nn.Linear(hidden[-1], latent_dim)
        self.logvar_head = nn.Linear(hidden[-1], latent_dim)
        self.decoder = _mlp([latent_dim + 2 * embedding_dim, *hidden[::-1], size])

    def voice_index(self, name):
        """The index of voice ``name``; ValueError listing the known voices otherwise."""
        if name not in self.voices:
            known = ", ".join(self.voices[:6]) + (", …" if len(self.voices) > 6 else "")
            raise ValueError(
                f"SpeechCVAE: unknown voice {name!r}; this model knows {len(self.voices)}: {known}"
            )
        return self.voices.index(name)

    def _condition(self, digits, voices):
        digits = _indices(digits, self.num_classes, "digits")
        voices = _indices(voices, len(self.voices), "voices")
        if digits.shape != voices.shape:
            raise ValueError(f"SpeechCVAE: {digits.size} digits but {voices.size} voices")
        return concatenate([self.digit_embedding(digits), self.voice_embedding(voices)], axis=1)

    def _scaled(self, x_db):
        x = np.asarray(getattr(x_db, "array", x_db), dtype=np.float32)
        if x.ndim != 3 or x.shape[1:] != (self.n_mels, self.frames):
            raise ValueError(
                f"SpeechCVAE: expected log-mel spectrograms (B, {self.n_mels}, {self.frames}), got {x.shape}"
            )
        return Tensor(((np.maximum(x, FLOOR_DB) - CENTRE_DB) / SCALE_DB).reshape(x.shape[0], -1))

    def encode(self, x_db, condition):
        """(μ, log σ²) of q(z | x, d, v), each (B, latent_dim)."""
        h = self.encoder(concatenate([self._scaled(x_db), condition], axis=1))
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z, condition):
        """The decoder's mean, scaled units (B, n_mels · frames); dB = value · 40 − 40."""
        return self.decoder(concatenate([z, condition], axis=1))

    def forward(self, x_db, digits, voices):
        """(reconstruction in dB (B, n_mels, frames), μ, log σ²) at one sample z ~ q(z | x, d, v)."""
        condition = self._condition(digits, voices)
        mu, logvar = self.encode(x_db, condition)
        mean = self.decode(reparameterize(mu, logvar), condition)
        return (mean * SCALE_DB + CENTRE_DB).reshape(-1, self.n_mels, self.frames), mu, logvar

    def loss(self, x_db, targets):
        """−ELBO per spectrogram bin, batch mean; ``targets`` (B, 2) = [digit, voice index]."""
        targets = np.asarray(getattr(targets, "array", targets))
        if targets.ndim != 2 or targets.shape[1] != 2:
            raise ValueError(f"SpeechCVAE.loss: targets must be (B, 2) [digit, voice], got {targets.shape}")
        condition = self._condition(targets[:, 0], targets[:, 1])
        x = self._scaled(x_db)
        mu, logvar = self.encode(x_db, condition)
        mean = self.decode(reparameterize(mu, logvar), condition)
        sigma = self.sigma_db / SCALE_DB
        reconstruction = ((x - mean) ** 2).sum(axis=1) * (0.5 / sigma**2)
        return (reconstruction + gaussian_kl(mu, logvar)).mean() * (1.0 / x.shape[1])

    def sample(self, digits, voices, rng, temperature=1.0):
        """Log-mel spectrograms (B, n_mels, frames) dB decoded from z ~ N(0, temperature² I) drawn from ``rng``."""
        if temperature < 0:
            raise ValueError(f"SpeechCVAE.sample: temperature must be >= 0, got {temperature}")
        with no_grad():
            condition = self._condition(digits, voices)
            z = rng.standard_normal((condition.shape[0], self.latent_dim)) * temperature
            mean = self.decode(Tensor(z.astype(np.float32)), condition).array
        return (mean * SCALE_DB + CENTRE_DB).reshape(-1, self.n_mels, self.frames)
