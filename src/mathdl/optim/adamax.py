"""Adamax (Kingma & Ba, 2015, §7): Adam with the infinity norm in place of the second moment."""

import numpy as np

from mathdl.optim.adam import Adam
from mathdl.optim.optimizer import Optimizer
from mathdl.typing import ParamsT


class Adamax(Adam):
    """Adamax (PyTorch's formulation). For each parameter p with gradient g, at step t:

    g ← g + λ p
    m ← β₁ m + (1 − β₁) g,      u ← max(β₂ u, |g| + ε)
    p ← p − η / (1 − β₁ᵗ) · m / u
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        Optimizer.__init__(self, params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _update(self, group, p, grad, state):
        if "exp_avg" not in state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.array)
            state["exp_inf"] = np.zeros_like(p.array)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        if group["weight_decay"] != 0:
            decayed = np.multiply(p.array, group["weight_decay"], out=self._buffer(p, "decay"))
            decayed += grad
            grad = decayed
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        work = self._buffer(p, "work")
        exp_avg *= beta1
        np.multiply(grad, 1.0 - beta1, out=work)
        exp_avg += work
        exp_inf *= beta2
        np.abs(grad, out=work)
        work += group["eps"]
        np.maximum(exp_inf, work, out=exp_inf)
        np.divide(exp_avg, exp_inf, out=work)
        work *= group["lr"] / (1.0 - beta1 ** state["step"])
        p.array -= work
