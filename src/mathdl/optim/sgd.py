"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

import numpy as np

from mathdl.optim.optimizer import Optimizer, _Required, check_number, required
from mathdl.typing import ParamsT


class SGD(Optimizer):
    """SGD (PyTorch's formulation). For each parameter p with gradient g, at step t:

    d = g + λ p                                   (weight_decay λ)
    b ← d  (t = 1),   b ← μ b + (1 − τ) d  (t > 1)   (momentum μ, dampening τ)
    d ← d + μ b  (nesterov)   or   d ← b           (when μ ≠ 0)
    p ← p − η d                                   (lr η)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | _Required = required,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        if lr is not required:
            check_number(lr, "learning rate", "SGD")
        check_number(momentum, "momentum", "SGD")
        check_number(weight_decay, "weight_decay", "SGD")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
            ),
        )

    def _check_group(self, group):
        group["lr"] = check_number(group["lr"], "learning rate", "SGD")
        group["momentum"] = check_number(group["momentum"], "momentum", "SGD")
        group["dampening"] = check_number(group["dampening"], "dampening", "SGD")
        group["weight_decay"] = check_number(group["weight_decay"], "weight_decay", "SGD")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update(self, group, p, grad, state):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay = group["weight_decay"]
        d = grad
        if group["maximize"]:
            d = np.negative(grad, out=self._buffer(p, "direction"))
        if weight_decay != 0:
            decay = np.multiply(p.array, weight_decay, out=self._buffer(p, "decay"))
            if d is grad:
                d = np.add(grad, decay, out=self._buffer(p, "direction"))
            else:
                d += decay
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = d.copy()
            else:
                buffer *= momentum
                if dampening != 0:
                    scaled = np.multiply(d, 1.0 - dampening, out=self._buffer(p, "scaled"))
                    buffer += scaled
                else:
                    buffer += d
            if group["nesterov"]:
                step = np.multiply(buffer, momentum, out=self._buffer(p, "scaled"))
                step += d
                d = step
            else:
                d = buffer
        update = np.multiply(d, lr, out=self._buffer(p, "update"))
        p.array -= update
