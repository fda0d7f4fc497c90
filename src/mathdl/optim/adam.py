"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019): bias-corrected moment estimates."""

import math

import numpy as np

from mathdl.optim.optimizer import Optimizer, check_number
from mathdl.typing import ParamsT


class Adam(Optimizer):
    """Adam (PyTorch's formulation). For each parameter p with gradient g, at step t:

    g ← g + λ p                        (weight_decay λ; AdamW decays p directly instead)
    m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
    amsgrad:  v̂ ← max(v̂, v)  and v̂ replaces v below
    p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
    """

    _decoupled = False

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize),
        )

    def _check_group(self, group):
        name = type(self).__name__
        group["lr"] = check_number(group["lr"], "learning rate", name)
        group["eps"] = check_number(group["eps"], "epsilon value", name)
        group["weight_decay"] = check_number(group["weight_decay"], "weight_decay value", name)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        group["betas"] = (
            check_number(betas[0], "beta parameter at index 0", name, 0.0, 1.0),
            check_number(betas[1], "beta parameter at index 1", name, 0.0, 1.0),
        )

    def _update(self, group, p, grad, state):
        if "exp_avg" not in state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.array)
            state["exp_avg_sq"] = np.zeros_like(p.array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.array)
        state["step"] += 1
        step = state["step"]
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if group["maximize"]:
            grad = np.negative(grad, out=self._buffer(p, "grad"))
        if weight_decay != 0:
            if self._decoupled:
                p.array *= 1.0 - lr * weight_decay
            else:
                decayed = np.multiply(p.array, weight_decay, out=self._buffer(p, "decay"))
                decayed += grad
                grad = decayed
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        work = self._buffer(p, "work")
        exp_avg *= beta1
        np.multiply(grad, 1.0 - beta1, out=work)
        exp_avg += work
        exp_avg_sq *= beta2
        np.multiply(grad, grad, out=work)
        work *= 1.0 - beta2
        exp_avg_sq += work
        second = exp_avg_sq
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        step_size = lr / (1.0 - beta1**step)
        np.sqrt(second, out=work)
        work /= math.sqrt(1.0 - beta2**step)
        work += eps
        np.divide(exp_avg, work, out=work)
        work *= step_size
        p.array -= work


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, p ← p (1 − η λ) before the Adam step (default
    λ = 0.01), instead of adding λ p to the gradient."""

    _decoupled = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
