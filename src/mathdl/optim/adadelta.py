"""Adadelta (Zeiler, 2012): steps scaled by the ratio of running RMS of updates and of gradients."""

import numpy as np

from mathdl.optim.optimizer import Optimizer, check_number
from mathdl.typing import ParamsT


class Adadelta(Optimizer):
    """Adadelta (PyTorch's formulation). For each parameter p with gradient g:

    g ← g + λ p                                    (weight_decay λ)
    v ← ρ v + (1 − ρ) g²
    Δ = √(u + ε) / √(v + ε) · g
    u ← ρ u + (1 − ρ) Δ²
    p ← p − η Δ                                    (lr η = 1 by default)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _check_group(self, group):
        group["lr"] = check_number(group["lr"], "learning rate", "Adadelta")
        group["rho"] = check_number(group["rho"], "rho value", "Adadelta", 0.0, 1.0, high_inclusive=True)
        group["eps"] = check_number(group["eps"], "epsilon value", "Adadelta")
        group["weight_decay"] = check_number(group["weight_decay"], "weight_decay value", "Adadelta")

    def _update(self, group, p, grad, state):
        if "square_avg" not in state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.array)
            state["acc_delta"] = np.zeros_like(p.array)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"] != 0:
            decayed = np.multiply(p.array, group["weight_decay"], out=self._buffer(p, "grad"))
            decayed += grad
            grad = decayed
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        work, delta = self._buffer(p, "work"), self._buffer(p, "delta")
        square_avg *= rho
        np.multiply(grad, grad, out=work)
        work *= 1.0 - rho
        square_avg += work
        np.add(square_avg, eps, out=work)
        np.sqrt(work, out=work)  # √(v + ε)
        np.add(acc_delta, eps, out=delta)
        np.sqrt(delta, out=delta)
        delta /= work
        delta *= grad  # Δ
        acc_delta *= rho
        np.multiply(delta, delta, out=work)
        work *= 1.0 - rho
        acc_delta += work
        delta *= group["lr"]
        p.array -= delta
