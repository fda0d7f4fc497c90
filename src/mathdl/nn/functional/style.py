"""Losses of neural style transfer (Gatys, Ecker & Bethge 2016) and the total-variation regulariser.

For a layer l with C channels over an H × W map, F is its feature matrix (C, M), M = H·W.

* **Gram matrix** (normalised by the number of positions M):

      G = F Fᵀ / M,     G_ij = (1/M) Σ_k F_ik F_jk        ∂L/∂F = (Ḡ + Ḡᵀ) F / M

  the average over positions of the product of channels i and j: a statistic of which features
  occur together, blind to where (a "texture" description). Dividing by M makes it independent
  of the image size.
* **Style loss** of layer l against the style image's Gram matrix A:

      E_l = Σ_ij (G_ij − A_ij)² / (4 C²)

  which equals Gatys et al.'s 1/(4 N_l² M_l²) Σ (Ĝ − Â)² for their unnormalised Ĝ = M·G. Over layers,
  L_style = Σ_l w_l E_l (Gatys: w_l = 1/L over L layers, the default).
* **Content loss** (Gatys eq. 1): L_content = ½ Σ (F − P)² for the content image's features P.
* **Total variation** (anisotropic, p-th power; Mahendran & Vedaldi 2015 use it as an image prior):

      TV_p(x) = Σ |x[i+1, j] − x[i, j]|ᵖ + Σ |x[i, j+1] − x[i, j]|ᵖ       (over the last two axes)

  p = 1 is TensorFlow's ``tf.image.total_variation``; p = 2 is smooth everywhere.

All are compositions of differentiable ops, so their gradients (and gradients of gradients) come
from the ops' own formulas.
"""

import numbers
from collections.abc import Sequence
from typing import cast

from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.arithmetic import matmul
from mathdl.ops.elementwise import abs
from mathdl.ops.reduction import sum
from mathdl.ops.shape import getitem, reshape, transpose
from mathdl.typing import TensorLike


def gram_matrix(features: TensorLike, normalize: bool = True) -> Tensor:
    """G = F Fᵀ / M for features (N, C, H, W) → (N, C, C) (or (C, H, W) → (C, C)), M = H·W.

    ``normalize=False`` gives Gatys et al.'s unnormalised F Fᵀ.

    >>> import mathdl as md
    >>> gram_matrix(md.ones(1, 2, 3, 3)).array[0]
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    x = as_tensor(features)
    if x.ndim not in (3, 4):
        raise ValueError(f"gram_matrix: expected features (N, C, H, W) or (C, H, W), got shape {x.shape}")
    channels, positions = x.shape[-3], x.shape[-2] * x.shape[-1]
    f = reshape(x, x.shape[:-3] + (channels, positions))
    g = matmul(f, transpose(f, tuple(range(f.ndim - 2)) + (f.ndim - 1, f.ndim - 2)))
    return g * (1.0 / positions) if normalize else g


def _layer_style_loss(features, target_gram):
    g = gram_matrix(features)
    target = as_tensor(target_gram, like=g)
    if target.shape[-2:] != g.shape[-2:]:
        raise ValueError(
            f"style_loss: a target Gram matrix of shape {target.shape} does not match features with "
            f"{g.shape[-1]} channels"
        )
    channels = g.shape[-1]
    return sum((g - target) ** 2) * (1.0 / (4.0 * channels * channels))


def style_loss(
    features: Tensor | Sequence[Tensor],
    target_grams: Tensor | Sequence[Tensor],
    weights: Sequence[float] | None = None,
) -> Tensor:
    """Σ_l w_l · Σ (G(F_l) − A_l)² / (4 C_l²) over layers (see the module docstring).

    Args:
        features: one Tensor (N, C, H, W) or a list of them (one per layer).
        target_grams: the style image's ``gram_matrix`` of each layer, (C, C) or (N, C, C).
        weights: one number per layer; default 1/L each (Gatys et al.).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> features = md.ones(1, 2, 3, 3)
    >>> F.style_loss(features, [F.gram_matrix(features)]).item()   # the style image's own Gram matrix
    0.0
    """
    single = not isinstance(features, (list, tuple))
    layers = [features] if single else list(cast(Sequence[Tensor], features))
    grams = [target_grams] if single else list(cast(Sequence[Tensor], target_grams))
    if len(layers) != len(grams) or not layers:
        raise ValueError(
            f"style_loss: give one target Gram matrix per feature layer, got {len(layers)} layers "
            f"and {len(grams)} targets"
        )
    weights = [1.0 / len(layers)] * len(layers) if weights is None else list(weights)
    if len(weights) != len(layers) or not all(isinstance(w, numbers.Real) for w in weights):
        raise ValueError(f"style_loss: weights must be {len(layers)} numbers, got {weights!r}")
    total = None
    for f, target, w in zip(layers, grams, weights):
        term = _layer_style_loss(f, target) * float(w)
        total = term if total is None else total + term
    assert total is not None  # layers is not empty (checked above)
    return total


def content_loss(features: TensorLike, target: TensorLike) -> Tensor:
    """½ Σ (F − P)² (Gatys et al. eq. 1): features F and the content image's features P, same shape.

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.content_loss(md.tensor([1.0, 3.0]), md.tensor([0.0, 1.0])).item()   # (1 + 4) / 2
    2.5
    """
    f = as_tensor(features)
    p = as_tensor(target, like=f)
    if f.shape != p.shape:
        raise ValueError(f"content_loss: features {f.shape} and target {p.shape} must have the same shape")
    return sum((f - p) ** 2) * 0.5


def total_variation(image: TensorLike, p: float = 1, reduction: str = "sum") -> Tensor:
    """TV_p = Σ |vertical differences|ᵖ + Σ |horizontal differences|ᵖ over the last two axes.

    Args:
        image: (…, H, W), e.g. (N, C, H, W).
        p: 1 (anisotropic TV, TensorFlow's) or 2 (squared differences, smooth).
        reduction: ``sum`` (default), ``mean`` (divided by the number of differences) or ``none``
            (one value per leading index 0, i.e. per image of a batch).

    >>> import mathdl as md
    >>> float(total_variation(md.tensor([[0.0, 1.0], [3.0, 1.0]])).array)   # |3-0| + |1-1| + |1-0| + |1-3|
    6.0
    """
    x = as_tensor(image)
    if x.ndim < 2:
        raise ValueError(f"total_variation: expected an image (…, H, W), got shape {x.shape}")
    if p not in (1, 2):
        raise ValueError(f"total_variation: p must be 1 or 2, got {p!r}")
    if reduction not in ("sum", "mean", "none"):
        raise ValueError(f"total_variation: reduction must be 'sum', 'mean' or 'none', got {reduction!r}")
    rows = getitem(x, (Ellipsis, slice(1, None), slice(None))) - getitem(
        x, (Ellipsis, slice(None, -1), slice(None))
    )
    cols = getitem(x, (Ellipsis, slice(None), slice(1, None))) - getitem(
        x, (Ellipsis, slice(None), slice(None, -1))
    )
    power = (lambda d: abs(d)) if p == 1 else (lambda d: d * d)
    if reduction == "none":
        axes = tuple(range(1, x.ndim)) if x.ndim > 2 else None
        if axes is None:
            return sum(power(rows)) + sum(power(cols))
        return sum(power(rows), axes) + sum(power(cols), axes)
    total = sum(power(rows)) + sum(power(cols))
    return total * (1.0 / max(rows.array.size + cols.array.size, 1)) if reduction == "mean" else total
