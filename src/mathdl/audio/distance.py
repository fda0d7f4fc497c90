"""Distances between spectrograms: dynamic time warping and the log-spectral distance.

The log-spectral distance between two power spectra P and Q (bins f = 1..K) of one frame is

    LSD = √( (1/K) Σ_f (10 log₁₀ P_f − 10 log₁₀ Q_f)² )   dB,

averaged over frames. Two renderings of a word rarely last equally long, so frames are first paired
by dynamic time warping (Sakoe & Chiba 1978): with c[i, j] the distance between frame i of one and
frame j of the other,

    D[i, j] = c[i, j] + min(D[i−1, j], D[i, j−1], D[i−1, j−1]),   D[0, 0] = c[0, 0],

and the path traced back from D[n−1, m−1] pairs every frame of both with at least one of the other,
in order. The LSD is then the mean over the path's pairs.
"""

import numpy as np


def dtw(cost):
    """Dynamic time warping on a cost matrix (n, m): ``(total cost D[n−1, m−1], path)`` with path an
    (L, 2) int array of index pairs from (0, 0) to (n−1, m−1), each step (1, 0), (0, 1) or (1, 1).

    >>> total, path = dtw(np.array([[0.0, 1, 1], [1, 0, 1], [1, 1, 0]]))
    >>> float(total), path.tolist()
    (0.0, [[0, 0], [1, 1], [2, 2]])
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2 or 0 in cost.shape:
        raise ValueError(f"dtw: expected a non-empty cost matrix (n, m), got shape {cost.shape}")
    if not np.isfinite(cost).all():
        raise ValueError("dtw: the cost matrix must be finite")
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, n + 1):  # row i needs row i−1 (vectorised) and its own left neighbour (sequential)
        diagonal_or_up = np.minimum(total[i - 1, :-1], total[i - 1, 1:]) + cost[i - 1]
        row = total[i]
        for j in range(1, m + 1):
            row[j] = min(diagonal_or_up[j - 1], row[j - 1] + cost[i - 1, j - 1])
    path = [(n - 1, m - 1)]
    i, j = n, m
    while (i, j) != (1, 1):
        moves = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
        i, j = min(moves, key=lambda move: total[move])
        path.append((i - 1, j - 1))
    return total[n, m], np.asarray(path[::-1], dtype=np.int64)


def log_spectral_distance(power_a, power_b, align=True, amin=1e-10):
    """Mean log-spectral distance (dB) between power spectrograms (bins, frames_a) and (bins, frames_b).

    ``align``: pair frames by DTW on the per-frame LSD (frames may then differ in number); otherwise
    frame t with frame t (equal numbers of frames). Powers are floored at ``amin`` (−100 dB).
    """
    a = 10.0 * np.log10(np.maximum(np.asarray(power_a, dtype=np.float64), amin))
    b = 10.0 * np.log10(np.maximum(np.asarray(power_b, dtype=np.float64), amin))
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ValueError(
            f"log_spectral_distance: spectrograms (bins, frames) must share bins, got {a.shape}, {b.shape}"
        )
    if not align:
        if a.shape != b.shape:
            raise ValueError(
                f"log_spectral_distance: without align the shapes must match, got {a.shape}, {b.shape}"
            )
        return float(np.sqrt(np.mean((a - b) ** 2, axis=0)).mean())
    squared = (a * a).mean(axis=0)[:, None] + (b * b).mean(axis=0)[None, :] - 2.0 * (a.T @ b) / a.shape[0]
    frame_distance = np.sqrt(np.maximum(squared, 0.0))  # (frames_a, frames_b)
    _, path = dtw(frame_distance)
    return float(frame_distance[path[:, 0], path[:, 1]].mean())
