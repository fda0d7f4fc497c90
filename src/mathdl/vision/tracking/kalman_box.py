"""Kalman filters for boxes, both built on ``mathdl.stats.KalmanFilter`` (predict: x ← F x,
P ← F P Fᵀ + Q; update: K = P Hᵀ (H P Hᵀ + R)⁻¹, x ← x + K (z − H x)).

``SortBoxFilter`` (Bewley et al. 2016, SORT): state (u, v, s, r, u̇, v̇, ṡ), the box centre, its area
s = w h and aspect ratio r = w / h (held constant: it has no velocity); measurement (u, v, s, r).

    F = I₇ + E₀₄ + E₁₅ + E₂₆ (constant velocity),   H = [I₄ 0]
    R = diag(1, 1, 10, 10),   P₀ = diag(10, 10, 10, 10, 10⁴, 10⁴, 10⁴),
    Q = diag(1, 1, 1, 1, 0.01, 0.01, 10⁻⁴)

(the numbers of the SORT reference code). A prediction that would make the area negative first
zeroes the area's velocity.

``DeepSortBoxFilter`` (Wojke et al. 2017, DeepSORT): state (u, v, a, h, u̇, v̇, ȧ, ḣ) with a = w / h;
measurement (u, v, a, h). Noise scales with the box height h, so big and small boxes are equally
certain relative to their size: σ_position = w_p h, σ_velocity = w_v h with DeepSORT's
w_p = 1/20, w_v = 1/160 (``position_weight``, ``velocity_weight``),

    P₀ = diag(2σ_p, 2σ_p, 10⁻², 2σ_p, 10σ_v, 10σ_v, 10⁻⁵, 10σ_v)²
    Q  = diag(σ_p, σ_p, 10⁻², σ_p, σ_v, σ_v, 10⁻⁵, σ_v)²,   R = diag(σ_p, σ_p, 10⁻¹, σ_p)²

with h the current estimate; Q and R are set on the filter before each predict / update. The aspect
ratio's noises (σ 10⁻² per frame, 10⁻¹ measured) suit pedestrians, whose aspect hardly changes; a box
tight around the visible part of an object changes aspect whenever it is occluded or cut by the image
edge, and then ``aspect_noise=0.1`` follows it (the Fashion-scenes measurements in docs/tracking.md).
``gating_distance`` gives the squared Mahalanobis distance
d² = (z − H x)ᵀ (H P Hᵀ + R)⁻¹ (z − H x) of candidate measurements, χ²-distributed with 4 degrees of
freedom when z comes from this track (so d² > 9.4877 rejects at the 95% level).
"""

import numpy as np

from mathdl.linalg.lu import solve_array
from mathdl.stats.kalman import KalmanFilter

CHI2_95_4DOF = 9.4877  # the 0.95 quantile of χ² with 4 degrees of freedom (DeepSORT's gate)


def xyxy_to_xysr(boxes):
    """(N, 4) xyxy → (N, 4) (centre x, centre y, area w·h, aspect w/h)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return np.stack([boxes[:, 0] + w / 2, boxes[:, 1] + h / 2, w * h, w / h], axis=1)


def xysr_to_xyxy(states):
    """(N, ≥4) (u, v, s, r, …) → (N, 4) xyxy with w = √(s r), h = s / w (NaN for a negative area)."""
    states = np.atleast_2d(np.asarray(states, dtype=np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.sqrt(states[:, 2] * states[:, 3])
        h = states[:, 2] / w
    return np.stack(
        [states[:, 0] - w / 2, states[:, 1] - h / 2, states[:, 0] + w / 2, states[:, 1] + h / 2], 1
    )


def xyxy_to_xyah(boxes):
    """(N, 4) xyxy → (N, 4) (centre x, centre y, aspect w/h, height)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return np.stack([boxes[:, 0] + w / 2, boxes[:, 1] + h / 2, w / h, h], axis=1)


def xyah_to_xyxy(states):
    """(N, ≥4) (u, v, a, h, …) → (N, 4) xyxy."""
    states = np.atleast_2d(np.asarray(states, dtype=np.float64))
    w, h = states[:, 2] * states[:, 3], states[:, 3]
    return np.stack(
        [states[:, 0] - w / 2, states[:, 1] - h / 2, states[:, 0] + w / 2, states[:, 1] + h / 2], 1
    )


