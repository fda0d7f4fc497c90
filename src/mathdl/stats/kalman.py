"""The Kalman filter: exact Bayesian tracking of a linear-Gaussian state-space model

    xₜ = F xₜ₋₁ + B uₜ + wₜ,   wₜ ~ N(0, Q)        (motion)
    zₜ = H xₜ + vₜ,            vₜ ~ N(0, R)        (measurement)

The belief about xₜ stays Gaussian N(x, P) and is carried by two steps:

    predict:  x ← F x + B u,            P ← F P Fᵀ + Q
    update:   y = z − H x  (innovation), S = H P Hᵀ + R,  K = P Hᵀ S⁻¹  (gain)
              x ← x + K y,              P ← (I − K H) P (I − K H)ᵀ + K R Kᵀ

(the Joseph form of the covariance update keeps P symmetric positive-semidefinite under rounding).
``smooth`` runs the Rauch–Tung–Striebel backward pass on top of the filter:
Cₜ = Pₜ Fᵀ P⁻ₜ₊₁⁻¹,  x̂ₜ = xₜ + Cₜ (x̂ₜ₊₁ − x⁻ₜ₊₁),  P̂ₜ = Pₜ + Cₜ (P̂ₜ₊₁ − P⁻ₜ₊₁) Cₜᵀ.
Arrays in, NumPy float64 arrays out (the filter is not differentiated).
"""

import math

import numpy as np

from mathdl.linalg.lu import solve_array


def _matrix(value, name, shape=None):
    array = np.atleast_2d(np.asarray(value, dtype=np.float64))
    if array.ndim != 2:
        raise ValueError(f"KalmanFilter: {name} must be a matrix, got shape {array.shape}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"KalmanFilter: {name} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"KalmanFilter: {name} must be finite")
    return array


def _covariance(value, name, size):
    array = _matrix(value, name, (size, size))
    if np.any(np.abs(array - array.T) > 1e-9 * max(1.0, np.abs(array).max())):
        raise ValueError(f"KalmanFilter: {name} must be symmetric")
    if np.any(np.diagonal(array) < 0):
        raise ValueError(
            f"KalmanFilter: {name} must be positive-semidefinite (negative variance on its diagonal)"
        )
    return array


