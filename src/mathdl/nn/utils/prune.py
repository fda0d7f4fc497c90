"""Magnitude pruning with PyTorch's names and reparametrisation (``torch.nn.utils.prune``).

Pruning parameter ``name`` of a module replaces it by

    name_orig  (the Parameter, still learned)      name_mask  (a buffer of 0s and 1s)
    name = name_orig ⊙ name_mask                    (recomputed by a forward pre-hook before every forward)

so the pruned entries of the weight the layer uses are exactly 0 after every optimiser step, and
their gradient ∂L/∂name_orig = ∂L/∂name ⊙ mask is 0 too. The masks:

    l1_unstructured     zero the ⌊amount⌉ entries of smallest |w| (amount: a count, or a fraction
                        of the entries still unpruned)
    ln_structured       zero the ⌊amount⌉ slices along ``dim`` of smallest Lₙ norm ‖w[…, c, …]‖ₙ
                        (dim=0: whole output channels of a Linear or Conv2d)
    global_unstructured one l1_unstructured threshold over several parameters at once
    custom_from_mask    a given mask

Pruning again combines masks (the new mask is chosen among the entries still unpruned, as
PyTorch's PruningContainer does). ``remove`` makes the pruning permanent (name becomes a plain
Parameter holding name_orig ⊙ mask); ``is_pruned`` says whether any sub-module is pruned.
"""

import numbers

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.nn.parameter import Parameter


def _count_to_prune(amount, size, where):
    """amount as a count: an int is itself, a float in [0, 1] is round(amount · size)."""
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"{where}: amount must be an int or a float, got {type(amount).__name__}")
    if isinstance(amount, numbers.Integral):
        if amount < 0:
            raise ValueError(f"{where}: amount={amount} should be a non-negative integer")
        if amount > size:
            raise ValueError(
                f"{where}: amount={amount} should be smaller than the number of parameters to prune={size}"
            )
        return int(amount)
    if not 0.0 <= amount <= 1.0:
        raise ValueError(f"{where}: amount={amount} should be a float in the range [0, 1]")
    return int(round(amount * size))


class L1Unstructured:
    """Zero the entries of smallest absolute value (``amount``: a count or a fraction)."""

    def __init__(self, amount):
        self.amount = amount

    def compute_mask(self, scores, default_mask):
        """The new mask: ``default_mask`` with the ``amount`` smallest |scores| among its 1s set to 0."""
        mask = default_mask.copy()
        alive = np.flatnonzero(default_mask.reshape(-1) == 1)
        k = _count_to_prune(self.amount, alive.size, "l1_unstructured")
        if k:
            magnitudes = np.abs(scores.reshape(-1)[alive])
            smallest = np.argpartition(magnitudes, k - 1)[:k]
            mask.reshape(-1)[alive[smallest]] = 0
        return mask


class LnStructured:
    """Zero the slices along ``dim`` of smallest Lₙ norm (``n``: 1, 2, … or ``np.inf``)."""

    def __init__(self, amount, n, dim=-1):
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, scores, default_mask):
        dim = self.dim % scores.ndim
        others = tuple(axis for axis in range(scores.ndim) if axis != dim)
        alive = (
            np.flatnonzero(np.any(default_mask != 0, axis=others)) if others else np.flatnonzero(default_mask)
        )
        k = _count_to_prune(self.amount, alive.size, "ln_structured")
        mask = default_mask.copy()
        if k:
            moved = np.moveaxis(scores, dim, 0).reshape(scores.shape[dim], -1)
            norms = np.linalg.norm(moved[alive], ord=self.n, axis=1)
            weakest = alive[np.argsort(norms, kind="stable")[:k]]
            index = [slice(None)] * scores.ndim
            index[dim] = weakest
            mask[tuple(index)] = 0
        return mask


class _ApplyMask:
    """The forward pre-hook: name ← name_orig ⊙ name_mask (a differentiable product)."""

    def __init__(self, name):
        self.name = name

    def __call__(self, module, args):
        object.__setattr__(module, self.name, masked_value(module, self.name))


def masked_value(module, name):
    return getattr(module, name + "_orig") * getattr(module, name + "_mask")


def _hooks(module):
    if "_pruning_hooks" not in module.__dict__:
        object.__setattr__(module, "_pruning_hooks", {})
    return module._pruning_hooks


