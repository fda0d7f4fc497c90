"""Small fully connected networks for the deep agents."""

import numbers

from mathdl import nn


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
