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

from mathdl import backend, ops
from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.activation import dropout
from mathdl.nn.module import Module


class SequenceCrossEntropy(Function):
    """Fused log-softmax + masked negative log-likelihood for logits (N, V) and targets (N,).

    ``coefficients`` (N,) are the per-token weights m_t / Σ m (mean) or m_t (sum). Forward keeps the
    softmax for the backward ∂ℓ/∂z = c ⊙ (softmax(z) − onehot(y)) · ℓ̄.
    """

    def __init__(self, targets, coefficients):
        self.targets, self.coefficients = targets, coefficients

    def forward(self, logits):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(logits.shape[0])
        nll = np.log(total[:, 0]) - shifted[rows, self.targets]
        exp /= total
        self.probabilities = exp
        return np.asarray(np.dot(self.coefficients, nll), dtype=logits.dtype)

    def backward(self, gy):
        if grad_mode.is_grad_enabled():
            weights = np.zeros(self.probabilities.shape, dtype=self.probabilities.dtype)
            weights[np.arange(weights.shape[0]), self.targets] = self.coefficients
            coefficients = Tensor(self.coefficients[:, None].astype(weights.dtype))
            return (ops.softmax(self.inputs[0], axis=1) * coefficients - Tensor(weights)) * gy
        g = self.probabilities.copy()
        g[np.arange(g.shape[0]), self.targets] -= 1.0
        g *= (self.coefficients * gy.array)[:, None]
        return _wrap(g, False)


def sequence_cross_entropy(logits, targets, mask=None, ignore_index=None, reduction="mean"):
    """Masked token-level cross-entropy of a sequence model (formula in the module docstring).

    logits (…, V) floats; targets (…) integers in [0, V); ``mask`` (…) booleans or 0/1 (True =
    a real token), and/or ``ignore_index`` (a target value to skip, e.g. the padding id).
    ``reduction``: 'mean' over real tokens (default), 'sum', or 'none' (the per-token losses (…),
    zero at masked positions). The batch/time layout is free: (B, T, V) and (T, B, V) both work.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"sequence_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )
    if not isinstance(logits, Tensor) or logits.ndim < 1 or logits.dtype.kind != "f":
        raise TypeError("sequence_cross_entropy: logits must be a floating-point Tensor (…, V)")
    labels = targets.array if isinstance(targets, Tensor) else np.asarray(targets)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"sequence_cross_entropy: targets must be integers, got dtype {labels.dtype}")
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"sequence_cross_entropy: targets of shape {labels.shape} do not match logits of "
            f"shape {logits.shape} (targets must be the logits' shape without the last axis)"
        )
    vocabulary = logits.shape[-1]
    keep = np.ones(labels.shape, dtype=bool)
    if mask is not None:
        mask_array = np.asarray(mask.array if isinstance(mask, Tensor) else mask)
        if mask_array.shape != labels.shape:
            raise ValueError(
                f"sequence_cross_entropy: mask of shape {mask_array.shape} must match targets {labels.shape}"
            )
        keep &= mask_array.astype(bool)
    if ignore_index is not None:
        keep &= labels != ignore_index
    bad = keep & ((labels < 0) | (labels >= vocabulary))
    if bad.any():
        raise ValueError(
            f"sequence_cross_entropy: target {labels[bad][0]} is out of range for a vocabulary "
            f"of {vocabulary} (targets must lie in [0, {vocabulary - 1}])"
        )
    safe = np.where(keep, labels, 0).reshape(-1)
    flat = ops.reshape(logits, (-1, vocabulary))
    if reduction == "none":
        onehot = np.zeros(flat.shape, dtype=logits.dtype)
        onehot[np.arange(safe.size), safe] = keep.reshape(-1)
        return ops.reshape(-ops.sum(ops.log_softmax(flat, axis=1) * Tensor(onehot), axis=1), labels.shape)
    coefficients = keep.reshape(-1).astype(logits.dtype)
    if reduction == "mean":
        count = coefficients.sum()
        if count == 0:
            raise ValueError("sequence_cross_entropy: every position is masked; there is nothing to average")
        coefficients /= count
    return SequenceCrossEntropy(safe, coefficients)(flat)


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
