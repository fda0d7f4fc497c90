"""Sequence helpers: masked sequence cross-entropy, perplexity, masks, positional encoding.

Masked sequence cross-entropy. For logits z (…, V) over a vocabulary of V tokens, integer
targets y (…) and a mask m (…) that is 1 on real tokens and 0 on padding,

    ℓ = Σ_t m_t (logsumexp(z_t) − z_{t, y_t}) / Σ_t m_t          (reduction 'mean')
    ∂ℓ/∂z_{t,k} = m_t (softmax(z_t)_k − [k = y_t]) / Σ_t m_t

so padding contributes neither to the loss nor to the gradient, and the mean is over real tokens.

Perplexity is the exponential of the mean negative log-likelihood per token, exp(ℓ): the size
of a uniform vocabulary that would be as surprising as the model. A model that knows nothing
over V symbols has perplexity V; a perfect one has 1.

Sinusoidal positional encoding (Vaswani et al. 2017), for position p and channel pair i:

    PE[p, 2i] = sin(p / 10000^{2i/d}),     PE[p, 2i+1] = cos(p / 10000^{2i/d})

Each pair of channels is a rotation at its own frequency, so PE[p + k] is a fixed linear function
of PE[p]: relative offsets are easy for attention to read.
"""

import math
import numbers

import numpy as np

from mathdl import backend
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.activation import dropout
from mathdl.nn.functional.sequence_loss import SequenceCrossEntropy, sequence_cross_entropy  # noqa: E402,F401
from mathdl.nn.module import Module


def perplexity(loss):
    """exp(mean negative log-likelihood per token) as a float; ``loss`` a Tensor or number (nats)."""
    value = float(loss.item() if isinstance(loss, Tensor) else loss)
    return math.exp(value) if value < 700 else math.inf


def length_mask(lengths, max_length=None):
    """Boolean (B, T) mask, True at positions t < lengths[b] (the real tokens of each sequence)."""
    lengths = np.asarray(lengths.array if isinstance(lengths, Tensor) else lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu" or (lengths < 0).any():
        raise ValueError("length_mask: lengths must be a 1-D array of non-negative integers")
    max_length = int(lengths.max(initial=0)) if max_length is None else int(max_length)
    return np.arange(max_length)[None, :] < lengths[:, None]


def sinusoidal_positional_encoding(max_len, d_model, dtype=None):
    """The (max_len, d_model) table PE[p, 2i] = sin(p ω_i), PE[p, 2i+1] = cos(p ω_i),
    ω_i = 10000^{−2i/d} (a NumPy array; d_model may be odd, the last cosine is then dropped)."""
    for name, value in (("max_len", max_len), ("d_model", d_model)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(
                f"sinusoidal_positional_encoding: {name} must be a positive integer, got {value!r}"
            )
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    positions = np.arange(max_len, dtype=np.float64)[:, None]
    frequencies = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
    table = np.zeros((max_len, d_model), dtype=np.float64)
    table[:, 0::2] = np.sin(positions * frequencies)
    table[:, 1::2] = np.cos(positions * frequencies[: d_model // 2])
    return table.astype(dtype)


class PositionalEncoding(Module):
    """y = Dropout(x + PE[:T]) for x (T, B, E), or (B, T, E) with ``batch_first``.

    ``PositionalEncoding(d_model, dropout=0.1, max_len=5000, batch_first=False)``; the table is a
    non-persistent buffer ``pe`` (recomputed, not saved).
    """

    def __init__(self, d_model, dropout=0.1, max_len=5000, batch_first=False):
        super().__init__()
        self.d_model, self.max_len = int(d_model), int(max_len)
        self.p, self.batch_first = float(dropout), bool(batch_first)
        self.register_buffer("pe", Tensor(sinusoidal_positional_encoding(max_len, d_model)), persistent=False)

    def forward(self, x):
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(
                f"PositionalEncoding: expected a 3-D input ending in d_model={self.d_model}, "
                f"got {getattr(x, 'shape', type(x).__name__)}"
            )
        length = x.shape[1] if self.batch_first else x.shape[0]
        if length > self.max_len:
            raise ValueError(f"PositionalEncoding: sequence length {length} exceeds max_len={self.max_len}")
        table = self.pe.array[:length].astype(x.dtype, copy=False)
        table = table[None] if self.batch_first else table[:, None]
        return dropout(x + Tensor(table), self.p, self.training)

    def extra_repr(self):
        return f"d_model={self.d_model}, dropout={self.p}, max_len={self.max_len}"