def _apply(module, name, method, importance_scores=None):
    where = type(method).__name__
    hooks = _hooks(module)
    if name in hooks:
        orig = getattr(module, name + "_orig")
        default_mask = getattr(module, name + "_mask").array
    else:
        orig = getattr(module, name, None)
        if not isinstance(orig, Parameter):
            raise ValueError(f"{where}: {type(module).__name__} has no parameter {name!r} to prune")
        default_mask = np.ones_like(orig.array)
    scores = (
        orig.array
        if importance_scores is None
        else np.asarray(getattr(importance_scores, "array", importance_scores))
    )
    if scores.shape != orig.shape:
        raise ValueError(
            f"{where}: importance_scores of shape {scores.shape} for {name!r} of shape {orig.shape}"
        )
    mask = method.compute_mask(scores, default_mask).astype(orig.dtype)
    return custom_from_mask(module, name, mask)


def custom_from_mask(module, name, mask):
    """Prune ``name`` with the given 0/1 ``mask`` (combined with an existing mask). Returns module."""
    hooks = _hooks(module)
    mask = np.asarray(getattr(mask, "array", mask))
    if name in hooks:
        buffer = getattr(module, name + "_mask")
        if mask.shape != buffer.shape:
            raise ValueError(
                f"custom_from_mask: mask of shape {mask.shape} for {name!r} of shape {buffer.shape}"
            )
        buffer.array[...] = buffer.array * mask
    else:
        param = getattr(module, name, None)
        if not isinstance(param, Parameter):
            raise ValueError(f"custom_from_mask: {type(module).__name__} has no parameter {name!r} to prune")
        if mask.shape != param.shape:
            raise ValueError(
                f"custom_from_mask: mask of shape {mask.shape} for {name!r} of shape {param.shape}"
            )
        delattr(module, name)
        module.register_parameter(name + "_orig", param)
        module.register_buffer(name + "_mask", Tensor(mask.astype(param.dtype)))
        hooks[name] = module.register_forward_pre_hook(_ApplyMask(name))
    object.__setattr__(module, name, masked_value(module, name))
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Zero the ``amount`` (count or fraction of the unpruned entries) entries of ``name`` with the
    smallest |w| (or smallest |importance_scores|). Returns ``module``.

    >>> layer = nn.Linear(4, 3); prune.l1_unstructured(layer, "weight", amount=0.5)
    """
    return _apply(module, name, L1Unstructured(amount), importance_scores)


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Zero the ``amount`` slices of ``name`` along ``dim`` with the smallest Lₙ norms (dim=0 for the
    output channels of Linear/Conv2d weights; n=1 for L1). Returns ``module``."""
    return _apply(module, name, LnStructured(amount, n, dim), importance_scores)


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """One ``pruning_method`` (e.g. ``L1Unstructured``, with its keyword ``amount``) over all of
    ``parameters`` = [(module, name), …] at once: the smallest magnitudes of the whole set are
    zeroed, so layers lose different fractions. ``importance_scores``: {(module, name): array}."""
    parameters = list(parameters)
    if not parameters or not all(isinstance(p, tuple) and len(p) == 2 for p in parameters):
        raise TypeError("global_unstructured: parameters must be a non-empty list of (module, name) pairs")
    if pruning_method is not L1Unstructured:
        raise ValueError(
            "global_unstructured: only prune.L1Unstructured is a global (unstructured) method here"
        )
    importance_scores = importance_scores or {}
    scores, masks, sizes = [], [], []
    for module, name in parameters:
        current = getattr(module, name)
        score = importance_scores.get((module, name), current)
        scores.append(np.asarray(getattr(score, "array", score)).reshape(-1))
        pruned = name in _hooks(module)
        masks.append(
            getattr(module, name + "_mask").array.reshape(-1) if pruned else np.ones(current.array.size)
        )
        sizes.append(current.array.size)
    mask = pruning_method(**kwargs).compute_mask(np.concatenate(scores), np.concatenate(masks))
    for (module, name), piece in zip(parameters, np.split(mask, np.cumsum(sizes)[:-1])):
        custom_from_mask(module, name, piece.reshape(getattr(module, name).shape))


def remove(module, name):
    """Make the pruning of ``name`` permanent: ``name`` becomes a Parameter holding name_orig ⊙ mask;
    name_orig, name_mask and the hook are removed. Returns ``module``."""
    hooks = _hooks(module)
    if name not in hooks:
        raise ValueError(
            f"Parameter '{name}' of module {type(module).__name__} has to be pruned before pruning can be removed"
        )
    orig = getattr(module, name + "_orig")
    values = orig.array * getattr(module, name + "_mask").array
    hooks.pop(name).remove()
    delattr(module, name + "_orig")
    delattr(module, name + "_mask")
    if name in module.__dict__:
        object.__delattr__(module, name)
    orig.array[...] = values
    module.register_parameter(name, orig)
    return module


def is_pruned(module):
    """True when ``module`` or one of its sub-modules has a pruned parameter."""
    return any(module_.__dict__.get("_pruning_hooks") for module_ in module.modules())
