"""Small fully connected networks for the deep agents, and the Huber loss of DQN."""
import numbers

from mathdl import nn
from mathdl.ops import abs as _abs
from mathdl.ops import clip


def mlp(sizes, activation=nn.Tanh):
    """Linear layers of the given ``sizes`` (input, hidden…, output) with ``activation`` between
    them and none after the last: Sequential(Linear(s0, s1), act, …, Linear(s_{n−1}, s_n))."""
    sizes = list(sizes)
    if len(sizes) < 2 or any(not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
        raise ValueError(f"mlp: sizes must be at least two positive integers, got {sizes}")
    layers = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if index < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def huber_loss(input, target, delta=1.0, reduction="mean"):
    """The Huber loss (PyTorch's ``F.huber_loss``), quadratic near 0 and linear beyond δ:

        ℓ(d) = ½ d²            if |d| ≤ δ,        δ (|d| − ½ δ)   otherwise,      d = input − target.

    Written as ½ q² + δ (|d| − q) with q = clip(|d|, 0, δ), which is the same function; its
    gradient ∂ℓ/∂d = clip(d, −δ, δ) bounds the step a single large TD error can cause.
    """
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta!r}")
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"huber_loss: target shape {tuple(target.shape)} must equal input shape "
                         f"{tuple(input.shape)}")
    magnitude = _abs(input - target)
    quadratic = clip(magnitude, 0.0, delta)
    loss = 0.5 * quadratic * quadratic + delta * (magnitude - quadratic)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"huber_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
