"""Audio features as dataset transforms: log-mel spectrograms of whole batches, cached, and white noise.

    from mathdl.data import SpokenDigits, LogMel, FeatureDataset, DataLoader
    features = LogMel(sr=8000, n_fft=256, hop_length=128, n_mels=40)
    train = FeatureDataset(SpokenDigits(train=True), features)          # computed once, cached
    noisy = FeatureDataset(SpokenDigits(train=True), features, snr_db=(5, 30))  # fresh noise per batch
    for x, y in DataLoader(train, batch_size=64, shuffle=True): ...     # x (64, 40, 63) float32

The log-mel spectrogram of a clip x is

    L[m, t] = 10 log₁₀ max(amin, Σ_f F[m, f] |X[f, t]|²),    X = STFT(x) (Hann window, centred),

with F the Slaney mel filterbank (``mathdl.audio``). It is computed for a whole batch (B, samples)
at once: ``stft`` frames every clip with one gather and one real FFT. The absolute scale (ref = 1,
not the clip's loudest bin) is kept, so silence is −10 log₁₀(1/amin) dB (−100 dB): a model sees
how loud each part is relative to full scale.

White noise at a signal-to-noise ratio s dB has, per clip, variance σ² = P_x / 10^(s/10) with
P_x = mean(x²) over the clip (silence included), so noise at 10 dB SNR is a tenth of the clip's power.
"""

import numpy as np

from mathdl import random as md_random
from mathdl.data.dataset import Dataset, check_indices


class LogMel:
    """Callable: waveforms (L,) or (B, L) → float32 log-mel spectrograms (n_mels, T) or (B, n_mels, T) dB.

    Args:
        sr, n_fft, hop_length, n_mels, fmin, fmax: the STFT and filterbank (``mathdl.audio``).
        amin: power floor (−10 log₁₀ amin dB is the quietest value); batch_size: clips per STFT call.

    >>> LogMel(sr=8000, n_fft=256, hop_length=128, n_mels=40)(np.zeros((2, 8000))).shape
    (2, 40, 63)
    """

    def __init__(self, sr=8000, n_fft=256, hop_length=128, n_mels=40, fmin=0.0, fmax=None, amin=1e-10):
        for name, value in (("sr", sr), ("n_fft", n_fft), ("hop_length", hop_length), ("n_mels", n_mels)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"LogMel: {name} must be a positive integer, got {value!r}")
        if amin <= 0:
            raise ValueError(f"LogMel: amin must be positive, got {amin}")
        self.sr, self.n_fft, self.hop_length, self.n_mels = int(sr), int(n_fft), int(hop_length), int(n_mels)
        self.fmin, self.fmax, self.amin = float(fmin), fmax, float(amin)

    def config(self):
        """The settings as a JSON-able dict (``LogMel(**config)`` rebuilds it)."""
        return {
            "sr": self.sr,
            "n_fft": self.n_fft,
            "hop_length": self.hop_length,
            "n_mels": self.n_mels,
            "fmin": self.fmin,
            "fmax": self.fmax,
            "amin": self.amin,
        }

    def frames(self, samples):
        """Number of frames for a clip of ``samples`` samples (centred STFT)."""
        return 1 + samples // self.hop_length

    def power(self, waveforms):
        """The mel power spectrogram (..., n_mels, T) as a NumPy array (no log)."""
        from mathdl.audio import melspectrogram
        from mathdl.autograd.grad_mode import no_grad

        waveforms = np.asarray(getattr(waveforms, "array", waveforms))
        if waveforms.ndim not in (1, 2) or waveforms.shape[-1] < 2:
            raise ValueError(f"LogMel: expected waveforms (L,) or (B, L), got shape {waveforms.shape}")
        if waveforms.dtype.kind != "f":
            raise TypeError(f"LogMel: waveforms must be floating point in [-1, 1], got {waveforms.dtype}")
        with no_grad():
            mel = melspectrogram(
                y=waveforms,
                sr=self.sr,
                n_fft=self.n_fft,
                hop_length=self.hop_length,
                pad_mode="reflect",
                n_mels=self.n_mels,
                fmin=self.fmin,
                fmax=self.fmax,
            )
        return mel.array

    def __call__(self, waveforms):
        power = self.power(waveforms)
        return (10.0 * np.log10(np.maximum(power, self.amin))).astype(np.float32)


