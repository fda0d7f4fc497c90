"""From a log-mel spectrogram back to a waveform: non-negative inversion of the filterbank, word
joining and Griffin-Lim.

A mel power spectrogram is M = F P with F the (n_mels × bins) filterbank and P the power spectrogram
(bins × frames). F has fewer rows than columns, so many P fit; we take a non-negative one closest in
least squares, frame by frame,

    P̂ = argmin_{P ≥ 0} ½ ‖F P − M‖²_F,

by projected gradient descent with Nesterov momentum (FISTA, Beck & Teboulle 2009) on all frames at
once, started from the pseudo-inverse clipped at 0:

    Y ← max(0, V − η Fᵀ(F V − M)),   V ← Y + (k − 1)/(k + 2) (Y − Y_prev),   η = 1/‖F‖₂²

(‖F‖₂² bounds the gradient's Lipschitz constant, so each projected step cannot increase the error).
librosa's ``feature.inverse.mel_to_stft`` solves the same problem with SciPy's bounded L-BFGS. Then
|X| = √P̂ and Griffin-Lim (``griffin_lim``, fast variant) finds a signal with that magnitude.
"""

import numpy as np

from mathdl.audio.griffin_lim import griffin_lim
from mathdl.audio.mel import mel_filterbank


def nnls_projected_gradient(basis, target, n_iter=200, initial=None):
    """min_{X ≥ 0} ½‖basis · X − target‖²_F for every column of ``target`` at once (FISTA).

    basis (m, n), target (m, k) → X (n, k) float64. ``initial`` defaults to max(0, pinv(basis) target).
    """
    basis = np.asarray(basis, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if basis.ndim != 2 or target.ndim != 2 or basis.shape[0] != target.shape[0]:
        raise ValueError(f"nnls_projected_gradient: basis {basis.shape} and target {target.shape} do not fit")
    step = 1.0 / max(np.linalg.norm(basis, 2) ** 2, 1e-300)
    current = np.maximum(np.linalg.pinv(basis) @ target, 0.0) if initial is None else np.array(initial, float)
    gram, projected = basis.T @ basis, basis.T @ target  # gradient = gram · X − projected
    momentum_point = current.copy()
    for k in range(1, n_iter + 1):
        previous = current
        current = np.maximum(momentum_point - step * (gram @ momentum_point - projected), 0.0)
        momentum_point = current + ((k - 1.0) / (k + 2.0)) * (current - previous)
    return current


def mel_to_stft(mel_power, sr, n_fft, n_iter=200, **mel_kwargs):
    """Non-negative power spectrogram (..., n_fft//2 + 1, frames) whose mel projection is closest to
    ``mel_power`` (..., n_mels, frames) (see the module docstring); ``mel_kwargs`` go to
    ``mel_filterbank`` (fmin, fmax, htk, norm). The magnitude is its square root.

    >>> F = mel_filterbank(8000, 256, n_mels=20)
    >>> P = np.abs(np.random.default_rng(0).standard_normal((129, 4)))
    >>> P_hat = mel_to_stft(F @ P, 8000, 256, n_mels=20)
    >>> bool(np.abs(F @ P_hat - F @ P).max() < 1e-3 * np.abs(F @ P).max()) and bool((P_hat >= 0).all())
    True
    """
    mel_power = np.asarray(getattr(mel_power, "array", mel_power), dtype=np.float64)
    if mel_power.ndim < 2:
        raise ValueError(f"mel_to_stft: expected (..., n_mels, frames), got shape {mel_power.shape}")
    if (mel_power < 0).any():
        raise ValueError("mel_to_stft: a mel power spectrogram must be non-negative (convert dB first)")
    n_mels = mel_kwargs.pop("n_mels", mel_power.shape[-2])
    if n_mels != mel_power.shape[-2]:
        raise ValueError(f"mel_to_stft: n_mels={n_mels} but mel_power has {mel_power.shape[-2]} bands")
    basis = mel_filterbank(sr, n_fft, n_mels=n_mels, **mel_kwargs).astype(np.float64)
    frames = np.moveaxis(mel_power, -2, 0).reshape(mel_power.shape[-2], -1)
    power = nnls_projected_gradient(basis, frames, n_iter=n_iter)
    shape = (basis.shape[1], *mel_power.shape[:-2], mel_power.shape[-1])
    return np.moveaxis(power.reshape(shape), 0, -2)


def voiced_frames(mel_db, threshold_db=40.0):
    """(start, stop): the span of frames whose loudest band is within ``threshold_db`` of the loudest
    frame's (the word without its leading and trailing silence); mel_db (n_mels, frames)."""
    mel_db = np.asarray(mel_db)
    if mel_db.ndim != 2 or mel_db.shape[1] == 0:
        raise ValueError(f"voiced_frames: expected (n_mels, frames), got shape {mel_db.shape}")
    loudness = mel_db.max(axis=0)
    loud = np.flatnonzero(loudness >= loudness.max() - threshold_db)
    return int(loud[0]), int(loud[-1]) + 1


def join_words(mels_db, gap_frames, floor_db=-80.0, threshold_db=40.0, margin=1):
    """One log-mel spectrogram: each word trimmed to its voiced frames (± ``margin``), words separated
    by ``gap_frames`` frames of silence (``floor_db``) and padded by the same silence at both ends."""
    if not mels_db:
        raise ValueError("join_words: no words to join")
    n_mels = mels_db[0].shape[0]
    silence = np.full((n_mels, gap_frames), floor_db, dtype=np.float64)
    parts = [silence]
    for mel in mels_db:
        start, stop = voiced_frames(mel, threshold_db)
        parts += [np.maximum(mel[:, max(start - margin, 0) : stop + margin], floor_db), silence]
    return np.concatenate(parts, axis=1)


def mel_db_to_audio(mel_db, sr, n_fft, hop_length, n_iter=100, momentum=0.99, seed=0, peak=0.9, **mel_kwargs):
    """Waveforms (..., hop_length · (frames − 1)) float64 from log-mel spectrograms in dB (..., n_mels,
    frames): dB → power → non-negative inversion of the filterbank → magnitude → fast Griffin-Lim
    (``n_iter``, ``momentum``, phases from ``seed``), each signal scaled to the peak ``peak``."""
    mel_db = np.asarray(mel_db, dtype=np.float64)
    power = mel_to_stft(10.0 ** (mel_db / 10.0), sr, n_fft, **mel_kwargs)
    length = hop_length * (mel_db.shape[-1] - 1)
    signal = griffin_lim(
        np.sqrt(power), n_iter, n_fft, hop_length, window="hann", length=length, momentum=momentum, seed=seed
    )
    loudest = np.abs(signal).max(axis=-1, keepdims=True)
    return signal * (peak / np.where(loudest > 0, loudest, 1.0))
