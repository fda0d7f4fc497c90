"""``F.sequence_cross_entropy``: the masked token-level loss of sequence models.

Masked sequence cross-entropy. For logits z (…, V) over a vocabulary of V tokens, integer
targets y (…) and a mask m (…) that is 1 on real tokens and 0 on padding,

    ℓ = Σ_t m_t (logsumexp(z_t) − z_{t, y_t}) / Σ_t m_t          (reduction 'mean')
    ∂ℓ/∂z_{t,k} = m_t (softmax(z_t)_k − [k = y_t]) / Σ_t m_t

so padding contributes neither to the loss nor to the gradient, and the mean is over real tokens.
"""

import numpy as np

from mathdl import ops
from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap
from mathdl.autograd.tensor import Tensor


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
