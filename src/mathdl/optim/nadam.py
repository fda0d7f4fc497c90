"""NAdam (Dozat, 2016): Adam with Nesterov momentum, using PyTorch's momentum-decay schedule."""

import numpy as np

from mathdl.optim.adam import Adam
from mathdl.optim.optimizer import Optimizer, check_number
from mathdl.typing import ParamsT


class NAdam(Adam):
    """NAdam (PyTorch's formulation). For each parameter p with gradient g, at step t:

        μ_t = β₁ (1 − ½ · 0.96^(t ψ))          (ψ = momentum_decay),   Π_t = Π_{t−1} μ_t
        m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,   d = √(v / (1 − β₂ᵗ)) + ε
        p ← p − η (1 − μ_t)/(1 − Π_t) · g/d − η μ_{t+1}/(1 − Π_t μ_{t+1}) · m/d

    Weight decay adds λp to g, or with ``decoupled_weight_decay=True`` scales p by 1 − ηλ first.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
    ) -> None:
        Optimizer.__init__(
            self,
            params,
            dict(
                lr=lr,
                betas=betas,
                eps=eps,
                weight_decay=weight_decay,
                momentum_decay=momentum_decay,
                decoupled_weight_decay=decoupled_weight_decay,
            ),
        )

    def _check_group(self, group):
        super()._check_group(group)
        group["momentum_decay"] = check_number(group["momentum_decay"], "momentum_decay value", "NAdam")

    def _update(self, group, p, grad, state):
        if "exp_avg" not in state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = np.zeros_like(p.array)
            state["exp_avg_sq"] = np.zeros_like(p.array)
        state["step"] += 1
        step = state["step"]
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        psi = group["momentum_decay"]
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p.array *= 1.0 - lr * weight_decay
            else:
                decayed = np.multiply(p.array, weight_decay, out=self._buffer(p, "decay"))
                decayed += grad
                grad = decayed
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        work, denominator = self._buffer(p, "work"), self._buffer(p, "denominator")
        exp_avg *= beta1
        np.multiply(grad, 1.0 - beta1, out=work)
        exp_avg += work
        exp_avg_sq *= beta2
        np.multiply(grad, grad, out=work)
        work *= 1.0 - beta2
        exp_avg_sq += work
        np.divide(exp_avg_sq, 1.0 - beta2**step, out=denominator)
        np.sqrt(denominator, out=denominator)
        denominator += eps
        np.divide(grad, denominator, out=work)
        work *= lr * (1.0 - mu) / (1.0 - mu_product)
        p.array -= work
        np.divide(exp_avg, denominator, out=work)
        work *= lr * mu_next / (1.0 - mu_product * mu_next)
        p.array -= work
