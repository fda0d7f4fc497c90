"""Adagrad (Duchi, Hazan & Singer, 2011): per-coordinate rates from the sum of squared gradients."""

import numpy as np

from mathdl.optim.optimizer import Optimizer, check_number
from mathdl.typing import ParamsT


class Adagrad(Optimizer):
    """Adagrad (PyTorch's formulation). For each parameter p with gradient g, at step t:

    g ← g + λ p                       (weight_decay λ)
    η_t = η / (1 + (t − 1) δ)         (lr η, lr_decay δ)
    s ← s + g²                        (s starts at initial_accumulator_value)
    p ← p − η_t g / (√s + ε)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value,
                eps=eps,
            ),
        )

    def _check_group(self, group):
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            group[name] = check_number(group[name], name, "Adagrad")

    def _update(self, group, p, grad, state):
        if "sum" not in state:
            state["step"] = 0
            state["sum"] = np.full_like(p.array, group["initial_accumulator_value"])
        state["step"] += 1
        weight_decay = group["weight_decay"]
        if weight_decay != 0:
            decayed = np.multiply(p.array, weight_decay, out=self._buffer(p, "grad"))
            decayed += grad
            grad = decayed
        rate = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        square = np.multiply(grad, grad, out=self._buffer(p, "update"))
        state["sum"] += square
        denominator = np.sqrt(state["sum"], out=self._buffer(p, "update"))
        denominator += group["eps"]
        update = np.divide(grad, denominator, out=denominator)
        update *= rate
        p.array -= update