class SortBoxFilter:
    """SORT's constant-velocity filter of one box. ``predict()`` and ``update(box)`` return the box
    (4,) xyxy of the current estimate; ``box`` reads it."""

    def __init__(self, box):
        F = np.eye(7)
        F[0, 4] = F[1, 5] = F[2, 6] = 1.0
        H = np.eye(4, 7)
        R = np.diag([1.0, 1.0, 10.0, 10.0])
        P0 = np.diag([10.0, 10.0, 10.0, 10.0, 1e4, 1e4, 1e4])
        Q = np.diag([1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 1e-4])
        x0 = np.r_[xyxy_to_xysr(box)[0], 0.0, 0.0, 0.0]
        self.filter = KalmanFilter(F, H, Q, R, x0, P0)

    @property
    def box(self):
        return xysr_to_xyxy(self.filter.x[None])[0]

    def predict(self):
        if self.filter.x[2] + self.filter.x[6] <= 0:
            self.filter.x[6] = 0.0
        self.filter.predict()
        return self.box

    def update(self, box):
        self.filter.update(xyxy_to_xysr(box)[0])
        return self.box


class DeepSortBoxFilter:
    """DeepSORT's filter of one box, noise proportional to its height; ``predict``, ``update(box)``,
    ``box`` as ``SortBoxFilter``, plus ``gating_distance(boxes)``."""

    def __init__(
        self,
        box,
        aspect_noise=1e-2,
        aspect_measurement_noise=1e-1,
        position_weight=1 / 20,
        velocity_weight=1 / 160,
    ):
        if not (aspect_noise > 0 and aspect_measurement_noise > 0):
            raise ValueError(
                f"DeepSortBoxFilter: aspect noises must be positive, got {aspect_noise!r}, {aspect_measurement_noise!r}"
            )
        if not (position_weight > 0 and velocity_weight > 0):
            raise ValueError(
                f"DeepSortBoxFilter: noise weights must be positive, got {position_weight!r}, {velocity_weight!r}"
            )
        self.aspect_noise, self.aspect_measurement_noise = (
            float(aspect_noise),
            float(aspect_measurement_noise),
        )
        self.position_weight, self.velocity_weight = float(position_weight), float(velocity_weight)
        z = xyxy_to_xyah(box)[0]
        F = np.eye(8)
        F[:4, 4:] = np.eye(4)
        sp, sv = 2 * self.position_weight * z[3], 10 * self.velocity_weight * z[3]
        P0 = np.diag(np.square([sp, sp, 1e-2, sp, sv, sv, 1e-5, sv]))
        self.filter = KalmanFilter(F, np.eye(4, 8), np.eye(8), np.eye(4), np.r_[z, np.zeros(4)], P0)

    @property
    def box(self):
        return xyah_to_xyxy(self.filter.x[None])[0]

    def _measurement_noise(self):
        sp = self.position_weight * self.filter.x[3]
        return np.diag(np.square([sp, sp, self.aspect_measurement_noise, sp]))

    def predict(self):
        sp, sv = self.position_weight * self.filter.x[3], self.velocity_weight * self.filter.x[3]
        self.filter.Q = np.diag(np.square([sp, sp, self.aspect_noise, sp, sv, sv, 1e-5, sv]))
        self.filter.predict()
        return self.box

    def update(self, box):
        self.filter.R = self._measurement_noise()
        self.filter.update(xyxy_to_xyah(box)[0])
        return self.box

    def gating_distance(self, boxes):
        """Squared Mahalanobis distances (N,) of the measurements of ``boxes`` (N, 4) from the
        predicted measurement N(H x, H P Hᵀ + R)."""
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        if boxes.shape[0] == 0:
            return np.zeros(0)
        H = self.filter.H
        covariance = H @ self.filter.P @ H.T + self._measurement_noise()
        residual = xyxy_to_xyah(boxes) - H @ self.filter.x
        return np.sum(residual * solve_array(covariance, residual.T).T, axis=1)
