"""μ-law companding (ITU-T G.711's curve; torchaudio's ``mu_law_encoding``/``mu_law_decoding``).

Quiet samples get finer steps than loud ones, which suits speech: with μ = 255,

    encode  F(x) = sign(x) ln(1 + μ|x|) / ln(1 + μ),   q = ⌊(F(x) + 1)/2 · μ + 0.5⌋ ∈ {0..255}
    decode  y = 2q/μ − 1,   x = sign(y) ((1 + μ)^|y| − 1) / μ

so 8 bits per sample keep about the quality of 13-14 bits linear near silence.
"""

import numpy as np


def mu_law_encoding(x, quantization_channels=256):
    """Samples in [−1, 1] → integers 0..quantization_channels−1 (uint8 for 256 channels).

    >>> mu_law_encoding(np.array([-1.0, 0.0, 1.0])).tolist()
    [0, 128, 255]
    """
    x = np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)
    mu = quantization_channels - 1.0
    companded = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    codes = ((companded + 1) / 2 * mu + 0.5).astype(np.int64)
    return codes.astype(np.uint8) if quantization_channels <= 256 else codes


def mu_law_decoding(codes, quantization_channels=256, dtype=np.float32):
    """Integers 0..quantization_channels−1 → samples in [−1, 1] (the inverse of the companding)."""
    mu = quantization_channels - 1.0
    y = np.asarray(codes, dtype=np.float64) / mu * 2 - 1.0
    return (np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu).astype(dtype)
