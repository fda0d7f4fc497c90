"""Batch-mixing augmentation: ``MixUp`` (Zhang et al., 2018) and ``CutMix`` (Yun et al., 2019),
torchvision.transforms.v2's names and formulas. Both take a batch and its labels and return the
mixed batch with **soft targets** (probabilities, rows summing to 1), for the cross-entropy with
probability targets (``F.cross_entropy(logits, soft_targets)`` accepts them):

    one λ ~ Beta(α, α) per batch, partner of image n is image n − 1 (the batch rolled by one)
    MixUp:  x̃ₙ = λ xₙ + (1 − λ) xₙ₋₁,                ỹₙ = λ yₙ + (1 − λ) yₙ₋₁
    CutMix: x̃ₙ = xₙ outside a box B, xₙ₋₁ inside,    ỹₙ = λ' yₙ + (1 − λ') yₙ₋₁,  λ' = 1 − |B|/(H W)

CutMix's box has its centre (r_x, r_y) uniform over the pixels and half-sides ⌊r W⌋, ⌊r H⌋ with
r = ½√(1 − λ), clipped to the image (so λ' is the share of the image that stays xₙ).
``y`` are one-hot rows of the integer labels (``num_classes`` of them) or already soft (N, K).

Use them on training batches only: ``AugmentedSupervised(batch_transform)`` in ``mathdl.train``
(the Trainer's step), or ``collate_fn=lambda samples: mix(*default_collate(samples))`` on a
DataLoader, as torchvision's users do.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.data.transforms.base import check_probability, generator, unwrap, wrap


def soft_targets(labels, num_classes, dtype, where):
    """Labels (N,) integers → one-hot (N, K) in ``dtype``; soft (N, K) labels are kept."""
    if labels.ndim == 2 and labels.dtype.kind == "f":
        return labels.astype(dtype, copy=False)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"{where}: labels must be integers (N,) or probabilities (N, K), got {labels.dtype} {labels.shape}"
        )
    if num_classes is None:
        raise ValueError(f"{where}: give num_classes to turn integer labels into soft targets")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{where}: labels must lie in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}"
        )
    return np.eye(num_classes, dtype=dtype)[labels]


class _BatchMix:
    """Shared argument checks and the (images, labels) plumbing of MixUp and CutMix."""

    batched = True

    def __init__(self, alpha=1.0, num_classes=None, p=1.0):
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"{type(self).__name__}: alpha must be a positive number, got {alpha!r}")
        if num_classes is not None and (
            isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1
        ):
            raise ValueError(
                f"{type(self).__name__}: num_classes must be a positive int, got {num_classes!r}"
            )
        self.alpha, self.num_classes = float(alpha), num_classes
        self.p = check_probability(p, type(self).__name__)

    def __call__(self, images, labels):
        where = type(self).__name__
        x, was_tensor = unwrap(images, where)
        y = labels.array if isinstance(labels, Tensor) else np.asarray(labels)
        if x.ndim != 4:
            raise ValueError(f"{where}: expected a batch of images (N, C, H, W), got {x.shape}")
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"{where}: {x.shape[0]} images but {y.shape[0]} labels")
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        y = soft_targets(y, self.num_classes, dtype, where)
        if generator().random() < self.p:
            lam = float(generator().beta(self.alpha, self.alpha))
            x, weight = self.mix(x, lam)
            y = weight * y + (1.0 - weight) * np.roll(y, 1, axis=0)
        return wrap(x, was_tensor), wrap(
            y.astype(dtype, copy=False), was_tensor or isinstance(labels, Tensor)
        )

    def extra_repr(self):
        return f"alpha={self.alpha}, num_classes={self.num_classes}, p={self.p}"

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class MixUp(_BatchMix):
    """x̃ = λ x + (1 − λ) roll(x), ỹ likewise, λ ~ Beta(α, α) once per batch (α = 1: uniform)."""

    def mix(self, x, lam):
        if x.dtype.kind != "f":
            raise TypeError(f"MixUp: expected floating images, got dtype {x.dtype}; use ToDtype first")
        return lam * x + (1.0 - lam) * np.roll(x, 1, axis=0), lam


class CutMix(_BatchMix):
    """Paste a box of the partner image; the labels are weighted by the kept area λ'."""

    def box(self, lam, height, width):
        """(y1, y2, x1, x2) of the pasted box for λ (torchvision's construction)."""
        rng = generator()
        r_x, r_y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = 0.5 * np.sqrt(1.0 - lam)
        half_w, half_h = int(r * width), int(r * height)
        x1, y1 = max(r_x - half_w, 0), max(r_y - half_h, 0)
        x2, y2 = min(r_x + half_w, width), min(r_y + half_h, height)
        return y1, y2, x1, x2

    def mix(self, x, lam):
        height, width = x.shape[2:]
        y1, y2, x1, x2 = self.box(lam, height, width)
        out = x.copy()
        out[..., y1:y2, x1:x2] = np.roll(x, 1, axis=0)[..., y1:y2, x1:x2]
        kept = 1.0 - (x2 - x1) * (y2 - y1) / (height * width)
        return out, kept
