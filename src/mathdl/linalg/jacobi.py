"""The parallel (round-robin) ordering of Jacobi rotations shared by ``eigh`` and ``svd``.

A sweep must rotate every pair (p, q), p < q, once. Pairs with no index in common commute, so a
round-robin tournament splits the n(n−1)/2 pairs into n−1 rounds of ⌊n/2⌋ disjoint pairs, and
each round is applied as one vectorised update of whole rows/columns (Brent & Luk's ordering).
"""

import numpy as np


def round_robin_pairs(n):
    """A list of n−1 (or n for odd n) rounds, each a pair of index arrays (p, q) with p < q."""
    players = list(range(n + (n % 2)))  # a dummy player n for odd n sits out a round
    size = len(players)
    rounds = []
    for _ in range(size - 1):
        first = [players[i] for i in range(size // 2)]
        second = [players[size - 1 - i] for i in range(size // 2)]
        pairs = [(min(a, b), max(a, b)) for a, b in zip(first, second) if a < n and b < n]
        if pairs:
            p, q = np.array(pairs).T
            rounds.append((p, q))
        players = [players[0]] + [players[-1]] + players[1:-1]
    return rounds


def rotation(theta):
    """(c, s) of the Jacobi rotation with t = tan φ the smaller root of t² + 2θt − 1 = 0:
    t = sign(θ) / (|θ| + √(θ² + 1)),  c = 1/√(t² + 1),  s = t c  (θ = ±∞ gives t = 0)."""
    sign = np.where(theta >= 0, 1.0, -1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        t = sign / (np.abs(theta) + np.hypot(theta, 1.0))
    t = np.where(np.isfinite(theta), t, 0.0)
    c = 1.0 / np.hypot(t, 1.0)
    return c, t * c
