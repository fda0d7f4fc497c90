"""RMSprop (Hinton, 2012): divide the gradient by a running root-mean-square of its history."""

import numpy as np

from mathdl.optim.optimizer import Optimizer, check_number
from mathdl.typing import ParamsT


class RMSprop(Optimizer):
    """RMSprop (PyTorch's formulation). For each parameter p with gradient g:

        g ← g + λ p                                     (weight_decay λ)
        v ← α v + (1 − α) g²                            (alpha α; v starts at 0)
        centered:  m ← α m + (1 − α) g,   a = √(v − m²) + ε;   otherwise  a = √v + ε
        momentum μ > 0:  b ← μ b + g / a,   p ← p − η b;     otherwise   p ← p − η g / a

    (Keras' RMSprop is the same rule with α called rho = 0.9 and ε = 1e-7.)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(
                lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered
            ),
        )

    def _check_group(self, group):
        group["lr"] = check_number(group["lr"], "learning rate", "RMSprop")
        group["alpha"] = check_number(group["alpha"], "alpha", "RMSprop", 0.0, 1.0, high_inclusive=True)
        for name in ("eps", "weight_decay", "momentum"):
            group[name] = check_number(group[name], name, "RMSprop")

    def _update(self, group, p, grad, state):
        if "square_avg" not in state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.array)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.array)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.array)
        state["step"] += 1
        alpha = group["alpha"]
        if group["weight_decay"] != 0:
            decayed = np.multiply(p.array, group["weight_decay"], out=self._buffer(p, "grad"))
            decayed += grad
            grad = decayed
        square_avg = state["square_avg"]
        work = self._buffer(p, "work")
        square_avg *= alpha
        np.multiply(grad, grad, out=work)
        work *= 1.0 - alpha
        square_avg += work
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            np.multiply(grad, 1.0 - alpha, out=work)
            grad_avg += work
            np.multiply(grad_avg, grad_avg, out=work)
            np.subtract(square_avg, work, out=work)
            np.sqrt(work, out=work)
        else:
            np.sqrt(square_avg, out=work)
        work += group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            np.divide(grad, work, out=work)
            buffer += work
            np.multiply(buffer, group["lr"], out=work)
        else:
            np.divide(grad, work, out=work)
            work *= group["lr"]
        p.array -= work