class KalmanFilter:
    """``KalmanFilter(F, H, Q, R, x0, P0, B=None)``: state size n, measurement size m.

    F (n, n) transition, H (m, n) measurement, Q (n, n) and R (m, m) noise covariances,
    x0 (n,) and P0 (n, n) the initial belief, B (n, k) the control matrix. ``x`` and ``P`` hold the
    current belief; ``log_likelihood`` accumulates Σₜ log N(yₜ; 0, Sₜ) over the updates.
    """

    def __init__(self, F, H, Q, R, x0, P0, B=None):
        self.F = _matrix(F, "F")
        n = self.F.shape[0]
        if self.F.shape != (n, n):
            raise ValueError(f"KalmanFilter: F must be square, got shape {self.F.shape}")
        self.H = _matrix(H, "H")
        if self.H.shape[1] != n:
            raise ValueError(
                f"KalmanFilter: H must have {n} columns (the state size), got shape {self.H.shape}"
            )
        m = self.H.shape[0]
        self.Q = _covariance(Q, "Q", n)
        self.R = _covariance(R, "R", m)
        self.x = np.asarray(x0, dtype=np.float64).reshape(-1).copy()
        if self.x.shape != (n,):
            raise ValueError(f"KalmanFilter: x0 must have {n} entries, got {self.x.shape}")
        self.P = _covariance(P0, "P0", n).copy()
        self.B = None if B is None else _matrix(B, "B")
        if self.B is not None and self.B.shape[0] != n:
            raise ValueError(f"KalmanFilter: B must have {n} rows, got shape {self.B.shape}")
        self.state_size, self.measurement_size = n, m
        self.log_likelihood = 0.0

    @classmethod
    def constant_velocity(cls, dt=1.0, process_noise=1.0, measurement_noise=1.0, dims=2, x0=None, P0=None):
        """The tracking model of a point moving at nearly constant velocity in ``dims`` dimensions,
        measured in position only. State [positions, velocities]; the velocity is disturbed by
        white acceleration of intensity q, which gives Q = q [[dt³/3, dt²/2], [dt²/2, dt]] ⊗ I."""
        eye = np.eye(dims)
        F = np.block([[eye, dt * eye], [np.zeros((dims, dims)), eye]])
        H = np.hstack([eye, np.zeros((dims, dims))])
        Q = process_noise * np.kron(np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]]), eye)
        R = measurement_noise * eye
        x0 = np.zeros(2 * dims) if x0 is None else x0
        P0 = 1e3 * np.eye(2 * dims) if P0 is None else P0
        return cls(F, H, Q, R, x0, P0)

    def predict(self, u=None):
        """x ← F x + B u, P ← F P Fᵀ + Q. Returns (x, P)."""
        self.x = self.F @ self.x
        if u is not None:
            if self.B is None:
                raise ValueError("KalmanFilter.predict: a control u was given but B is None")
            self.x = self.x + self.B @ np.asarray(u, dtype=np.float64).reshape(-1)
        self.P = self.F @ self.P @ self.F.T + self.Q
        return self.x.copy(), self.P.copy()

    def update(self, z):
        """Condition on the measurement z (m,): x ← x + K y, Joseph-form P. Returns (x, P)."""
        z = np.asarray(z, dtype=np.float64).reshape(-1)
        if z.shape != (self.measurement_size,):
            raise ValueError(
                f"KalmanFilter.update: z must have {self.measurement_size} entries, got {z.shape}"
            )
        innovation = z - self.H @ self.x
        S = self.H @ self.P @ self.H.T + self.R
        # K = P Hᵀ S⁻¹, computed as the solution of S Kᵀ = H P (S and P are symmetric).
        gain = solve_array(S, self.H @ self.P).T
        self.x = self.x + gain @ innovation
        correction = np.eye(self.state_size) - gain @ self.H
        self.P = correction @ self.P @ correction.T + gain @ self.R @ gain.T
        whitened = solve_array(S, innovation[:, None])[:, 0]
        self.log_likelihood += -0.5 * (
            innovation @ whitened + _logdet_spd(S) + self.measurement_size * math.log(2 * math.pi)
        )
        return self.x.copy(), self.P.copy()

    def filter(self, measurements, controls=None):
        """Run predict → update over measurements (T, m); a row of NaN skips that update (a missed
        measurement). Returns (means (T, n), covariances (T, n, n)) of the filtered beliefs."""
        means, covariances, _, _ = self._forward(measurements, controls)
        return means, covariances

    def _forward(self, measurements, controls):
        z = np.asarray(measurements, dtype=np.float64)
        z = z.reshape(len(z), -1)
        means, covariances, predicted_means, predicted_covariances = [], [], [], []
        for t in range(len(z)):
            x, P = self.predict(None if controls is None else controls[t])
            predicted_means.append(x)
            predicted_covariances.append(P)
            if not np.all(np.isnan(z[t])):
                x, P = self.update(z[t])
            means.append(x)
            covariances.append(P)
        return (
            np.array(means),
            np.array(covariances),
            np.array(predicted_means),
            np.array(predicted_covariances),
        )

    def smooth(self, measurements, controls=None):
        """Rauch–Tung–Striebel smoothing: the beliefs given all T measurements.
        Returns (means (T, n), covariances (T, n, n))."""
        means, covariances, predicted_means, predicted_covariances = self._forward(measurements, controls)
        smoothed_means, smoothed_covariances = means.copy(), covariances.copy()
        for t in range(len(means) - 2, -1, -1):
            # C = P Fᵀ P⁻¹ ⇔ P⁻ Cᵀ = F P (both covariances symmetric)
            gain = solve_array(predicted_covariances[t + 1], self.F @ covariances[t]).T
            smoothed_means[t] = means[t] + gain @ (smoothed_means[t + 1] - predicted_means[t + 1])
            smoothed_covariances[t] = (
                covariances[t] + gain @ (smoothed_covariances[t + 1] - predicted_covariances[t + 1]) @ gain.T
            )
        return smoothed_means, smoothed_covariances


def _logdet_spd(matrix):
    from mathdl.linalg.cholesky import cholesky_array

    return 2.0 * float(np.sum(np.log(np.diagonal(cholesky_array(matrix)))))
