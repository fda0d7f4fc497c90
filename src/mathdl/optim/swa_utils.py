"""Stochastic weight averaging (Izmailov et al., 2018) and exponential moving averages of weights,
with PyTorch's names and semantics (``torch.optim.swa_utils``).

    SWA   w̄_{n+1} = w̄_n + (w − w̄_n) / (n + 1)          (the running mean of the visited weights)
    EMA   w̄_{n+1} = d · w̄_n + (1 − d) · w                (decay d)

``AveragedModel(model)`` holds a deep copy whose parameters (and, with ``use_buffers=True``,
buffers) become the average: the first ``update_parameters`` copies, later ones apply ``avg_fn``.
``SWALR`` anneals each group's rate from its current value to ``swa_lr`` over ``anneal_epochs``
steps: with t = min(1, step / anneal_epochs) and α(t) = (1 − cos πt)/2 ('cos') or t ('linear'),

    η_t = α(t) · swa_lr + (1 − α(t)) · η₀

(computed recursively, as PyTorch does, so other changes to ``lr`` carry through). ``update_bn``
recomputes BatchNorm running statistics with one pass over the data (cumulative averages).
"""

import copy
import itertools
import math
import numbers

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.nn.module import Module
from mathdl.optim.lr_scheduler import LRScheduler


def get_swa_avg_fn():
    """avg_fn(w̄, w, n) = w̄ + (w − w̄)/(n + 1) on arrays (returns the new average)."""

    def swa_update(averaged, current, num_averaged):
        return averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """avg_fn(w̄, w, n) = d w̄ + (1 − d) w for a decay d in [0, 1]."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(averaged, current, num_averaged):
        return decay * averaged + (1 - decay) * current

    return ema_update


def get_swa_multi_avg_fn():
    """multi_avg_fn(averages, currents, n): the SWA update in place on lists of arrays."""

    def swa_update(averaged_list, current_list, num_averaged):
        weight = 1.0 / (num_averaged + 1)
        for averaged, current in zip(averaged_list, current_list):
            averaged += (current - averaged) * weight

    return swa_update


def get_ema_multi_avg_fn(decay=0.999):
    """multi_avg_fn(averages, currents, n): the EMA update in place on lists of arrays."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(averaged_list, current_list, num_averaged):
        for averaged, current in zip(averaged_list, current_list):
            averaged += (current - averaged) * (1 - decay)  # a lerp: d w̄ + (1 − d) w

    return ema_update


class AveragedModel(Module):
    """A copy of ``model`` whose weights are a running average of ``model``'s (SWA by default).

    Args:
        model: the ``nn.Module`` being trained (deep-copied once here).
        avg_fn: ``(averaged, current, num_averaged) -> new averaged`` on arrays, or
        multi_avg_fn: ``(averaged_list, current_list, num_averaged)`` updating the arrays in place
            (give at most one; default: the equal-weight SWA mean).
        use_buffers: average the buffers too (else they are copied from ``model`` each update).

    ``n_averaged`` (a buffer) counts the updates; calling the AveragedModel calls the copy.

    >>> swa_model = AveragedModel(model)
    >>> swa_model.update_parameters(model)      # after each epoch of the SWA phase
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: only one of avg_fn and multi_avg_fn should be provided")
        for name, function in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if function is not None and not callable(function):
                raise TypeError(f"AveragedModel: {name} must be callable, got {type(function).__name__}")
        if device not in (None, "cpu"):
            raise ValueError(f"AveragedModel: mathdl runs on the CPU only, got device={device!r}")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", Tensor(np.zeros((), dtype=np.int64)))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, bool(use_buffers)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tracked(self, module):
        if self.use_buffers:
            return list(itertools.chain(module.parameters(), module.buffers()))
        return list(module.parameters())

    def update_parameters(self, model):
        """Fold ``model``'s current weights into the average (the first call copies them)."""
        averaged, current = self._tracked(self.module), self._tracked(model)
        if len(averaged) != len(current):
            raise ValueError(
                f"AveragedModel.update_parameters: the model has {len(current)} tensors to average, "
                f"the averaged copy {len(averaged)} (is it the same architecture?)"
            )
        n = int(self.n_averaged.array)
        with grad_mode.no_grad():
            if n == 0:
                for target, source in zip(averaged, current):
                    target.array[...] = source.array
            elif self.multi_avg_fn is not None or self.avg_fn is None:
                floating = [(t.array, s.array) for t, s in zip(averaged, current) if t.dtype.kind == "f"]
                function = self.multi_avg_fn or get_swa_multi_avg_fn()
                function([t for t, _ in floating], [s for _, s in floating], n)
                for target, source in zip(averaged, current):
                    if (
                        target.dtype.kind != "f"
                    ):  # integer buffers (num_batches_tracked): the SWA mean, cast back
                        target.array[...] = target.array + (source.array - target.array) / (n + 1)
            else:
                for target, source in zip(averaged, current):
                    target.array[...] = self.avg_fn(target.array, source.array, n)
            if not self.use_buffers:
                for target, source in zip(self.module.buffers(), model.buffers()):
                    target.array[...] = source.array
        self.n_averaged.array[...] = n + 1


def update_bn(loader, model, device=None):
    """Recompute every BatchNorm's running mean and variance with one pass over ``loader``
    (batches of inputs, or tuples whose first item is the input), as cumulative averages
    (momentum None); the model's train/eval mode and the momenta are restored afterwards."""
    from mathdl.nn.layers.batchnorm import _BatchNorm

    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        with grad_mode.no_grad():
            for batch in loader:
                inputs = batch[0] if isinstance(batch, (list, tuple)) else batch
                model(inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs)))
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` (a number or one per group) over
    ``anneal_epochs`` steps ('cos' or 'linear'), then hold it (PyTorch's recursion)."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        groups = optimizer.param_groups if hasattr(optimizer, "param_groups") else []
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(swa_lrs) != len(groups):
            raise ValueError(f"SWALR: expected {len(groups)} values for swa_lr, got {len(swa_lrs)}")
        for value, group in zip(swa_lrs, groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        if (
            isinstance(anneal_epochs, bool)
            or not isinstance(anneal_epochs, numbers.Integral)
            or anneal_epochs < 0
        ):
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_strategy, self.anneal_epochs = anneal_strategy, int(anneal_epochs)
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t):
        """α(t) = (1 − cos πt)/2 ('cos') or t ('linear')."""
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """η₀ recovered from η = α swa_lr + (1 − α) η₀."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        previous_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        initial = [self._get_initial_lr(g["lr"], g["swa_lr"], previous_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, initial)]
