"""Tracking a target that moves at nearly constant velocity from noisy position measurements,
with the Kalman filter and the Rauch–Tung–Striebel smoother of mathdl.stats.

    python examples/math_kalman_filter.py [OUTPUT_DIR]      (default examples/output/)

Writes kalman_tracking.png.
"""

import os
import sys

import numpy as np

from mathdl import stats


def simulate(steps=120, process_noise=0.05, measurement_noise=4.0, seed=0):
    rng = np.random.default_rng(seed)
    model = stats.KalmanFilter.constant_velocity(
        dt=1.0, process_noise=process_noise, measurement_noise=measurement_noise
    )
    chol_q = np.linalg.cholesky(model.Q)
    state = np.array([0.0, 0.0, 1.0, 0.6])
    truth, measurements = [], []
    for _ in range(steps):
        state = model.F @ state + chol_q @ rng.standard_normal(4)
        truth.append(state)
        measurements.append(model.H @ state + np.sqrt(measurement_noise) * rng.standard_normal(2))
    return np.array(truth), np.array(measurements)


def main(output_dir):
    truth, z = simulate()
    z_missing = z.copy()
    z_missing[60:75] = np.nan  # a gap: the filter only predicts
    make = lambda: stats.KalmanFilter.constant_velocity(process_noise=0.05, measurement_noise=4.0)
    filtered, filtered_covs = make().filter(z_missing)
    smoothed, _ = make().smooth(z_missing)
    rmse = lambda m: np.sqrt(np.mean(np.sum((m[:, :2] - truth[:, :2]) ** 2, axis=1)))
    seen = ~np.isnan(z_missing[:, 0])
    print(
        f"position RMSE: measurements {np.sqrt(np.mean(np.sum((z[seen] - truth[seen, :2]) ** 2, axis=1))):.3f}, "
        f"filter {rmse(filtered):.3f}, smoother {rmse(smoothed):.3f}"
    )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'mathdl[plot]'): no figure written")
        return
    os.makedirs(output_dir, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(truth[:, 0], truth[:, 1], "k-", linewidth=1, label="true path")
    left.plot(z_missing[:, 0], z_missing[:, 1], ".", color="gray", markersize=3, label="measurements")
    left.plot(filtered[:, 0], filtered[:, 1], "C0-", label="Kalman filter")
    left.plot(smoothed[:, 0], smoothed[:, 1], "C3-", label="RTS smoother")
    left.set_title("constant-velocity tracking (measurements missing for t = 60…74)")
    left.legend(fontsize=8)
    t = np.arange(len(truth))
    sd = np.sqrt(filtered_covs[:, 0, 0])
    right.fill_between(
        t,
        filtered[:, 0] - truth[:, 0] - 2 * sd,
        filtered[:, 0] - truth[:, 0] + 2 * sd,
        alpha=0.3,
        label="±2σ (filter)",
    )
    right.plot(t, filtered[:, 0] - truth[:, 0], "C0-", label="filter error in x")
    right.axvspan(60, 75, color="gray", alpha=0.2)
    right.set_xlabel("t")
    right.legend(fontsize=8)
    right.set_title("error and the filter's own uncertainty")
    path = os.path.join(output_dir, "kalman_tracking.png")
    fig.savefig(path, dpi=80, bbox_inches="tight")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("examples", "output"))