def add_white_noise(waveforms, snr_db, rng=None):
    """waveforms (B, L) (or (L,)) plus Gaussian white noise at ``snr_db`` dB per clip: a number or a
    (B,) array. ``rng``: a NumPy Generator (default: ``mathdl.random``'s global one)."""
    waveforms = np.asarray(waveforms)
    rng = md_random.generator() if rng is None else rng
    snr = np.asarray(snr_db, dtype=np.float64)
    power = np.mean(np.square(waveforms, dtype=np.float64), axis=-1, keepdims=True)
    if snr.ndim:
        snr = snr.reshape(-1, 1)
    sigma = np.sqrt(power / 10.0 ** (snr / 10.0))
    noise = rng.standard_normal(waveforms.shape) * sigma
    return (waveforms + noise).astype(waveforms.dtype)


class FeatureDataset(Dataset):
    """``(features, label)`` pairs: ``transform`` (e.g. ``LogMel``) applied to a waveform dataset's clips.

    Args:
        dataset: has ``waveforms`` (N, L) and ``labels`` (N,) (``SpokenDigits``) or is a
            ``(waveforms, labels)`` pair of arrays (labels (N,) or (N, k) integers, e.g. [digit, voice]).
        transform: callable on a batch of waveforms (B, L) → features (B, ...).
        snr_db: None (clean; features computed once and cached), a number (fixed noise, drawn
            once from ``seed`` and cached: a reproducible noisy test set) or a (low, high) range (fresh
            noise at a uniform random SNR for every batch: augmentation, from ``mathdl.random``).
        clean_fraction: with a range, the share of each batch left clean (drawn per clip).
        batch_size: clips per transform call when caching.
    """

    def __init__(self, dataset, transform, snr_db=None, seed=0, batch_size=256, clean_fraction=0.0):
        if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
            waveforms, labels = dataset
        elif hasattr(dataset, "waveforms") and hasattr(dataset, "labels"):
            waveforms, labels = dataset.waveforms, dataset.labels
        else:
            raise TypeError(
                "FeatureDataset: dataset must have .waveforms and .labels (SpokenDigits) or be a "
                f"(waveforms, labels) pair, got {type(dataset).__name__}"
            )
        if not callable(transform):
            raise TypeError(f"FeatureDataset: transform must be callable, got {type(transform).__name__}")
        self.waveforms = np.asarray(waveforms)
        self.labels = np.asarray(labels).astype(np.int64)
        if (
            self.waveforms.ndim != 2
            or self.labels.ndim not in (1, 2)
            or len(self.labels) != len(self.waveforms)
        ):
            raise ValueError(
                f"FeatureDataset: waveforms must be (N, L) and labels (N,) or (N, k), got "
                f"{self.waveforms.shape} and {self.labels.shape}"
            )
        if not 0.0 <= clean_fraction <= 1.0:
            raise ValueError(f"FeatureDataset: clean_fraction must be in [0, 1], got {clean_fraction}")
        self.transform = transform
        self.clean_fraction = float(clean_fraction)
        self.snr_range = None
        self.features = None
        if snr_db is not None and np.ndim(snr_db) == 1:
            low, high = (float(v) for v in snr_db)
            if not low <= high:
                raise ValueError(
                    f"FeatureDataset: snr_db range must be (low, high) with low <= high, got {snr_db}"
                )
            self.snr_range = (low, high)
            return
        clips = self.waveforms
        if snr_db is not None:
            clips = add_white_noise(clips, float(snr_db), np.random.default_rng(seed))
        self.features = self._transform_all(clips, batch_size)

    def _transform_all(self, clips, batch_size):
        parts = [
            np.asarray(self.transform(clips[i : i + batch_size])) for i in range(0, len(clips), batch_size)
        ]
        return np.concatenate(parts, axis=0)

    def __len__(self):
        return self.labels.shape[0]

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"FeatureDataset: index must be an integer, got {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"FeatureDataset: index {index} is out of range for length {len(self)}")
        features, labels = self.get_batch(np.array([index % len(self)]))
        return features[0], (int(labels[0]) if labels.ndim == 1 else labels[0])

    def get_batch(self, indices):
        """``(features (B, ...) float32, labels (B,) or (B, k) int64)`` at ``indices``."""
        indices = check_indices(indices, len(self), "FeatureDataset.get_batch")
        if self.features is not None:
            return self.features[indices], self.labels[indices]
        rng = md_random.generator()
        snr = rng.uniform(*self.snr_range, size=len(indices))
        snr[rng.random(len(indices)) < self.clean_fraction] = np.inf  # noise power 0: a clean clip
        noisy = add_white_noise(self.waveforms[indices], snr, rng)
        return np.asarray(self.transform(noisy)), self.labels[indices]
